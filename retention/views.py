"""The staff page of the retention runs: the policy in force and what the last runs did."""

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from derogations.access import staff_required

from . import policy
from .models import RetentionRun

# The page shows the latest runs (one a night: about two months).
RUNS_SHOWN = 60


@dataclass(frozen=True)
class Cell:
    examined: int
    anonymised: int
    deleted: int
    warned: int


@dataclass(frozen=True)
class Row:
    started_at: object
    finished_at: object
    cells: list[Cell]
    errors: list[str]


@staff_required
@require_safe
def runs(request: AuthenticatedHttpRequest) -> HttpResponse:
    kinds = list(policy.KIND_NAMES)
    rows = []
    for run in RetentionRun.objects.all()[:RUNS_SHOWN]:
        cells = []
        for kind in kinds:
            counts = run.counts.get(kind, {})
            cells.append(
                Cell(
                    counts.get("examined", 0),
                    counts.get("anonymised", 0),
                    counts.get("deleted", 0),
                    counts.get("warned", 0),
                )
            )
        errors = [
            f"{policy.KIND_NAMES.get(e['kind'], e['kind'])} : {e['error']}" for e in run.errors
        ]
        rows.append(Row(run.started_at, run.finished_at, cells, errors))
    return render(
        request,
        "retention/runs.html",
        {
            "rows": rows,
            "kind_names": [policy.KIND_NAMES[kind] for kind in kinds],
            "rules": policy.rules(),
            "runs_shown": RUNS_SHOWN,
        },
    )

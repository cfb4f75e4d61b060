"""The evaluators' team dashboard: the figures behind its four charts.

A constant number of queries whatever the data (issue 9): the status counts and the
decisions by month are GROUP BY queries; processing times and the overdue trend need
working days (French public holidays), which SQL does not know, so they read one narrow
row per request of the period and one per complement request of those requests, and
compute in Python.

Method of the overdue trend (shown on the page): at the end of each month, a request is
counted when it had been received, was not closed yet (decision, inadmissibility or
withdrawal), was not waiting for complements (clock stopped) and its target date as it
stood that day had passed. The target date of that day is today's target date moved
back by the working days of the clock stops that had not ended yet (each stop pushes the
target date back when the operator answers, derogations.lifecycle).
"""

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from derogations import calendar, deadlines
from derogations.enums import (
    CLOSED_STATUSES,
    DecisionKind,
    DecisionState,
    Kind,
    Status,
    Urgency,
)
from derogations.models import AuditEntry, ComplementRequest, Decision, DerogationRequest, Team
from derogations.widgets import filter_form_helper

from . import charts

PERIODS = (3, 6, 12)
NO_TEAM = "sans"  # equipe=sans: the files without a team
DEFAULT_PERIOD = 12


class DashboardFilterForm(forms.Form):
    """GET filters: a value it does not know is reported and the default used instead."""

    periode = forms.TypedChoiceField(
        label=gettext_lazy("Période"),
        choices=[
            (str(months), gettext_lazy("%(months)s derniers mois") % {"months": months})
            for months in PERIODS
        ],
        coerce=int,
        required=False,
        initial=str(DEFAULT_PERIOD),
        # coerce=int: the empty value is a number of days too (the stubs want a str).
        empty_value=DEFAULT_PERIOD,  # type: ignore[arg-type]
        error_messages={
            "invalid_choice": gettext_lazy(
                "Période inconnue : choisissez 3, 6 ou 12 mois. La période de 12 mois est affichée."
            )
        },
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type de demande"),
        choices=[("", gettext_lazy("Tous les types")), *Kind.choices],
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Type inconnu : choisissez « Individuelle » ou « Globale ». Tous les types sont affichés."
            )
        },
    )

    equipe = forms.ChoiceField(
        label=gettext_lazy("Équipe"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Équipe inconnue : toutes les équipes sont affichées.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The evaluation teams (issue 19): one query.
        self.fields["equipe"].choices = [  # type: ignore[attr-defined]
            ("", _("Toutes les équipes")),
            (NO_TEAM, _("Sans équipe")),
            *((str(pk), name) for pk, name in Team.objects.values_list("pk", "name")),
        ]
        self.helper = filter_form_helper(
            Row(
                Column("periode", css_class="fr-col-12 fr-col-md-4"),
                Column("kind", css_class="fr-col-12 fr-col-md-4"),
                Column("equipe", css_class="fr-col-12 fr-col-md-4"),
            )
        )

    def team(self) -> str:
        """The team's pk, NO_TEAM, or "" (every team; also instead of an unknown one)."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get("equipe") or "")

    def filters(self) -> tuple[int, str]:
        """(months, kind): the valid values, the defaults in place of invalid ones."""
        if not self.is_bound:
            return DEFAULT_PERIOD, ""
        self.is_valid()
        data = self.cleaned_data
        return data.get("periode") or DEFAULT_PERIOD, data.get("kind") or ""


# --- Periods --------------------------------------------------------------------------------


def month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    """The first day of each of the last ``months`` months, the current one last."""
    starts = []
    year, month = today.year, today.month
    for _n in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def month_end(start: datetime.date) -> datetime.date:
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - calendar.ONE_DAY


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day``, local time (Paris)."""
    following = datetime.datetime.combine(day + calendar.ONE_DAY, datetime.time())
    return timezone.make_aware(following)


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def month_label(start: datetime.date) -> str:
    return date_format(start, "F Y")


def short_month_label(start: datetime.date) -> str:
    return date_format(start, "N y")


# --- Figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A group of requests sharing one configured target (kind and urgency)."""

    key: str
    label: Any
    kind: str
    urgency: str

    @property
    def target(self) -> int:
        return deadlines.target_working_days(self.kind, self.urgency)


CATEGORIES = [
    Category("vital", gettext_lazy("Individuelle, urgence vitale"), Kind.INDIVIDUAL, Urgency.VITAL),
    Category("urgent", gettext_lazy("Individuelle, urgente"), Kind.INDIVIDUAL, Urgency.URGENT),
    Category(
        "standard", gettext_lazy("Individuelle, non urgente"), Kind.INDIVIDUAL, Urgency.STANDARD
    ),
    Category("global", gettext_lazy("Globale"), Kind.GLOBAL, Urgency.STANDARD),
]


def category_of(kind: str, urgency: str) -> str:
    return "global" if kind == Kind.GLOBAL else urgency


@dataclass
class ProcessingTime:
    category: Category
    days: list[int] = field(default_factory=list)
    within_target: int = 0

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def p90(self) -> int | None:
        """90th percentile, nearest-rank method: the value at rank ceil(0.9 n)."""
        if not self.days:
            return None
        ranked = sorted(self.days)
        return ranked[math.ceil(0.9 * len(ranked)) - 1]


@dataclass(frozen=True)
class MonthCount:
    start: datetime.date
    values: tuple[int, ...]

    @property
    def label(self) -> str:
        return month_label(self.start)

    @property
    def short_label(self) -> str:
        return short_month_label(self.start)


@dataclass
class Dashboard:
    months: int
    kind: str
    today: datetime.date
    statuses: list[tuple[str, Any, int]]
    processing: list[ProcessingTime]
    overdue: list[tuple[datetime.date, int]]
    decisions: list[MonthCount]

    @property
    def since(self) -> datetime.date:
        return month_starts(self.today, self.months)[0]


# Statuses shown, in the order of the lifecycle (drafts are the operators' own business).
SHOWN_STATUSES = [status for status in Status if status != Status.DRAFT]


def _team_filter(team: str, prefix: str = "") -> Q:
    """The files of one team (its pk), without a team (NO_TEAM), or all ("")."""
    if team == NO_TEAM:
        return Q(**{f"{prefix}team__isnull": True})
    if team:
        return Q(**{f"{prefix}team_id": int(team)})
    return Q()


def compute(
    months: int, kind: str, today: datetime.date | None = None, *, team: str = ""
) -> Dashboard:
    """Every figure of the page: four queries, whatever the number of requests.
    ``team``: one team's files (its pk), those without a team (NO_TEAM), or all."""
    today = today or timezone.localdate()
    starts = month_starts(today, months)
    since = end_of_day(starts[0] - calendar.ONE_DAY)  # the period's first moment
    requests = DerogationRequest.objects.exclude(status=Status.DRAFT).order_by()
    if kind:
        requests = requests.filter(kind=kind)
    requests = requests.filter(_team_filter(team))

    counts = dict(requests.values_list("status").annotate(n=Count("pk")))  # query 1
    statuses = [(s.value, s.label, counts.get(s.value, 0)) for s in SHOWN_STATUSES]

    rows, stops = _period_rows(requests, since)  # queries 2 and 3
    processing = _processing_times(rows, stops, since)
    points = [min(month_end(start), today) for start in starts]
    overdue = [(point, _overdue_on(point, rows, stops)) for point in points]

    decisions = _decisions_by_month(kind, since, starts, team)  # query 4
    return Dashboard(months, kind, today, statuses, processing, overdue, decisions)


@dataclass(frozen=True)
class RequestRow:
    pk: int
    kind: str
    urgency: str
    status: str
    received: datetime.datetime
    decided: datetime.datetime | None
    closed: datetime.datetime | None
    target: datetime.date


Stop = tuple[datetime.datetime, datetime.datetime | None]  # (clock stopped, clock resumed)


def _period_rows(
    requests: Any, since: datetime.datetime
) -> tuple[list[RequestRow], dict[int, list[Stop]]]:
    """Requests not closed before the period (closed: decided, or the withdrawal's audit
    entry), with their clock stops (complement requests, asked then answered)."""
    withdrawn_at = AuditEntry.objects.filter(
        request=OuterRef("pk"), to_status__in=CLOSED_STATUSES
    ).values("created_at")[:1]
    candidates = requests.annotate(closed=Coalesce("decided_at", Subquery(withdrawn_at))).filter(
        Q(closed__isnull=True) | Q(closed__gte=since)
    )
    rows = [
        RequestRow(*values)
        for values in candidates.values_list(
            "pk", "kind", "urgency", "status", "submitted_at", "decided_at", "closed", "target_date"
        )
    ]
    stops: dict[int, list[Stop]] = defaultdict(list)
    for request_id, asked, answered in (
        ComplementRequest.objects.filter(request__in=candidates.values("pk"))
        .order_by()
        .values_list("request_id", "requested_at", "answered_at")
    ):
        stops[request_id].append((asked, answered))
    return rows, stops


def _lost(stop: Stop) -> int:
    """Working days a stop pushed the target date back (as derogations.lifecycle counts)."""
    asked, answered = stop
    return calendar.working_days_between(local_day(asked), local_day(answered)) if answered else 0


def _processing_times(
    rows: list[RequestRow], stops: dict[int, list[Stop]], since: datetime.datetime
) -> list[ProcessingTime]:
    """Working days from receipt to decision (grant or refusal) within the period, the
    working days spent waiting for complements taken off."""
    times = {category.key: ProcessingTime(category) for category in CATEGORIES}
    for row in rows:
        if row.status not in (Status.GRANTED, Status.REFUSED) or row.decided is None:
            continue
        if row.decided < since:
            continue
        decided = local_day(row.decided)
        elapsed = calendar.working_days_between(local_day(row.received), decided)
        stopped = sum(_lost(stop) for stop in stops.get(row.pk, ()))
        time = times[category_of(row.kind, row.urgency)]
        time.days.append(max(elapsed - stopped, 0))
        if decided <= row.target:
            time.within_target += 1
    return list(times.values())


def _overdue_on(day: datetime.date, rows: list[RequestRow], stops: dict[int, list[Stop]]) -> int:
    """Requests past their target date at the end of ``day``, clock running."""
    moment = end_of_day(day)
    count = 0
    for row in rows:
        if row.received >= moment or (row.closed is not None and row.closed < moment):
            continue
        waiting, not_resumed = False, 0
        for asked, answered in stops.get(row.pk, ()):
            if asked < moment and (answered is None or answered >= moment):
                waiting = True
            elif answered is not None and answered >= moment:
                not_resumed += _lost((asked, answered))
        if waiting:
            continue
        if calendar.subtract_working_days(row.target, not_resumed) < day:
            count += 1
    return count


DECISION_SERIES = (DecisionKind.GRANT, DecisionKind.REFUSAL)


def _decisions_by_month(
    kind: str, since: datetime.datetime, starts: list[datetime.date], team: str = ""
) -> list[MonthCount]:
    """Grants and refusals signed each month of the period."""
    decisions = Decision.objects.filter(
        state=DecisionState.ISSUED, kind__in=DECISION_SERIES, issued_at__gte=since
    ).order_by()
    if kind:
        decisions = decisions.filter(request__kind=kind)
    decisions = decisions.filter(_team_filter(team, "request__"))
    counts: dict[tuple[datetime.date, str], int] = {}
    for month, act, n in (
        decisions.annotate(month=TruncMonth("issued_at"))
        .values("month", "kind")
        .annotate(n=Count("pk"))
        .values_list("month", "kind", "n")
    ):
        counts[(local_day(month).replace(day=1), act)] = n
    return [
        MonthCount(start, tuple(counts.get((start, act), 0) for act in DECISION_SERIES))
        for start in starts
    ]


# --- Charts ---------------------------------------------------------------------------------


def build_charts(board: Dashboard) -> dict[str, charts.Chart]:
    """The four charts of the page, from its figures (the tables show the same ones)."""
    statuses = charts.horizontal(
        "statuts",
        _("Dossiers par statut"),
        _("Nombre actuel de dossiers dans chaque statut : %(summary)s.")
        % {"summary": "; ".join(f"{label} {n}" for _key, label, n in board.statuses)},
        [charts.Series(_("Dossiers"), "main")],
        [(str(label), [n]) for _key, label, n in board.statuses],
    )
    processing = charts.horizontal(
        "delais",
        _("Délai de traitement et cible, par type de demande"),
        _(
            "Médiane et 90e centile du délai, en jours ouvrés, des décisions signées depuis le "
            "%(since)s, comparés à la cible de chaque type : %(summary)s."
        )
        % {
            "since": date_format(board.since, "j F Y"),
            "summary": "; ".join(
                _("%(label)s : médiane %(median)s, 90e centile %(p90)s, cible %(target)s")
                % {
                    "label": time.category.label,
                    "median": charts.number(time.median),
                    "p90": charts.number(time.p90),
                    "target": time.category.target,
                }
                for time in board.processing
            ),
        },
        [
            charts.Series(_("Médiane"), "main"),
            charts.Series(_("90e centile"), "second", hatched=True),
        ],
        [(str(time.category.label), [time.median, time.p90]) for time in board.processing],
        empty=_("aucune décision"),
        targets=[
            (time.category.target, _("cible : %(days)s j ouvrés") % {"days": time.category.target})
            for time in board.processing
        ],
        target_label=_("Cible"),
    )
    overdue = charts.columns(
        "retards",
        _("Dossiers en retard en fin de mois"),
        _("Nombre de dossiers ouverts dont la date cible était dépassée : %(summary)s.")
        % {
            "summary": "; ".join(
                f"{date_format(day, 'SHORT_DATE_FORMAT')} {n}" for day, n in board.overdue
            )
        },
        [charts.Series(_("Dossiers en retard"), "late")],
        [(short_month_label(day.replace(day=1)), [n]) for day, n in board.overdue],
    )
    decisions = charts.columns(
        "decisions",
        _("Décisions par mois"),
        _("Octrois et refus signés chaque mois : %(summary)s.")
        % {
            "summary": "; ".join(
                _("%(month)s : %(grants)s octroi(s), %(refusals)s refus")
                % {"month": month.label, "grants": month.values[0], "refusals": month.values[1]}
                for month in board.decisions
            )
        },
        [
            charts.Series(_("Octrois"), "grant"),
            charts.Series(_("Refus"), "refusal", hatched=True),
        ],
        [(month.short_label, list(month.values)) for month in board.decisions],
    )
    return {
        "statuses": statuses,
        "processing": processing,
        "overdue": overdue,
        "decisions": decisions,
    }

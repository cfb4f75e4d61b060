"""Measuring helpers: median server time in-process, one table row; SQL queries and plans
come from tests.plans (shared with the query-plan tests)."""

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.test import Client

from tests.plans import (  # noqa: F401 (the targets read them from here)
    CAPPED_COUNT,
    REQUESTS_TABLE,
    captured,
    explain_page,
    get_ok,
    plan_nodes,
    seq_scans_of_requests,
    unbounded_seq_scans,
)


@dataclass
class Row:
    target: str
    figure: str
    bound: str
    met: str  # "yes", "no" or "not measured"


def yes_no(ok: bool) -> str:
    return "yes" if ok else "no"


def alternated_medians_ms(
    series: Sequence[Callable[[], object]],
    repeat: int,
    block: int = 7,
    repeats: Sequence[int] | None = None,
) -> list[float]:
    """Median wall times (ms) of each callable of ``series`` (one request each), ``repeat``
    times each, made in alternating blocks of ``block`` (A × 7, B × 7, C × 7, A × 7, ...)
    after two warm-up requests of each. ``repeats`` gives a slow series (the Django
    admin at 1,000,000 requests) fewer requests: it drops out of the blocks once done.

    All series span the same minutes, so a slower or faster moment of the machine falls
    on all of them (two separate series gave ratios ±0.5 apart); within a block each
    request runs after itself as in a series (made one by one in turn, the trivial page
    ran after the heavier one and took 25 % longer, which flattered the ratio)."""
    wanted = list(repeats or [repeat] * len(series))
    for call in series:
        for _ in range(2):
            call()
    times: list[list[float]] = [[] for _ in series]
    while any(len(found) < n for found, n in zip(times, wanted, strict=True)):
        for call, found, n in zip(series, times, wanted, strict=True):
            for _ in range(min(block, n - len(found))):
                before = time.perf_counter()
                call()
                found.append((time.perf_counter() - before) * 1000)
    return [statistics.median(found) for found in times]


def request(client: Client, url: str, params: dict[str, str] | None = None) -> Callable[[], None]:
    """One GET that must answer 200, as a callable for alternated_medians_ms."""
    return lambda: get_ok(client, url, params)

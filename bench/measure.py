"""Measuring helpers: median server time in-process, one table row; SQL queries and plans
come from tests.plans (shared with the query-plan tests)."""

import statistics
import time
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
    first: tuple[Client, str, dict[str, str] | None],
    second: tuple[Client, str, dict[str, str] | None],
    repeat: int,
    block: int = 7,
) -> tuple[float, float]:
    """Median wall times of two requests, ``repeat`` times each, made in alternating blocks
    of ``block`` (first × 7, second × 7, first × 7, ...) after a warm-up block of each.

    Both series span the same minutes, so a slower or faster moment of the machine falls
    on both (two separate series gave ratios ±0.5 apart); within a block each request runs
    after itself as in a series (made one by one in turn, the trivial page ran after the
    heavier one and took 25 % longer, which flattered the ratio)."""
    for request in (first, second):
        for _ in range(block):
            get_ok(*request)
    times: tuple[list[float], list[float]] = ([], [])
    while len(times[1]) < repeat:
        for request, found in zip((first, second), times, strict=True):
            for _ in range(min(block, repeat - len(found))):
                before = time.perf_counter()
                get_ok(*request)
                found.append((time.perf_counter() - before) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])

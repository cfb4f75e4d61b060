"""Measuring helpers: median server time in-process, SQL queries, plans, one table row."""

import json
import re
import statistics
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REQUESTS_TABLE = "derogations_derogationrequest"


@dataclass
class Row:
    target: str
    figure: str
    bound: str
    met: str  # "yes", "no" or "not measured"


def yes_no(ok: bool) -> str:
    return "yes" if ok else "no"


def get_ok(client: Client, url: str, params: dict[str, str] | None = None) -> None:
    response = client.get(url, params or {})
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")


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


def captured(client: Client, url: str, params: dict[str, str] | None = None) -> list[str]:
    """The SQL of every query the page ran."""
    with CaptureQueriesContext(connection) as queries:
        get_ok(client, url, params)
    return [q["sql"] for q in queries.captured_queries]


def plan_nodes(sql: str) -> list[str]:
    """EXPLAIN (without ANALYZE) of one query: its nodes, e.g. 'Index Scan using x on t'."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        if "Relation Name" in node:
            label += f" on {node['Relation Name']}"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return nodes


CAPPED_COUNT = f"Aggregate > Limit > Seq Scan on {REQUESTS_TABLE}"


def seq_scans_of_requests(nodes: list[str]) -> list[str]:
    return [n for n in nodes if n.startswith("Seq Scan") and n.endswith(f"on {REQUESTS_TABLE}")]


def unbounded_seq_scans(plans: list[str]) -> list[str]:
    """Sequential scans of the requests table, except the capped pagination count's
    (derogations.paging: it stops after 1,001 matching rows)."""
    return [
        scan
        for plan in plans
        if plan != CAPPED_COUNT
        for scan in seq_scans_of_requests(plan.split(" > "))
    ]


_CAPPED_COUNT_CALL = re.compile(
    r"^SELECT portal_capped_count\(\s*(E?)'((?:[^']|'')*)'(?:::text)?, (\d+), (?:NULL|\d+)\)$", re.S
)


def counted_query(sql: str) -> str | None:
    """The count a call of ``portal_capped_count`` (derogations migration 0016) runs, as
    SQL: the function's EXPLAIN shows only the call."""
    found = _CAPPED_COUNT_CALL.match(sql)
    if found is None:
        return None
    escaped, inner, limit = found.groups()
    inner = inner.replace("''", "'")
    if escaped:
        inner = inner.replace("\\\\", "\\")
    return f"SELECT count(*) FROM ({inner} LIMIT {limit}) AS capped"  # noqa: S608 - the page's own SQL


def explain_page(client: Client, url: str, params: dict[str, str] | None = None) -> list[str]:
    """Plans of the page's queries on the requests table, one line per query (for the
    pagination count, the plan of the count it makes)."""
    lines = []
    for sql in captured(client, url, params):
        sql = counted_query(sql) or sql
        if REQUESTS_TABLE in sql:
            lines.append(" > ".join(plan_nodes(sql)))
    return lines

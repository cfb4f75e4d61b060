"""Plans of the SQL a page runs, read with EXPLAIN (without ANALYZE): shared by the
query-plan tests (tests/reviews/test_queue_plans.py, tests/derogations/test_registry_plans.py)
and the benchmarks (bench/measure.py)."""

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REQUESTS_TABLE = "derogations_derogationrequest"


def get_ok(client: Client, url: str, params: dict[str, str] | None = None) -> None:
    response = client.get(url, params or {})
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")


def captured(client: Client, url: str, params: dict[str, str] | None = None) -> list[str]:
    """The SQL of every query the page ran."""
    with CaptureQueriesContext(connection) as queries:
        get_ok(client, url, params)
    return [q["sql"] for q in queries.captured_queries]


def plan_tree(sql: str) -> dict[str, Any]:
    """EXPLAIN (FORMAT JSON, without ANALYZE) of one query: its top node, children in
    "Plans"."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]  # type: ignore[no-any-return]


def plan_nodes(sql: str) -> list[str]:
    """EXPLAIN (without ANALYZE) of one query: its nodes, e.g. 'Index Scan using x on t'."""
    plan = plan_tree(sql)
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

    walk(plan)
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


def explain_page(client: Client, url: str, params: dict[str, str] | None = None) -> list[str]:
    """Plans of the page's queries on the requests table, one line per query."""
    lines = []
    for sql in captured(client, url, params):
        if REQUESTS_TABLE in sql:
            lines.append(" > ".join(plan_nodes(sql)))
    return lines

"""The queue reads the requests table through its indexes (issue 8), on PostgreSQL.

5,000 requests made by the bulk generator (tests/bulk_data.py, COPY; the benchmarks use it too), VACUUM ANALYZE,
then EXPLAIN (without ANALYZE) of every query the queue page runs on the requests table,
for the default sort and each filter: no sequential scan of that table; the queue and
the operator dashboard filtered by status and type walk an index that holds both.
"""

import json

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from derogations.models import DerogationRequest, Team
from reviews.queue import ALL_STATUSES, SORTS
from tests.bulk_data import Generator
from tests.plans import (
    CAPPED_COUNT,
    REQUESTS_TABLE,
    captured,
    explain_page,
    plan_tree,
    seq_scans_of_requests,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),  # VACUUM runs outside a transaction
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans"),
]

FILTERS = [
    {},
    {"status": "in_review"},
    {"overdue": "on"},
    {"kind": "global", "tri": "echeance"},
    {"status": "in_review", "kind": "global"},
    {"urgency": "vital"},
    {"ivd_class": "D", "kind": "individual"},
    {"assignee": "moi"},
    {"assignee": "aucun"},
]


def test_queue_reads_requests_through_indexes():
    gen = Generator(scale=0.05)  # 5,000 requests in 25 organisations
    gen.people()
    gen.requests(count=5_000, granted_globals=100, big_org_files=250)
    # Issue 19: one team of 250 files, the evaluator among its members.
    evaluator = User.objects.get(pk=gen.evaluators[0])
    team = Team.objects.create(name="Génétique")
    team.members.add(evaluator)
    some = DerogationRequest.objects.exclude(status="draft").order_by("pk").values("pk")[:250]
    DerogationRequest.objects.filter(pk__in=some).update(team=team)
    gen.analyze()
    client = Client()
    client.force_login(evaluator)
    teams = [{"team": "mes-equipes"}, {"team": str(team.pk)}]
    for params in [*FILTERS, {"operator": str(gen.organisations[1])}, *teams]:
        plans = explain_page(client, reverse("reviews:queue"), params)
        assert len(plans) >= 2, (params, plans)  # the count and the page's rows
        for plan in plans:
            if plan == CAPPED_COUNT:
                # The pagination count is capped (derogations.paging): it stops after
                # 1,001 matching rows, so a sequential scan reads a bounded part of the
                # table; the planner picks it when the filter keeps a large share of the
                # rows. The page's rows must still come through an index (below).
                continue
            assert not seq_scans_of_requests(plan.split(" > ")), (params, plan)
        assert any(f"on {REQUESTS_TABLE}" in p and "Index" in p for p in plans), (params, plans)
    # Issue 18, at 1,000,000 requests: the queue filtered by status and type walked the
    # open files' index (request_open_vital_first) testing both on each row (28,540 rows
    # read for a page at 200,000 requests, 173 ms at 1,000,000).
    walks_index_on(client, reverse("reviews:queue"), {"status": "in_review", "kind": "global"})
    # "Mes demandes" of the largest organisation filtered the same way: its capped count
    # ANDed two bitmaps (the organisation's 50,000 files and 54,700 granted global ones at
    # 1,000,000 requests, 9 ms) and its page sorted after the index.
    operator = Client()
    operator.force_login(User.objects.get(pk=gen.organisations[0]))
    dashboard = reverse("derogations:dashboard")
    walks_index_on(operator, dashboard, {"status": "granted", "kind": "global"}, "organisation_id")


def test_every_header_sort_stops_after_its_page():
    """Each sort the queue's headers offer, over the open files (the default view) and over
    every file (the preset "Tous les dossiers"), reads its page's rows from an index in the
    sort's order: no Sort node, the walk stops after the page. At 1,000,000 requests these
    pages took up to 445 ms (a sort of every open or sent file) before migration
    derogations 0032, 13-31 ms after; the open files of one type 149 ms, then 13 ms."""
    gen = Generator(scale=0.05)
    gen.people()
    gen.requests(count=5_000, granted_globals=100, big_org_files=250)
    gen.analyze()
    client = Client()
    client.force_login(User.objects.get(pk=gen.evaluators[0]))
    for tri in SORTS:
        for status in ({}, {"status": ALL_STATUSES}):
            params = {"tri": tri, **status}
            _count, rows = page_queries(client, reverse("reviews:queue"), params)
            above, scan = driving_scan(rows)
            assert above[0] == "Limit", (params, above)
            assert not {"Sort", "Incremental Sort"} & set(above), (params, above)
            assert scan["Node Type"] in ("Index Scan", "Index Only Scan"), (params, scan)
    # The default view of one type: an index that starts with the type (a global file is
    # never vital: the open files' vital-first index read every vital one first).
    _count, rows = page_queries(client, reverse("reviews:queue"), {"kind": "global"})
    above, scan = driving_scan(rows)
    assert not {"Sort", "Incremental Sort"} & set(above), above
    assert "kind" in scan.get("Index Cond", ""), scan


def page_queries(client: Client, url: str, params: dict[str, str]) -> tuple[str, str]:
    """The SQL of the list page's capped count and of its rows (derogations.paging)."""
    sqls = captured(client, url, params)
    (count,) = [sql for sql in sqls if sql.startswith("SELECT COUNT(*) FROM")]
    (rows,) = [
        sql
        for sql in sqls
        if sql.startswith(f'SELECT "{REQUESTS_TABLE}"."id", ') and " LIMIT " in sql
    ]
    return count, rows


def driving_scan(sql: str) -> tuple[list[str], dict]:
    """The node types above the scan of the requests table that drives the plan (the outer
    side of each join), and that scan."""
    node, above = plan_tree(sql), []
    while node.get("Relation Name") != REQUESTS_TABLE:
        above.append(node["Node Type"])
        node = node["Plans"][0]
    return above, node


def walks_index_on(client: Client, url: str, params: dict[str, str], *columns: str) -> None:
    """The page's capped count and its rows read one index whose condition holds the
    filter's equalities (status, type and ``columns``), in the list's order (no Sort): both
    stop after their rows, whatever the size of the table."""
    for sql in page_queries(client, url, params):
        above, node = driving_scan(sql)
        assert not {"Sort", "Incremental Sort"} & set(above), (params, above)
        assert node["Node Type"] in ("Index Scan", "Index Only Scan"), (params, node)
        condition = node.get("Index Cond", "")
        for column in ("status", "kind", *columns):
            assert column in condition, (params, column, node)
            assert column not in node.get("Filter", ""), (params, column, node)


def test_filters_that_exclude_each_other_are_estimated_as_such():
    """A global request is always of standard urgency: with the statistics of migration
    derogations 0017 the planner knows "global and vital" finds nothing, instead of
    multiplying the two shares (about 50 rows out of 5,000): plans follow the rows there
    are."""
    gen = Generator(scale=0.05)
    gen.people()
    gen.requests(count=5_000, granted_globals=100, big_org_files=250)
    gen.analyze()
    both = DerogationRequest.objects.filter(kind="global", urgency="vital")
    assert not both.exists()
    plan = json.loads(both.explain(format="json"))
    assert plan[0]["Plan"]["Plan Rows"] <= 5, plan

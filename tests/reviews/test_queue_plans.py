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
    every file (the preset "Tous les dossiers"), reads its page's ids from an index in the
    sort's order: no Sort node, the walk stops after the page. At 1,000,000 requests these
    pages took 67-467 ms (a sort of every open or sent file) before migration
    derogations 0032, 13-20 ms after."""
    gen = Generator(scale=0.05)
    gen.people()
    gen.requests(count=5_000, granted_globals=100, big_org_files=250)
    gen.analyze()
    client = Client()
    client.force_login(User.objects.get(pk=gen.evaluators[0]))
    for tri in SORTS:
        for status in ({}, {"status": ALL_STATUSES}):
            params = {"tri": tri, **status}
            (sql,) = [
                sql
                for sql in captured(client, reverse("reviews:queue"), params)
                if sql.startswith(f'SELECT "{REQUESTS_TABLE}"."id" AS "pk" FROM')
            ]
            node = plan_tree(sql)
            assert node["Node Type"] == "Limit", (params, node)
            (node,) = node["Plans"]
            assert node["Node Type"] in ("Index Scan", "Index Only Scan"), (params, node)


def walks_index_on(client: Client, url: str, params: dict[str, str], *columns: str) -> None:
    """The page's capped count and the choice of its ids read one index whose condition
    holds the filter's equalities (status, type and ``columns``), in the list's order (no
    Sort): both stop after their rows, whatever the size of the table."""
    queries = [
        sql
        for sql in captured(client, url, params)
        if sql.startswith(("SELECT COUNT(*) FROM", f'SELECT "{REQUESTS_TABLE}"."id" AS "pk" FROM'))
    ]
    assert len(queries) == 2, queries  # the count and the page's ids
    for sql in queries:
        node = plan_tree(sql)
        while node["Node Type"] in ("Aggregate", "Limit"):
            (node,) = node["Plans"]
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

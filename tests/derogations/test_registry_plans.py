"""Every registry answer first asks when the registry last changed (its ETag): on
PostgreSQL that reads two indexes backwards and never the whole decisions or derogations
tables, whatever their size (issue 8, target 3).

5,000 requests made by the bulk generator (tests/bulk_data.py, COPY; the benchmarks use it too), VACUUM ANALYZE,
then EXPLAIN (without ANALYZE) of the queries of registry.latest_change.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from derogations import registry
from tests.bulk_data import Generator
from tests.plans import captured, plan_nodes

pytestmark = [
    pytest.mark.django_db(transaction=True),  # VACUUM runs outside a transaction
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans"),
]


def test_latest_change_reads_indexes_backwards():
    gen = Generator(scale=0.05)
    gen.people()
    gen.requests(count=5_000, granted_globals=300, big_org_files=250)
    gen.analyze()
    with CaptureQueriesContext(connection) as queries:
        assert registry.latest_change() is not None
    plans = [plan_nodes(q["sql"]) for q in queries.captured_queries]
    assert len(plans) == 2, plans
    act, expiry = plans
    assert "Index Scan using decision_issued_at on derogations_decision" in act, act
    assert any("derogation_valid_until" in node for node in expiry), expiry
    for plan in plans:
        assert not any(
            node.startswith("Seq Scan on derogations_decision")
            or node.startswith("Seq Scan on derogations_derogation")
            for node in plan
        ), plan


# Requests and acts: several times the derogations (a hash of the derogations, a few
# percent of the requests, is the planner's choice for a broad count at this size).
BIG_TABLES = ("derogations_derogationrequest", "derogations_decision")
# What people ask the registry that once read a whole table (docs/benchmarks.md): the
# search (a word in a fifth of the global requests, and one found nowhere), the class
# filter, the end-date sort both ways.
REGISTRY_ASKS = [
    {"q": "GenoRare"},
    {"q": "introuvable"},
    {"classe": "C"},
    {"tri": "-fin", "classe": "D"},
    {"tri": "fin"},
]


def test_registry_search_class_filter_and_end_date_sort_read_no_whole_table(client):
    """The search reads the stored document of migration 0021 (no vector computed row by
    row), the class filter and the end-date sort walk the indexes of their order."""
    gen = Generator(scale=0.05)
    gen.people()
    gen.requests(count=5_000, granted_globals=300, big_org_files=250)
    gen.analyze()
    url = reverse("derogations:registry")
    for params in REGISTRY_ASKS:
        queries = captured(client, url, {**params, "v": "plans"})  # not a stored page
        assert not any("to_tsvector" in sql for sql in queries)
        if not ("q" in params or "classe" in params):
            # The count of the whole list reads every current derogation, once per registry
            # version (registry.VersionedCountPaginator): its plan is the planner's choice.
            queries = [sql for sql in queries if not sql.startswith("SELECT COUNT(*)")]
        plans = [" > ".join(plan_nodes(sql)) for sql in queries]
        scans = [
            node
            for plan in plans
            for node in plan.split(" > ")
            if "Seq Scan" in node and node.endswith(BIG_TABLES)
        ]
        assert scans == [], (params, "\n".join(plans))
    # Issue 18, at 1,000,000 requests: the class filter and the search walked every grant
    # by issue date, testing the request of each (86 and 207 ms for a page). The page of
    # the registry's default order must have an index that walks the granted global
    # requests in that order, the class filter one that starts at its class. At this size
    # the planner rightly sorts the 300 global derogations instead: sorting is switched
    # off for the EXPLAIN, so that it shows which index holds the order.
    for params, index in [
        ({}, "request_registry_decided"),
        ({"classe": "C"}, "request_registry_class"),
    ]:
        (page,) = [
            sql
            for sql in captured(client, url, {**params, "v": "order"})
            if "LIMIT" in sql and not sql.startswith("SELECT COUNT(*)")
        ]
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_sort = off")
            nodes = plan_nodes(page)
        walk = f"Index Scan using {index} on derogations_derogationrequest"
        assert walk in nodes, (params, nodes)
        assert not any("Sort" in node for node in nodes[: nodes.index(walk)]), (params, nodes)

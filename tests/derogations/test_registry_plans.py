"""Every registry answer first asks when the registry last changed (its ETag): on
PostgreSQL that reads two indexes backwards and never the whole decisions or derogations
tables, whatever their size (issue 8, target 3).

5,000 requests made by the bulk generator (tests/bulk_data.py, COPY; the benchmarks use it too), VACUUM ANALYZE,
then EXPLAIN (without ANALYZE) of the queries of registry.latest_change.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from derogations import registry
from tests.bulk_data import Generator
from tests.plans import plan_nodes

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

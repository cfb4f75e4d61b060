"""Races on the real PostgreSQL: threads with their own connections, released together."""

import threading

import pytest
from django.db import connection, connections

from derogations import lifecycle
from derogations.enums import DecisionState, Status
from derogations.models import AuditEntry, Decision, Derogation, DerogationRequest
from notifications.models import Delivery
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (scripts/test.sh)"
    ),
]


def race(calls) -> list[object]:
    """Run each call in its own thread and connection, all released by one barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_eight_seniors_validating_at_once_issue_exactly_one_decision(org_a, settings):
    operator = factories.operator_of(org_a)
    evaluator = factories.UserFactory(evaluator=True)
    seniors = [factories.UserFactory(senior=True) for _ in range(8)]
    for trial in range(100):
        req = factories.RequestFactory(organisation=org_a, created_by=operator)
        factories.proposed(req, evaluator)
        results = race([lambda s=s, r=req: lifecycle.validate_decision(r, s) for s in seniors])
        winners = [r for r in results if isinstance(r, Decision)]
        losers = [r for r in results if isinstance(r, lifecycle.TransitionError)]
        assert (len(winners), len(losers)) == (1, 7), (trial, results)
        req.refresh_from_db()
        assert req.status == Status.GRANTED
        assert Decision.objects.filter(request=req, state=DecisionState.ISSUED).count() == 1
        assert Derogation.objects.filter(request=req).count() == 1
        assert AuditEntry.objects.filter(request=req, action="grant").count() == 1
        emails = list(
            Delivery.objects.filter(decision__request=req).values_list("recipient_email", flat=True)
        )
        assert len(emails) == len(set(emails)) >= 4


def test_twenty_clicks_on_submit_file_one_request(org_a):
    operator = factories.operator_of(org_a)
    draft = factories.RequestFactory(organisation=org_a, created_by=operator)
    results = race([lambda: lifecycle.submit(draft, operator) for _ in range(20)])
    assert sum(isinstance(r, DerogationRequest) for r in results) == 1
    assert sum(isinstance(r, lifecycle.TransitionError) for r in results) == 19, results
    assert AuditEntry.objects.filter(request=draft, action="submit").count() == 1


def test_concurrent_submissions_get_distinct_consecutive_references(org_a):
    operator = factories.operator_of(org_a)
    drafts = [factories.RequestFactory(organisation=org_a, created_by=operator) for _ in range(10)]
    results = race([lambda d=d: lifecycle.submit(d, operator) for d in drafts])
    assert all(isinstance(r, DerogationRequest) for r in results), results
    numbers = sorted(int(r.reference.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(1, 11))

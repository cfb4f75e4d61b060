"""Issue 16: when a global derogation's end date passes, the daily task issues its expiry
act once, with its audit entry and its letter to everyone who received the grant and to
the facilities supplied (real database, tasks inline after commit)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from derogations import followup, scenarios, supplies
from derogations.enums import DecisionKind, Status
from derogations.models import AuditEntry, Decision, Derogation
from derogations.scenarios import Cast
from derogations.tasks import CATCH_UP_DAYS, issue_expiry_acts
from notifications.models import Delivery, RecipientRole
from tests import factories
from tests.derogations.test_supplies import supply_row
from tests.notifications.test_acts import APPEAL, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()


@pytest.fixture
def cast(org_a, operator_a, evaluator, senior, other_senior):
    return Cast(operator_a, evaluator, other_senior)


def _global_granted(org, cast):
    req = factories.RequestFactory(organisation=org, created_by=cast.operator, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    req.refresh_from_db()
    return req


def _ended(req, days_ago: int) -> None:
    """Time passing: the end date is behind us."""
    Derogation.objects.filter(request=req).update(
        valid_until=TODAY - datetime.timedelta(days=days_ago)
    )


def test_the_beat_schedule_runs_the_expiry_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["issue-expiry-acts"]
    assert entry["task"] == "derogations.tasks.issue_expiry_acts"


def test_the_expiry_act_is_issued_once_and_reaches_grant_recipients_and_facilities(
    org_a, operator_a, cast
):
    req = _global_granted(org_a, cast)
    supplies.record_supplies(
        req,
        operator_a,
        [supply_row(vigilance_email="rv@chu.example", director_email="dir@chu.example")],
    )
    _ended(req, 1)
    mail.outbox.clear()

    assert issue_expiry_acts.delay().get() == 1
    assert issue_expiry_acts.delay().get() == 0  # twice: nothing more
    (act,) = Decision.objects.filter(request=req, kind=DecisionKind.EXPIRY)
    assert act.is_issued and act.signatory is None
    (entry,) = AuditEntry.objects.filter(request=req, action="expire")
    assert (entry.from_status, entry.to_status) == ("granted", "granted")
    assert entry.actor == req.derogation.grant.reviewed_by

    grant = Decision.objects.get(request=req, kind=DecisionKind.GRANT)
    to_grant = set(grant.deliveries.values_list("recipient_email", flat=True))
    to_expiry = dict(act.deliveries.values_list("recipient_email", "recipient_role"))
    assert to_grant <= set(to_expiry)
    assert to_expiry["rv@chu.example"] == RecipientRole.SUPPLIED_VIGILANCE
    assert to_expiry["dir@chu.example"] == RecipientRole.SUPPLIED_DIRECTOR
    assert Delivery.objects.filter(decision=act).count() == len(to_expiry)

    to_operator = [m for m in mail.outbox if m.to == [operator_a.email]]
    assert len(to_operator) == 1
    assert "Le dispositif ne doit pas être mis à disposition." in to_operator[0].body
    act.refresh_from_db()
    text = pdf_text(act.letter)
    assert "a expiré" in text and req.reference in text and APPEAL not in text
    assert f"{TODAY - datetime.timedelta(days=1):%d/%m/%Y}" in text


def test_no_expiry_act_while_valid_lifted_long_ago_or_individual(org_a, operator_a, cast, senior):
    valid = _global_granted(org_a, cast)  # ends in the future
    lifted = _global_granted(org_a, cast)
    followup.lift(lifted, senior, "Risque grave.")
    _ended(lifted, 1)
    old = _global_granted(org_a, cast)
    _ended(old, CATCH_UP_DAYS + 1)
    individual = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(individual, Status.GRANTED, cast)
    _ended(individual, 1)
    suspended = _global_granted(org_a, cast)
    followup.suspend(suspended, cast.evaluator, "Incident.")
    _ended(suspended, 2)  # a suspended derogation expires too

    assert issue_expiry_acts.delay().get() == 1
    expired = set(
        Decision.objects.filter(kind=DecisionKind.EXPIRY).values_list("request_id", flat=True)
    )
    assert expired == {suspended.pk}
    assert valid.pk not in expired


def test_expire_refuses_a_second_act(org_a, cast):
    req = _global_granted(org_a, cast)
    _ended(req, 1)
    followup.expire(req)
    with pytest.raises(followup.TransitionError, match="déjà effectuée"):
        followup.expire(req)
    assert Decision.objects.filter(request=req, kind=DecisionKind.EXPIRY).count() == 1

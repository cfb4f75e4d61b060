"""Reminders by celery beat: global derogations ending in 30 and 7 days (operator and
staff), the daily digest of overdue files (staff). Running the task twice sends nothing
more: one reminder per derogation, threshold and recipient, one digest per day."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from derogations import followup, scenarios
from derogations.enums import Status
from derogations.models import Decision, Derogation, DerogationRequest
from derogations.scenarios import Cast
from notifications.models import Reminder, ReminderKind
from notifications.tasks import send_reminders
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()


def _global_ending_in(days, cast, org):
    req = factories.RequestFactory(organisation=org, created_by=cast.operator, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    Derogation.objects.filter(request=req).update(
        valid_until=TODAY + datetime.timedelta(days=days)
    )  # time passing: the end date comes closer
    # No periodic report asked: the report reminders have their own tests
    # (tests/notifications/test_report_reminders.py).
    Decision.objects.filter(derogation__request=req).update(report_interval_months=None)
    return req


@pytest.fixture
def cast(operator_a, evaluator, senior, other_senior):
    return Cast(operator_a, evaluator, other_senior)


def test_beat_schedule_runs_the_reminders_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "notifications.tasks.send_reminders"


def test_ending_reminders_are_sent_once_per_threshold(org_a, operator_a, cast, evaluator, senior):
    in_20 = _global_ending_in(20, cast, org_a)
    in_5 = _global_ending_in(5, cast, org_a)
    _global_ending_in(45, cast, org_a)  # not yet
    individual = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(individual, Status.GRANTED, cast)  # individual: no reminder
    suspended = _global_ending_in(6, cast, org_a)
    followup.suspend(suspended, evaluator, "Incident.")  # not in force: no reminder
    mail.outbox.clear()

    send_reminders.delay()
    staff = {evaluator.email, senior.email, cast.senior.email}
    operator = {operator_a.email, in_20.contact_email}
    expected = {(r, ref) for r in staff | operator for ref in (in_20.reference, in_5.reference)}
    got = {(m.to[0], m.subject.split()[1]) for m in mail.outbox}
    assert got == expected
    assert len(mail.outbox) == len(expected)
    assert Reminder.objects.filter(derogation__request=in_20, kind=ReminderKind.ENDING_30).count()
    assert Reminder.objects.filter(derogation__request=in_5, kind=ReminderKind.ENDING_7).count()
    body = next(m.body for m in mail.outbox if m.to[0] == operator_a.email)
    assert "prend fin le" in body and "renouvellement" in body

    mail.outbox.clear()
    assert send_reminders.delay().get() == 0  # twice the same day: nothing more
    assert mail.outbox == []

    # Later, the derogation ending in 20 days crosses the 7-day threshold: one more each.
    Derogation.objects.filter(request=in_20).update(valid_until=TODAY + datetime.timedelta(days=7))
    send_reminders.delay()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(staff | operator)
    assert {m.subject.split()[1] for m in mail.outbox} == {in_20.reference}
    mail.outbox.clear()
    send_reminders.delay()
    assert mail.outbox == []


def test_overdue_digest_goes_to_staff_once_a_day(org_a, operator_a, cast, evaluator, senior):
    late = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    scenarios.bring_to(late, Status.IN_REVIEW, cast)
    DerogationRequest.objects.filter(pk=late.pk).update(
        target_date=TODAY - datetime.timedelta(days=3)
    )  # time passing
    mail.outbox.clear()
    send_reminders.delay()
    staff = sorted([evaluator.email, senior.email, cast.senior.email])
    assert sorted(m.to[0] for m in mail.outbox) == staff
    message = mail.outbox[0]
    assert late.reference in message.body and "en retard de 3 jours" in message.body
    mail.outbox.clear()
    send_reminders.delay()
    assert mail.outbox == []
    assert Reminder.objects.filter(kind=ReminderKind.OVERDUE_DIGEST).count() == len(staff)


def test_no_digest_when_nothing_is_late(evaluator):
    send_reminders.delay()
    assert mail.outbox == []

"""Issue 16: the operator is reminded before each periodic report is due, once per due
date, by the daily beat task that sends the other reminders (real database, real outbox)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from derogations import reports, scenarios
from derogations.enums import Status
from derogations.models import Decision, Derogation
from derogations.scenarios import Cast
from notifications.models import REPORT_REMINDER_DAYS, Reminder, ReminderKind
from notifications.tasks import send_reminders
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()


@pytest.fixture
def cast(operator_a, evaluator, senior, other_senior):
    return Cast(operator_a, evaluator, other_senior)


def _granted(cast, org, *, days_ago: int, months: int = 1):
    """A global derogation granted ``days_ago`` days ago, a report every ``months``."""
    req = factories.RequestFactory(organisation=org, created_by=cast.operator, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    Decision.objects.filter(derogation__request=req).update(
        issued_at=moment, report_interval_months=months
    )
    Derogation.objects.filter(request=req).update(
        created_at=moment, valid_until=TODAY + datetime.timedelta(days=300)
    )
    return req


def _report_mails():
    return [m for m in mail.outbox if "rapport périodique" in m.subject]


def test_a_report_reminder_is_sent_once_per_due_date(org_a, operator_a, cast, evaluator):
    # granted 20 days ago, monthly: the first report is due in about 10 days
    soon = _granted(cast, org_a, days_ago=20)
    _granted(cast, org_a, days_ago=5)  # due in about 25 days: not yet
    mail.outbox.clear()

    send_reminders.delay()
    derogation = Derogation.objects.select_related("grant").get(request=soon)
    due = reports.schedule(derogation)[0]
    assert TODAY <= due <= TODAY + datetime.timedelta(days=REPORT_REMINDER_DAYS)
    operator = {operator_a.email, soon.contact_email}
    got = {(m.to[0], m.subject) for m in _report_mails()}
    assert {to for to, _s in got} == operator
    assert all(soon.reference in subject for _to, subject in got)
    assert evaluator.email not in {m.to[0] for m in mail.outbox}
    assert set(
        Reminder.objects.filter(kind=ReminderKind.REPORT_DUE).values_list("day", flat=True)
    ) == {due}
    body = next(m.body for m in _report_mails() if m.to[0] == operator_a.email)
    assert f"/demandes/{soon.pk}/rapports/" in body

    mail.outbox.clear()
    assert send_reminders.delay().get() == 0  # twice the same day: nothing more
    assert mail.outbox == []


def test_no_reminder_once_the_report_is_filed(org_a, operator_a, cast):
    req = _granted(cast, org_a, days_ago=20)
    req.refresh_from_db()
    reports.submit_report(
        req,
        operator_a,
        {
            "period_start": TODAY - datetime.timedelta(days=20),
            "period_end": TODAY,
            "quantity_supplied": 3,
            "incidents_count": 0,
            "incidents_summary": "",
            "notified_body": "",
            "ce_step": "application_filed",
            "expected_ce_date": None,
        },
    )
    mail.outbox.clear()
    send_reminders.delay()
    assert _report_mails() == []

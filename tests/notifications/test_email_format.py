"""Every email the notifications send (an act's copies with its letter, reminders, the
incident alert) and the complement reminder: Date in Paris time, Auto-Submitted, text
then HTML with the same content and links, user text escaped in the HTML (config.mail,
tests/email_checks.py). Tasks run inline after commit."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from derogations import incidents, scenarios
from derogations.enums import Status
from derogations.models import Derogation, DerogationRequest
from derogations.scenarios import Cast
from notifications.emails import message_id_for
from notifications.models import Delivery
from notifications.tasks import send_reminders
from reviews.tasks import remind_complements_due
from tests import factories
from tests.email_checks import check_email

pytestmark = pytest.mark.django_db(transaction=True)

ORG = "Labo <b>gras</b>"
DEVICE = "Test <b>X</b> & <i>Y</i>"


@pytest.fixture
def cast(evaluator, other_senior):
    org = factories.OrganisationFactory(name=ORG)
    return Cast(factories.operator_of(org, email="ra@labo.example"), evaluator, other_senior)


def _request(cast, **fields):
    org = cast.operator.memberships.get().organisation
    return factories.RequestFactory(
        organisation=org, created_by=cast.operator, device_name=DEVICE, **fields
    )


def test_act_copies_carry_the_letter_text_and_html_in_the_recipient_language(cast):
    org = cast.operator.memberships.get().organisation
    factories.operator_of(org, email="en@labo.example", preferred_language="en")
    req = _request(cast)
    mail.outbox.clear()
    scenarios.bring_to(req, Status.GRANTED, cast)
    deliveries = {message_id_for(d): d for d in Delivery.objects.all()}
    # The letters' copies (the staff inbox's emails are account emails: test_inbox).
    copies = [m for m in mail.outbox if m.extra_headers["Message-ID"].startswith("<letter-")]
    assert len(copies) == len(deliveries) >= 6
    languages = set()
    professional_links = 0
    for message in copies:
        delivery = deliveries[message.extra_headers["Message-ID"]]
        hostile = (DEVICE,) if delivery.recipient_role == "operator" else (DEVICE, ORG)
        checked = check_email(message, language=delivery.language, hostile=hostile)
        languages.add(delivery.language)
        # The letter stays attached, after the text and HTML, with the same Message-ID.
        parsed = checked.message
        assert parsed.get_content_type() == "multipart/mixed"
        (letter,) = parsed.iter_attachments()
        assert letter.get_content_type() == "application/pdf"
        assert letter.get_content().startswith(b"%PDF")
        assert parsed["Message-ID"] == message_id_for(delivery)
        professional_links += any("/professionnels/lien/" in href for href, _ in checked.links)
    assert languages == {"fr", "en"}
    assert professional_links >= 2  # prescriber and director of the grant


def test_reminders_ending_and_overdue_digest(cast, evaluator):
    req = _request(cast, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, cast)
    Derogation.objects.filter(request=req).update(
        valid_until=timezone.localdate() + datetime.timedelta(days=5)
    )
    late = _request(cast)
    scenarios.bring_to(late, Status.IN_REVIEW, cast)
    DerogationRequest.objects.filter(pk=late.pk).update(
        target_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    mail.outbox.clear()
    send_reminders.delay()
    about_req = [m for m in mail.outbox if req.reference in m.subject]
    # The grant asks for periodic reports (issue 16): their reminder names the device only.
    reports = [m for m in about_req if "rapport périodique" in m.subject]
    ending = [m for m in about_req if m not in reports]
    digests = [m for m in mail.outbox if "retard" in m.subject]
    assert ending and digests
    for message in ending:
        check_email(message, hostile=(DEVICE, ORG))
    for message in reports:
        check_email(message, hostile=(DEVICE,))
    for message in digests:
        checked = check_email(message, hostile=(DEVICE, ORG))
        assert any(late.reference == label for _href, label in checked.links)


def test_incident_alert(cast):
    req = _request(cast)
    scenarios.bring_to(req, Status.GRANTED, cast)
    mail.outbox.clear()
    incidents.record_incident(
        req,
        declarant=None,
        declarant_email=req.prescriber_email,
        declarant_role="prescriber",
        occurred_on=timezone.localdate(),
        description="Résultat <script>alert(1)</script>\nsur deux lignes",
        device_lot="LOT-<1>",
        severity="public_health",
        patient_outcome="Aucune conséquence.",
    )
    # The vigilance team's alert, then (issue 16) the operator's emails (the evaluators are
    # told through their inbox).
    (alert,) = [m for m in mail.outbox if m.to == [settings.PORTAL_VIGILANCE_EMAIL]]
    checked = check_email(alert, hostile=(DEVICE, "<script>alert(1)</script>", "LOT-<1>"))
    assert "sur deux lignes" in checked.html
    others = [m for m in mail.outbox if m.to == [req.contact_email]]
    assert others
    for message in others:
        checked = check_email(message, hostile=(DEVICE, "LOT-<1>"))
        assert "<script>" not in checked.text and "sur deux lignes" not in checked.text


def test_complement_reminder(cast, evaluator):
    req = _request(cast)
    factories.awaiting_complements(
        req,
        evaluator,
        questions="Fournir <b>le rapport</b>.",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    mail.outbox.clear()
    remind_complements_due.delay()
    (message,) = mail.outbox
    check_email(message, hostile=(DEVICE, "Fournir <b>le rapport</b>."))

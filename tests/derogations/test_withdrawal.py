"""Withdrawal asks for confirmation (no JavaScript), then its acknowledgment goes by email,
through the outbox, to the operator and everyone a letter of the file went to, once each
(issue 17). Tasks run inline after commit."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from derogations.enums import DecisionKind, Status
from derogations.models import AuditEntry, Decision
from notifications.models import Delivery
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

REASON = 'Besoin couvert par un dispositif marqué CE <b>"x"</b>.'


@pytest.fixture
def submitted(org_a, operator_a, colleague_a):
    return factories.submitted(
        factories.RequestFactory(
            organisation=org_a, created_by=operator_a, contact_email="contact@labo.example"
        )
    )


def test_the_reason_shows_a_confirmation_page_and_writes_nothing(operator_a, submitted):
    client = client_for(operator_a)
    url = reverse("derogations:withdraw", args=[submitted.pk])
    detail = client.get(reverse("derogations:detail", args=[submitted.pk])).content.decode()
    assert f'action="{url}"' in detail
    response = client.post(url, {"reason": REASON, "withdraw": "Retirer la demande"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirmez-vous le retrait ?" in html and 'name="confirm"' in html
    # What was typed comes back escaped, in the page and in the hidden field.
    assert "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in html and '<b>"x"' not in html
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not AuditEntry.objects.filter(request=submitted, action="withdraw").exists()
    assert not submitted.decisions.filter(kind=DecisionKind.WITHDRAWAL).exists()


def test_an_empty_reason_is_answered_in_french_on_the_page(operator_a, submitted):
    response = client_for(operator_a).post(
        reverse("derogations:withdraw", args=[submitted.pk]), {"reason": "  "}
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()


def test_confirmed_withdrawal_emails_its_acknowledgment_to_everyone_copied_once(
    operator_a, colleague_a, submitted
):
    # A colleague who received the acknowledgment of receipt, then left: still copied.
    assert Delivery.objects.filter(recipient_email=colleague_a.email).exists()
    colleague_a.is_active = False
    colleague_a.save(update_fields=["is_active"])
    mail.outbox.clear()
    client = client_for(operator_a)
    url = reverse("derogations:withdraw", args=[submitted.pk])
    response = client.post(url, {"reason": REASON, "confirm": "1"}, follow=True)
    assert "La demande a été retirée." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    act = Decision.objects.get(request=submitted, kind=DecisionKind.WITHDRAWAL)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted({"contact@labo.example", operator_a.email, colleague_a.email}), (
        recipients
    )
    assert all("Accusé de retrait de la demande" in m.subject for m in mail.outbox)
    assert act.deliveries.count() == 3
    act.refresh_from_db()
    with act.letter.open("rb") as handle:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Accusé de retrait" in text and submitted.reference in text
    assert "Pour le directeur général" not in text  # signed by the service, not the operator
    # A second confirmation (double submit) says so and sends nothing more.
    mail.outbox.clear()
    response = client.post(url, {"reason": REASON, "confirm": "1"}, follow=True)
    assert "déjà été traitée" in response.content.decode()
    assert mail.outbox == []
    assert Decision.objects.filter(request=submitted, kind=DecisionKind.WITHDRAWAL).count() == 1

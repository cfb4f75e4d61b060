"""The slice with tasks run inline: decision -> letter PDF -> one email per recipient."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from derogations import lifecycle
from notifications.models import Delivery, DeliveryStatus
from notifications.tasks import issue_letter, send_delivery
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def letter_bytes(decision) -> bytes:
    with decision.letter.open("rb") as handle:
        return handle.read()


def _grant(req, evaluator, senior, motivation="Considérant le bénéfice significatif."):
    factories.proposed(req, evaluator, motivation=motivation)
    mail.outbox.clear()  # the acknowledgment of receipt went out at submission
    decision = lifecycle.validate_decision(req, senior)
    decision.refresh_from_db()  # the letter was stored after commit
    return decision


def test_grant_renders_letter_and_sends_one_copy_per_recipient(
    draft_a, colleague_a, evaluator, senior
):
    decision = _grant(draft_a, evaluator, senior)
    decision.refresh_from_db()
    draft_a.refresh_from_db()
    assert len(decision.letter_sha256) == 64
    text = " ".join(pdf_text(letter_bytes(decision)).split())
    assert draft_a.reference in text
    assert "Considérant le bénéfice significatif." in text
    assert decision.verification_code in text
    assert "article 54" in text and "deux mois" in text
    assert "recueillent son consentement" in text
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        [
            draft_a.contact_email,
            draft_a.created_by.email,
            colleague_a.email,
            draft_a.prescriber_email,
            draft_a.director_email,
        ]
    )
    for message in mail.outbox:
        assert draft_a.reference in message.subject
        (name, content, mimetype) = message.attachments[0]
        assert mimetype == "application/pdf" and content == letter_bytes(decision)
        assert decision.verification_code in message.body
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_running_tasks_again_sends_nothing_twice_and_never_rerenders(draft_a, evaluator, senior):
    decision = _grant(draft_a, evaluator, senior)
    decision.refresh_from_db()
    sha, sent = decision.letter_sha256, len(mail.outbox)
    issue_letter.delay(decision.pk)
    for delivery in Delivery.objects.all():
        assert send_delivery.delay(delivery.pk).get() == "already-sent"
    decision.refresh_from_db()
    assert decision.letter_sha256 == sha and len(mail.outbox) == sent


def test_motivation_with_markup_is_rendered_as_text(draft_a, evaluator, senior):
    hostile = "<b>gras</b> {{ settings.SECRET_KEY }} <img src='http://evil.example/x.png'>"
    decision = _grant(draft_a, evaluator, senior, motivation=hostile)
    decision.refresh_from_db()
    text = pdf_text(letter_bytes(decision))
    assert "<b>gras</b>" in text and "{{ settings.SECRET_KEY }}" in text


def _status(user, url) -> int:
    response = client_for(user).get(url)
    response.close()  # file responses hold the letter open until closed
    return response.status_code


def test_letter_download_permissions(
    draft_a, colleague_a, operator_b, professional, evaluator, senior
):
    decision = _grant(draft_a, evaluator, senior)
    url = reverse("derogations:letter", args=[draft_a.pk, decision.pk])
    response = client_for(colleague_a).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == letter_bytes(decision)
    response.close()
    assert _status(operator_b, url) == 404
    assert _status(evaluator, url) == 200
    assert _status(professional, url) == 200  # prescriber on this file
    other_pro = factories.UserFactory(professional=True, email="autre@chu.example")
    assert _status(other_pro, url) == 404
    wrong_request = reverse("derogations:letter", args=[draft_a.pk + 1000, decision.pk])
    assert _status(colleague_a, wrong_request) == 404


def test_sweep_requeues_copies_left_pending(draft_a, evaluator, senior):
    """A broker outage at commit leaves copies pending; the periodic sweep sends them."""
    from datetime import timedelta

    from django.utils import timezone

    from notifications.tasks import sweep_pending

    decision = _grant(draft_a, evaluator, senior)
    sent_before = len(mail.outbox)
    Delivery.objects.filter(decision=decision).update(status=DeliveryStatus.PENDING)
    # As if Redis had refused the letter's task at commit: never queued since written.
    Delivery.objects.filter(decision=decision).update(
        created_at=timezone.now() - timedelta(minutes=10), queued_at=None
    )
    mail.outbox.clear()
    assert sweep_pending() == 1
    assert len(mail.outbox) == sent_before
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sweep_pending() == 0

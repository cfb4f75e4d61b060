"""The whole slice on the real thing: PostgreSQL (in CI), Redis, a Celery worker process
and an SMTP sink. An operator's request is decided; the worker renders the letter and
emails every copy once; the letter read back holds the reference and the motivation."""

import io
import time

import pytest
from pypdf import PdfReader

from derogations import lifecycle
from derogations.models import Decision
from notifications.models import Delivery, DeliveryStatus
from tests import factories
from tests.integration.conftest import messages_about, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MOTIVATION = "Considérant le bénéfice significatif pour le patient et l'absence d'alternative."


def _pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def test_decision_letter_goes_through_redis_worker_and_smtp(celery_worker, smtp_sink, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    evaluator = factories.UserFactory(evaluator=True)
    senior = factories.UserFactory(senior=True)
    req = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.proposed(req, evaluator, motivation=MOTIVATION)

    decision = lifecycle.validate_decision(req, senior)  # commits; the task goes to Redis

    expected = {
        "ra@labo.example",
        req.contact_email,
        req.prescriber_email,
        req.director_email,
    }
    wait_until(lambda: len(messages_about(smtp_sink, decision)) >= len(expected))
    time.sleep(2)  # leave room for a duplicate to show up, if the code could send one
    messages = messages_about(smtp_sink, decision)  # the acknowledgment of receipt aside
    assert sorted(m["To"] for m in messages) == sorted(expected)  # each copy exactly once
    req.refresh_from_db()
    decision = Decision.objects.get(pk=decision.pk)
    for message in messages:
        assert req.reference in message["Subject"]
        attachment = next(part for part in message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        text = _pdf_text(attachment.get_content())
        assert req.reference in text and MOTIVATION in text
        assert decision.verification_code in text
    assert set(Delivery.objects.filter(decision=decision).values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
    assert len({m["Message-ID"] for m in messages}) == len(expected)

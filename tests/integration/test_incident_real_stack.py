"""An incident declared on a derogation reaches the vigilance team through Redis, a real
Celery worker and SMTP, exactly once; the emailed copy of the decision carries the
professional's signed link, which opens that decision."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from derogations import incidents, lifecycle
from derogations.models import Incident
from tests import factories
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_incident_alert_through_redis_worker_and_smtp(celery_worker, smtp_sink, org_a):
    evaluator = factories.UserFactory(evaluator=True)
    senior = factories.UserFactory(senior=True)
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, evaluator)
    lifecycle.validate_decision(req, senior)
    wait_until(lambda: any(m["To"] == req.prescriber_email for m in smtp_sink.messages()))
    [copy] = [m for m in smtp_sink.messages() if m["To"] == req.prescriber_email]
    body = copy.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+(/professionnels/lien/\S+)", body).group(1)
    client = Client()
    decision_page = client.get(link, follow=True)
    assert decision_page.status_code == 200

    incident = incidents.record_incident(
        req,
        declarant=None,
        declarant_email=req.prescriber_email,
        declarant_role="prescriber",
        occurred_on=timezone.localdate(),
        description="Résultat discordant.",
        device_lot="LOT-INT-1",
        severity="public_health",
        patient_outcome="Aucune conséquence.",
    )

    def vigilance_alerts() -> list:
        return [m for m in smtp_sink.messages() if m["To"] == "reactovigilance@ansm.example"]

    wait_until(vigilance_alerts)
    alerts = vigilance_alerts()
    assert incident.reference in alerts[0]["Subject"]
    assert Incident.objects.get().alert_sent_at is not None

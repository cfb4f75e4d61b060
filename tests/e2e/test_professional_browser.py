"""In headless Chromium: from the link in the emailed copy, a prescriber opens the decision,
records the patient's consent and declares an incident that an evaluator then sees."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from derogations import lifecycle
from derogations.models import Consent, Incident
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_prescriber_from_emailed_link_consents_and_declares_incident(page, live_server, org_a):
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    senior = factories.UserFactory(senior=True, email="sen@ansm.example")
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, evaluator)
    lifecycle.validate_decision(req, senior)  # letter rendered and copies sent on commit
    req.refresh_from_db()

    [copy] = [m for m in mail.outbox if m.to == ["dr.roux@chu.example"]]
    link = re.search(r"https?://\S+/professionnels/lien/\S+", copy.body).group(0)
    path = link[link.index("/professionnels/") :]

    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name=f"Dérogation {req.reference}")).to_be_visible()
    expect(page.get_by_text("Il n'ouvre que cette décision")).to_be_visible()
    today = timezone.localdate().isoformat()
    page.get_by_label("Code patient").fill("PAT-0001")
    page.locator(
        "label", has_text="Le dispositif est utilisé par dérogation (sans marquage CE)"
    ).click()
    page.locator("label", has_text="Consentement donné").click()
    page.get_by_label("Date à laquelle le patient a été informé").fill(today)
    page.get_by_label("Date de la réponse du patient").fill(today)
    page.get_by_role("button", name="Enregistrer l'information et le consentement").click()
    expect(
        page.get_by_text("L'information et le consentement du patient sont enregistrés")
    ).to_be_visible()
    assert Consent.objects.get().professional_email == "dr.roux@chu.example"

    page.get_by_role("link", name="Déclarer un incident lié à ce dispositif").click()
    page.get_by_label("Qualité du déclarant").select_option("prescriber")
    page.get_by_label("Date de survenue").fill(today)
    page.locator("label", has_text=re.compile(r"^\s*Grave\s*$")).click()
    page.get_by_label("Numéro de lot du dispositif").fill("LOT-E2E-7")
    page.get_by_label("Description de l'incident").fill("Résultat discordant avec le contrôle.")
    page.get_by_label("Conséquences pour le patient").fill("Second prélèvement, sans séquelle.")
    page.get_by_role("button", name="Déclarer l'incident").click()
    # The page first: the list is read once the answer has come back.
    expect(page.get_by_text("Incident enregistré sous la référence")).to_be_visible()
    incident = Incident.objects.get()
    expect(
        page.get_by_text(f"Incident enregistré sous la référence {incident.reference}")
    ).to_be_visible()
    assert incident.severity == "serious"
    assert any(m.to == ["reactovigilance@ansm.example"] for m in mail.outbox)

    # The evaluator sees it on the file.
    page.context.clear_cookies()
    login(page, live_server, "eva@ansm.example", factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    expect(page.get_by_text(incident.reference).first).to_be_visible()
    expect(page.get_by_role("heading", name="1 incident déclaré")).to_be_visible()

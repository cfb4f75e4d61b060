"""In headless Chromium (issue 17): an operator sees a suspended derogation's badges on the
list and the file and filters on them; withdraws after a confirmation page, and the
acknowledgment goes by email; a prescriber lands on their own space, one row per file;
the guidance page and its PDF."""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from derogations import followup, scenarios
from derogations.enums import DecisionKind, Status
from derogations.models import DerogationRequest
from derogations.scenarios import Cast
from tests import factories
from tests.e2e.axe import assert_no_violations
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_operator_sees_suspended_badges_filters_and_withdraws_with_confirmation(
    page, live_server, org_a, operator_a, colleague_a
):
    cast = Cast(
        operator_a,
        factories.UserFactory(evaluator=True, email="eva@ansm.example"),
        factories.UserFactory(senior=True, email="sen@ansm.example"),
    )
    suspended = factories.granted_by(cast, device_name="Kit Suspendu")
    followup.suspend(suspended, cast.evaluator, "Deux incidents graves.")
    end = suspended.derogation.valid_until.strftime("%d/%m/%Y")
    pending = scenarios.bring_to(
        factories.RequestFactory(
            organisation=org_a, created_by=operator_a, device_name="Kit En Cours"
        ),
        Status.SUBMITTED,
        cast,
    )

    login(page, live_server, operator_a.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/demandes/")
    row = page.get_by_role("row").filter(has_text=suspended.reference)
    expect(row.get_by_text("Accordée", exact=True)).to_be_visible()
    expect(row.get_by_text(f"Dérogation suspendue (fin de validité le {end})")).to_be_visible()
    page.get_by_label("État de la dérogation").select_option(label="Dérogation suspendue")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name=suspended.reference)).to_be_visible()
    expect(page.get_by_role("link", name=pending.reference)).to_have_count(0)
    page.get_by_role("link", name=suspended.reference).click()
    badges = page.locator(".fr-badges-group")
    expect(badges.get_by_text("Accordée", exact=True)).to_be_visible()
    expect(badges.get_by_text(f"Dérogation suspendue (fin de validité le {end})")).to_be_visible()

    page.goto(f"{live_server.url}/demandes/{pending.pk}/")
    page.get_by_label("Motif du retrait").fill("Besoin couvert par un dispositif marqué CE.")
    page.get_by_role("button", name="Retirer la demande").click()
    expect(page.get_by_role("heading", name="Confirmez-vous le retrait ?")).to_be_visible()
    assert_no_violations(page, "withdrawal confirmation")
    assert DerogationRequest.objects.get(pk=pending.pk).status == Status.SUBMITTED
    mail.outbox.clear()
    page.get_by_role("button", name="Confirmer le retrait").click()
    expect(page.get_by_text("La demande a été retirée.")).to_be_visible()
    assert DerogationRequest.objects.get(pk=pending.pk).status == Status.WITHDRAWN
    acks = [m for m in mail.outbox if "Accusé de retrait de la demande" in m.subject]
    recipients = sorted(m.to[0] for m in acks)
    assert recipients == sorted({pending.contact_email, operator_a.email, colleague_a.email})
    assert pending.decisions.filter(kind=DecisionKind.WITHDRAWAL).count() == 1
    expect(
        page.get_by_role("heading", name=re.compile("Accusé de retrait de la demande"))
    ).to_be_visible()


def test_prescriber_lands_on_her_space_with_one_row_per_file(
    page, live_server, operator_a, evaluator, senior, professional
):
    # The demo data's prescriber is checked on the seeded data in
    # tests/retention/test_demo_run.py (the seed runs once in the suite's database tests).
    cast = Cast(operator_a, evaluator, senior)
    suspended = factories.granted_by(cast, device_name="Kit Suspendu")
    followup.suspend(suspended, evaluator, "Incident.")
    other = factories.granted_by(cast, device_name="Kit Actif")
    login(page, live_server, professional.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/professionnels/$"))
    expect(page.get_by_role("heading", name="Les décisions qui vous concernent")).to_be_visible()
    nav = page.locator("#navigation-principale")
    expect(nav.get_by_role("link", name="Mes demandes")).to_have_count(0)
    references = page.locator("tbody th[scope=row] a").all_inner_texts()
    assert sorted(references) == sorted([suspended.reference, other.reference])
    # The prescriber is concerned by several acts on one file: it is still one row.
    row = page.get_by_role("row").filter(has_text=suspended.reference)
    expect(row.get_by_text(re.compile(r"\d+ actes en tout"))).to_be_visible()


def test_guidance_page_and_its_pdf(page, live_server):
    page.goto(f"{live_server.url}/plan-du-site/")
    page.get_by_role("link", name="Avis aux demandeurs").first.click()
    expect(page.get_by_role("heading", name="Les trois critères examinés")).to_be_visible()
    href = page.get_by_role("link", name="Télécharger l'avis aux demandeurs (PDF)").get_attribute(
        "href"
    )
    response = page.request.get(f"{live_server.url}{href}")
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Avis aux demandeurs" in text and "Les trois critères examinés" in text
    page.goto(f"{live_server.url}/")
    page.locator("footer").get_by_role(
        "link", name="Utiliser un dispositif sous dérogation"
    ).click()
    expect(page.get_by_role("heading", name="Recueillir le consentement")).to_be_visible()

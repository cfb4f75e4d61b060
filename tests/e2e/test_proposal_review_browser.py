"""A letter cannot be signed wrong, in a real headless Chromium: a template's placeholder
blocks the proposal with a message naming it; the senior reads the letter as it will be
sent, amends the motivation (the file's history shows before and after), and signs."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from derogations.enums import DecisionKind, DecisionState, Status
from derogations.models import Decision
from notifications.letters import PREVIEW_CODE
from reviews.models import MotivationTemplate
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_a_placeholder_left_blocks_the_proposal_naming_it(page, live_server, org_a):
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    MotivationTemplate.objects.create(
        title="Octroi — modèle à compléter",
        kind=DecisionKind.GRANT,
        body="Considérant que le dispositif est destiné à [indication] ;",
    )
    req = factories.RequestFactory(organisation=org_a)
    factories.in_review(req, evaluator)
    factories.graded(req, evaluator)

    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_label("Modèle de motivation").select_option(label="Octroi — modèle à compléter")
    page.get_by_role("button", name="Insérer le modèle").click()
    page.get_by_label("Fin de validité").fill("2099-06-01")
    page.get_by_role("button", name="Proposer la décision").click()

    expect(
        page.get_by_text("passages du modèle à compléter : « [indication] »").first
    ).to_be_visible()
    motivation = page.get_by_label("Motivation en droit et en fait")
    assert "[indication]" in motivation.input_value()  # kept as typed
    req.refresh_from_db()
    assert req.status == Status.IN_REVIEW


def test_the_senior_reads_amends_and_signs_the_letter(page, live_server, org_a):
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    senior = factories.UserFactory(
        senior=True, email="sen@ansm.example", first_name="Sarah", last_name="Senior"
    )
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, evaluator, motivation="Considérant le bénéfice attendu.")
    req.refresh_from_db()

    login(page, live_server, senior.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    link = page.get_by_role("link", name="Lire le courrier")
    expect(link).to_be_visible()
    # The link opens the PDF in the browser: fetched here with the senior's session.
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    letter = pdf_text(response.body())
    assert req.reference in letter and "octroi d'une dérogation" in letter
    assert "Considérant le bénéfice attendu." in letter
    assert "Sarah Senior" in letter and PREVIEW_CODE in letter

    page.locator("#id_amend-motivation").fill("Considérant le bénéfice significatif établi.")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_text("La proposition est modifiée.")).to_be_visible()
    history = page.locator(".portal-timeline li", has_text="Proposition modifiée avant signature")
    expect(history).to_contain_text("Motivation — avant : Considérant le bénéfice attendu.")
    expect(history).to_contain_text(
        "Motivation — après : Considérant le bénéfice significatif établi."
    )
    amended = pdf_text(page.request.get(live_server.url + link.get_attribute("href")).body())
    assert "Considérant le bénéfice significatif établi." in amended

    page.get_by_role("button", name="Valider et signer la décision").click()
    expect(page.get_by_text("La décision est signée")).to_be_visible()
    decision = Decision.objects.get(request=req, state=DecisionState.ISSUED, kind="grant")
    with decision.letter.open("rb") as handle:
        sent = pdf_text(handle.read())
    assert "Considérant le bénéfice significatif établi." in sent
    assert amended.replace(PREVIEW_CODE, decision.verification_code) == sent

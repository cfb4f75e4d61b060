"""The slice in a real headless Chromium: file, decide with four eyes, verify the letter."""

import pytest
from playwright.sync_api import expect

from derogations.models import Decision, DerogationRequest
from tests import factories
from tests.e2e.conftest import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_operator_files_evaluator_proposes_senior_signs_public_verifies(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    factories.UserFactory(senior=True, email="sen@ansm.example")

    # Operator submits a prepared draft; a missing field is reported, linked and completed.
    draft = factories.RequestFactory(organisation=org_a, created_by=operator, director_email="")
    login(page, live_server, operator.email, factories.PASSWORD)
    page.get_by_role("link", name=str(draft)).click()
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.get_by_text("il manque un élément")).to_be_visible()
    page.get_by_role("link", name="Courriel du directeur").click()
    page.get_by_label("Courriel du directeur de l'établissement", exact=False).fill(
        "direction@chu.example"
    )
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.get_by_role("link", name="Récapitulatif et dépôt").click()
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.get_by_role("heading", name="Accusé de réception de votre demande")).to_be_visible()
    req = DerogationRequest.objects.get()
    expect(page.get_by_text(f"référence {req.reference}").first).to_be_visible()
    logout(page)

    # Evaluator: admissible, then proposes a grant.
    login(page, live_server, "eva@ansm.example", factories.PASSWORD)
    page.get_by_role("link", name=req.reference).click()
    page.get_by_role("button", name="Déclarer recevable et mettre en instruction").click()
    factories.graded(req, evaluator)  # the grid has its own browser test (test_evaluation_browser)
    page.locator(
        "label", has_text="Octroi de la dérogation"
    ).click()  # DSFR radios: the label is the target
    expect(page.get_by_label("Octroi de la dérogation")).to_be_checked()
    page.get_by_label("Motivation en droit et en fait").fill("Bénéfice significatif établi.")
    page.get_by_role("button", name="Proposer la décision").click()
    expect(page.get_by_text("transmise pour validation")).to_be_visible()
    logout(page)

    # Senior evaluator signs.
    login(page, live_server, "sen@ansm.example", factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_role("button", name="Valider et signer la décision").click()
    expect(page.get_by_text("La décision est signée")).to_be_visible()
    logout(page)

    # Anyone verifies the letter by its code.
    decision = Decision.objects.get(request=req, state="issued", kind="grant")
    page.goto(f"{live_server.url}/verifier/")
    page.get_by_label("Code de vérification").fill(decision.verification_code)
    page.get_by_role("button", name="Vérifier").click()
    # The answer is a new page (GET form): wait for it rather than look at once.
    expect(page.get_by_text("Ce courrier est authentique.")).to_be_visible()
    expect(page.get_by_text(req.reference).first).to_be_visible()

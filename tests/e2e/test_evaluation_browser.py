"""An evaluation in a real headless Chromium: take the file from the queue, declare it
admissible, ask a complement with a due date, the operator answers, fill the grid, propose
from a motivation template, a senior signs, and the letter exists."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from derogations.enums import DecisionKind, DecisionState, Status
from derogations.models import ComplementRequest, Decision
from reviews.models import EvaluationGrid, MotivationTemplate
from tests import factories
from tests.e2e.conftest import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_evaluator_takes_asks_grades_proposes_senior_signs(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    factories.UserFactory(senior=True, email="sen@ansm.example")
    # A transactional test starts on an emptied database: the templates the migration seeds
    # may be gone, so this test brings its own.
    MotivationTemplate.objects.create(
        title="Octroi — modèle du test",
        kind=DecisionKind.GRANT,
        # No visas: the letter writes them (a motivation carrying them is refused).
        body="Considérant le bénéfice significatif attendu pour [indication] ;",
    )
    req = factories.RequestFactory(organisation=org_a, created_by=operator)
    factories.submitted(req)
    req.refresh_from_db()

    # The evaluator takes the file from the queue and declares it admissible.
    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.get_by_role("button", name=f"Prendre {req.reference}").click()
    expect(page.get_by_text(f"Le dossier {req.reference} vous est attribué.")).to_be_visible()
    page.get_by_role("link", name=req.reference).click()
    expect(
        page.get_by_text("Critère 2 — données de sécurité et de performance résumées")
    ).to_be_visible()
    page.get_by_role("button", name="Déclarer recevable et mettre en instruction").click()

    # A complement with the suggested due date (15 working days).
    page.get_by_label("Questions posées à l'opérateur").fill(
        "Merci de joindre le rapport d'évaluation des performances."
    )
    suggested = page.get_by_label("Date limite de réponse").input_value()
    assert suggested
    page.get_by_role("button", name="Demander des compléments").click()
    expect(page.get_by_text("La demande de compléments a été adressée")).to_be_visible()
    due = ComplementRequest.objects.get(request=req).due_date
    assert due.isoformat() == suggested
    logout(page)

    # The operator reads the question and its due date, and answers.
    login(page, live_server, operator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/demandes/{req.pk}/")
    expect(page.get_by_text(f"Réponse attendue au plus tard le {due:%d/%m/%Y}")).to_be_visible()
    expect(page.get_by_text("Merci de joindre le rapport").first).to_be_visible()
    page.get_by_label("Votre réponse").fill("Rapport joint : sensibilité 98 %, spécificité 99 %.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Votre réponse a été transmise")).to_be_visible()
    logout(page)

    # The evaluator fills the grid, then proposes a grant from a motivation template.
    login(page, live_server, evaluator.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    expect(page.get_by_text("Répondu")).to_be_visible()
    for prefix in ("benefit", "data", "alternative"):
        page.locator(f"#id_grid-{prefix}_assessment").select_option("favourable")
        page.locator(f"#id_grid-{prefix}_comment").fill(f"Critère {prefix} établi.")
    page.locator("#id_grid-benefit_risk").select_option("favourable")
    page.locator("#id_grid-conclusion").fill("Balance bénéfice/risque favorable.")
    page.get_by_role("button", name="Enregistrer la grille").click()
    expect(page.get_by_text("La grille est enregistrée et complète.")).to_be_visible()
    assert EvaluationGrid.objects.get(request=req).version == 1

    page.get_by_label("Modèle de motivation").select_option(label="Octroi — modèle du test")
    page.get_by_role("button", name="Insérer le modèle").click()
    # Inserted in the page by static/js/motivation-templates.js: nothing was posted.
    assert page.url == f"{live_server.url}/instruction/dossiers/{req.pk}/"
    motivation = page.get_by_label("Motivation en droit et en fait")
    expect(motivation).to_have_value(re.compile("Considérant le bénéfice significatif attendu"))
    expect(page.get_by_label("Octroi de la dérogation")).to_be_checked()
    motivation.fill(motivation.input_value().replace("[indication]", "un variant génétique rare"))
    page.get_by_role("button", name="Proposer la décision").click()
    expect(page.get_by_text("transmise pour validation")).to_be_visible()
    logout(page)

    # A senior signs; the letter is rendered with the motivation.
    login(page, live_server, "sen@ansm.example", factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_role("button", name="Valider et signer la décision").click()
    expect(page.get_by_text("La décision est signée")).to_be_visible()
    req.refresh_from_db()
    assert req.status == Status.GRANTED
    decision = Decision.objects.get(request=req, state=DecisionState.ISSUED, kind="grant")
    assert decision.letter_sha256
    with decision.letter.open("rb") as handle:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert req.reference in text
    assert "un variant génétique rare" in " ".join(text.split())


def test_template_insertion_and_proposal_work_without_javascript(browser, live_server, org_a):
    evaluator = factories.UserFactory(evaluator=True, email="eva@ansm.example")
    MotivationTemplate.objects.create(
        title="Refus — modèle du test",
        kind=DecisionKind.REFUSAL,
        body="Considérant qu'un dispositif marqué CE répond au besoin ;",
    )
    req = factories.RequestFactory(organisation=org_a)
    factories.in_review(req, evaluator)
    factories.graded(req, evaluator)
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, live_server, evaluator.email, factories.PASSWORD)
        page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
        page.get_by_label("Conditions (quantités, établissements, suivi)").fill("Aucune")
        page.get_by_label("Modèle de motivation").select_option(label="Refus — modèle du test")
        page.get_by_role("button", name="Insérer le modèle").click()
        assert page.url.endswith(f"/instruction/dossiers/{req.pk}/proposer/")  # posted
        motivation = page.get_by_label("Motivation en droit et en fait")
        expect(motivation).to_have_value(
            "Considérant qu'un dispositif marqué CE répond au besoin ;"
        )
        expect(page.get_by_label("Refus de la dérogation")).to_be_checked()
        expect(page.get_by_label("Conditions (quantités, établissements, suivi)")).to_have_value(
            "Aucune"
        )
        page.get_by_role("button", name="Proposer la décision").click()
        expect(page.get_by_text("transmise pour validation")).to_be_visible()
    finally:
        context.close()
    req.refresh_from_db()
    assert req.status == Status.DECISION_PROPOSED
    assert Decision.objects.get(request=req, state=DecisionState.PROPOSED).kind == "refusal"

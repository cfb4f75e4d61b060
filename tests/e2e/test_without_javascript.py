"""The key flows with JavaScript disabled in the browser: sign in, switch language, file a
request through its steps, admit it, propose and sign a decision. Forms post, pages render."""

import pytest

from derogations.enums import Status
from derogations.models import DerogationRequest
from tests import factories
from tests.e2e.conftest import login, logout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_javascript_is_really_off(page, live_server):
    page.goto(f"{live_server.url}/")
    assert page.evaluate("1 + 1") == 2  # Playwright's own evaluation still runs...
    # ...but the page's scripts do not: DSFR marks <html> with data-fr-js once it has run.
    assert page.locator("html").get_attribute("data-fr-js") is None


def test_sign_in_and_switch_language_without_javascript(page, live_server, org_a):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    login(page, live_server, operator.email, "wrong-password")  # the server answers
    assert page.locator(".portal-error-summary").is_visible()
    login(page, live_server, operator.email, factories.PASSWORD)
    assert page.get_by_role("heading", name="Mes demandes").is_visible()

    page.get_by_role("button", name="EN – English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.get_by_role("button", name="FR – Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("button", name="Se déconnecter").is_visible()


def test_file_and_decide_without_javascript(page, live_server, org_a, tmp_path):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    factories.UserFactory(evaluator=True, email="eva@ansm.example")
    factories.UserFactory(senior=True, email="sen@ansm.example")
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(factories.MINIMAL_PDF)

    # Operator: the five steps.
    login(page, live_server, operator.email, factories.PASSWORD)
    page.get_by_role("link", name="Nouvelle demande individuelle").click()
    for label, value in {
        "Nom commercial du dispositif": "GenoRare PCR Kit",
        "Modèle": "GR-200",
        "Fabricant": "Diagnostica Rara",
        "Destination (usage prévu)": "Détection d'un variant génétique rare",
        "Courriel de contact": "pas-un-courriel",
    }.items():
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Classe IVDR", exact=False).select_option("C")
    page.get_by_label("Type de dispositif", exact=False).select_option("kit")
    page.get_by_label("Statut réglementaire", exact=False).select_option("never_ce")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    # An invalid value: the error is shown, what was typed is kept.
    assert page.locator(".portal-error-summary").is_visible()
    assert page.get_by_label("Modèle", exact=False).first.input_value() == "GR-200"
    page.get_by_label("Courriel de contact", exact=False).fill("ra@labo.example")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    assert page.get_by_text("Étape 2 sur 5").is_visible()
    for label, value in {
        "Justification de la demande": "Aucune solution marquée CE",
        "Bénéfice significatif attendu": "Traitement adapté sans délai",
        "Données de sécurité et de performance disponibles": "Rapport de performance",
        "Absence d'alternative sur le marché": "Aucun dispositif marqué CE",
        "Plan d'obtention du marquage CE": "Certificat attendu en 2027",
    }.items():
        page.get_by_label(label, exact=False).fill(value)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    for label, value in {
        "Référence pseudonymisée du patient": "JD-CHUEX",
        "Année de naissance ou tranche d'âge": "1975",
        "Pathologie ou indication": "Maladie génétique rare",
        "Nom du prescripteur": "Dr Roux",
        "Courriel du prescripteur": "dr.roux@chu.example",
        "Établissement de santé": "CHU Exemple",
        "Nom du directeur de l'établissement": "L. Garnier",
        "Courriel du directeur de l'établissement": "direction@chu.example",
    }.items():
        page.get_by_label(label, exact=False).fill(value)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    for category in ("instructions_labelling", "performance_evaluation", "safety_risk"):
        page.get_by_label("Catégorie du document").select_option(category)
        page.get_by_label("Fichiers", exact=False).set_input_files(str(pdf))
        page.get_by_role("button", name="Ajouter").click()
        assert page.get_by_text("Le document est ajouté.").is_visible()
    page.get_by_role("link", name="Continuer vers le récapitulatif").click()
    page.get_by_role("button", name="Déposer la demande").click()
    req = DerogationRequest.objects.get()
    assert req.status == Status.SUBMITTED
    assert page.get_by_role("heading", name="Accusé de réception de votre demande").is_visible()
    logout(page)

    # Evaluator: admissible, a proposal refused without motivation, then proposed.
    login(page, live_server, "eva@ansm.example", factories.PASSWORD)
    page.get_by_role("link", name=req.reference).click()
    page.get_by_role("button", name="Déclarer recevable et mettre en instruction").click()
    page.get_by_role("button", name="Proposer la décision").click()
    assert page.locator(".portal-error-summary").is_visible()
    page.locator("label", has_text="Octroi de la dérogation").click()
    page.get_by_label("Motivation en droit et en fait").fill("Bénéfice significatif établi.")
    page.get_by_role("button", name="Proposer la décision").click()
    assert page.get_by_text("transmise pour validation").is_visible()
    logout(page)

    # Senior: signs.
    login(page, live_server, "sen@ansm.example", factories.PASSWORD)
    page.goto(f"{live_server.url}/instruction/dossiers/{req.pk}/")
    page.get_by_role("button", name="Valider et signer la décision").click()
    assert page.get_by_text("La décision est signée").is_visible()
    req.refresh_from_db()
    assert req.status == Status.GRANTED

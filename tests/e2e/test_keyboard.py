"""Keyboard only (Tab, Shift+Tab, Enter, Space, typed keys; never the mouse): an operator
files an individual request; a senior evaluator sends back, then signs, a proposed decision.
Every control needed is reached, its focus is visible, errors are announced and their links
lead to their fields."""

import pytest
from playwright.sync_api import expect
from weasyprint import HTML

from derogations.enums import Status
from derogations.models import DerogationRequest
from derogations.scenarios import Cast, bring_to
from tests import factories
from tests.e2e.keyboard import activate, choose, fill, focused, start, tab_to
from tests.second_factor import enrolment_path

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email: str) -> None:
    start(page, f"{live_server.url}/compte/connexion/")
    fill(page, "Adresse électronique", email)
    fill(page, "Mot de passe", factories.PASSWORD)
    activate(page, "Se connecter", exact=True)
    if email.endswith("@ansm.example"):
        # Staff give their one-time code, from the keyboard too: on the enrolment page from
        # the secret it shows, on the code page from a device enrolled now.
        from accounts.models import User
        from accounts.second_factor import current_code
        from tests.second_factor import code_for_secret, new_device

        page.wait_for_url("**/compte/double-authentification/**")
        if page.url.endswith("/activer/"):
            if not page.locator("code.portal-secret").count():
                # The enrolment opens from the emailed link: asked from the keyboard, then
                # opened as from the mailbox.
                from django.core import mail

                sent = len(mail.outbox)
                activate(page, "Recevoir le lien d'activation", exact=True)
                page.wait_for_load_state()
                open_link_from(page, mail.outbox[sent].body)
            code = code_for_secret(page.locator("code.portal-secret").inner_text())
        else:
            code = current_code(new_device(User.objects.get(email=email)))
        fill(page, "Code à usage unique", code)
        activate(page, "Valider", exact=True)
        page.wait_for_url(lambda url: "/double-authentification/" not in url)


def open_link_from(page, body: str) -> None:
    page.goto(page.url.split("/compte/", 1)[0] + enrolment_path(body))
    page.wait_for_load_state()


def assert_errors_announced_and_linked(page, link_text: str, field_id: str) -> None:
    """The error summary is a live region (role=alert) and its link moves the focus to the
    field in error."""
    summary = page.locator(".portal-error-summary")
    assert summary.get_attribute("role") == "alert"
    tab_to(page, link_text)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement && document.activeElement.id === '{field_id}'")
    assert focused(page)["visible"]


def test_operator_files_an_individual_request_with_the_keyboard(page, live_server, org_a, tmp_path):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(HTML(string="<h1>Notice</h1>").write_pdf())

    sign_in(page, live_server, operator.email)
    # The skip link comes first and leads to the content.
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Contenu"
    page.keyboard.press("Enter")
    activate(page, "Nouvelle demande individuelle")

    # 1. Operator and device (selects moved with the arrow keys).
    fill(page, "Nom commercial du dispositif", "GenoRare PCR Kit")
    fill(page, "Modèle", "GR-200")
    choose(page, "Classe IVDR", "C")
    choose(page, "Type de dispositif", "kit")
    fill(page, "Destination (usage prévu)", "Détection d'un variant génétique rare")
    fill(page, "Fabricant", "Diagnostica Rara")
    choose(page, "Statut réglementaire", "never_ce")
    activate(page, "Enregistrer et continuer")
    expect(page.get_by_text("Étape 2 sur 5")).to_be_visible()
    # 2. Justification.
    for label, text in {
        "Justification de la demande": "Aucune solution marquée CE",
        "Bénéfice significatif attendu": "Traitement adapté sans délai",
        "Données de sécurité et de performance": "Rapport de performance",
        "Absence d'alternative": "Aucun dispositif marqué CE",
        "Plan d'obtention du marquage CE": "Certificat attendu en 2027",
    }.items():
        fill(page, label, text)
    activate(page, "Enregistrer et continuer")

    # 3. Patient: a social security number is refused; the error is announced and linked.
    for label, text in {
        "Référence pseudonymisée du patient": "1 85 05 78 006 084 36",
        "Année de naissance": "1975",
        "Pathologie ou indication": "Maladie génétique rare",
        "Nom du prescripteur": "Dr Roux",
        "Courriel du prescripteur": "dr.roux@chu.example",
        "Établissement de santé": "CHU Exemple",
        "Nom du directeur": "L. Garnier",
        "Courriel du directeur": "direction@chu.example",
    }.items():
        fill(page, label, text)
    activate(page, "Enregistrer et continuer")
    assert_errors_announced_and_linked(
        page, "Référence pseudonymisée du patient", "id_patient_reference"
    )
    page.keyboard.press("Control+A")
    page.keyboard.type("JD-CHUEX")
    activate(page, "Enregistrer et continuer")

    # 4. Documents: the file field is reached with Tab; the file is then given to it as the
    # system's file dialog would (headless Chromium does not always raise a file chooser for
    # a key press). Category, then the button to add.
    for category in ("instructions_labelling", "performance_evaluation", "safety_risk"):
        choose(page, "Catégorie du document", category)
        tab_to(page, "Fichiers")
        page.locator(":focus").set_input_files(str(pdf))
        activate(page, "Ajouter", exact=True)
        expect(page.get_by_text("Le document est ajouté.")).to_be_visible()
    activate(page, "Continuer vers le récapitulatif")

    # 5. Summary and submission.
    expect(page.get_by_text("Votre demande est complète")).to_be_visible()
    activate(page, "Déposer la demande")
    req = DerogationRequest.objects.get()
    assert req.status == Status.SUBMITTED and req.patient_reference == "JD-CHUEX"
    expect(page.get_by_role("heading", name="Accusé de réception de votre demande")).to_be_visible()


def test_senior_sends_back_then_signs_a_decision_with_the_keyboard(page, live_server, org_a):
    operator = factories.operator_of(org_a)
    evaluator = factories.UserFactory(evaluator=True)
    senior = factories.UserFactory(senior=True, email="sen@ansm.example")
    req = bring_to(
        factories.RequestFactory(organisation=org_a, created_by=operator),
        Status.DECISION_PROPOSED,
        Cast(operator, evaluator, senior),
    )

    sign_in(page, live_server, senior.email)
    activate(page, req.reference)

    # Sending back without a reason: the error is announced and leads to the field.
    activate(page, "Renvoyer à l'évaluateur")
    assert page.url.endswith("/renvoyer/")
    assert_errors_announced_and_linked(page, "Motif du renvoi", "id_send_back-comment")

    # Going back up the page with Shift+Tab to the signature.
    tab_to(page, "Valider et signer la décision", backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page.get_by_text("La décision est signée")).to_be_visible()
    req.refresh_from_db()
    assert req.status == Status.GRANTED

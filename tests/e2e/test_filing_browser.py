"""An operator with no file files an individual request, step by step, with documents, in a
real headless Chromium, up to the acknowledgment of receipt."""

import pytest
from playwright.sync_api import expect
from weasyprint import HTML

from derogations.enums import Status
from derogations.models import Attachment, DerogationRequest
from tests import factories
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_operator_files_an_individual_request_with_documents(page, live_server, org_a, tmp_path):
    operator = factories.operator_of(org_a, email="ra@labo.example")
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(HTML(string="<h1>Notice d'utilisation</h1><p>GenoRare PCR Kit</p>").write_pdf())
    fake = tmp_path / "rapport.pdf"
    fake.write_bytes(b"<html><body>not a pdf</body></html>")

    login(page, live_server, operator.email, factories.PASSWORD)
    expect(page.get_by_text("Aucune demande pour le moment.")).to_be_visible()
    page.get_by_role("link", name="Nouvelle demande individuelle").click()

    # 1. Operator and device.
    expect(page.get_by_text("Étape 1 sur 5")).to_be_visible()
    for label, value in {
        "Nom commercial du dispositif": "GenoRare PCR Kit",
        "Modèle": "GR-200",
        "Fabricant": "Diagnostica Rara",
        "Destination (usage prévu)": "Détection d'un variant génétique rare",
    }.items():
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_label("Classe IVDR", exact=False).select_option("C")
    page.get_by_label("Type de dispositif", exact=False).select_option("kit")
    page.get_by_label("Statut réglementaire", exact=False).select_option("never_ce")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # 2. Justification.
    expect(page.get_by_text("Étape 2 sur 5")).to_be_visible()
    for label, value in {
        "Justification de la demande": "Aucune solution marquée CE",
        "Bénéfice significatif attendu": "Traitement adapté sans délai",
        "Données de sécurité et de performance disponibles": "Rapport de performance",
        "Absence d'alternative sur le marché": "Aucun dispositif marqué CE",
        "Plan d'obtention du marquage CE": "Certificat attendu en 2027",
    }.items():
        page.get_by_label(label, exact=False).fill(value)
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # 3. Patient and facility: a social security number is refused, the rest is kept.
    for label, value in {
        "Référence pseudonymisée du patient": "1 85 05 78 006 084 36",
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
    expect(page.get_by_text("semble contenir un numéro de sécurité sociale").first).to_be_visible()
    assert page.get_by_label("Nom du prescripteur", exact=False).input_value() == "Dr Roux"
    page.get_by_label("Référence pseudonymisée du patient", exact=False).fill("JD-CHUEX")
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # 4. Documents: a fake PDF is refused; real ones are accepted.
    expect(page.get_by_text("Étape 4 sur 5")).to_be_visible()
    page.get_by_label("Catégorie du document").select_option("performance_evaluation")
    page.get_by_label("Fichiers", exact=False).set_input_files(str(fake))
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("n'est pas accepté").first).to_be_visible()
    for category in ("instructions_labelling", "performance_evaluation", "safety_risk"):
        page.get_by_label("Catégorie du document").select_option(category)
        page.get_by_label("Fichiers", exact=False).set_input_files(str(pdf))
        page.get_by_role("button", name="Ajouter").click()
        expect(page.get_by_text("Le document est ajouté.")).to_be_visible()
    page.get_by_role("link", name="Continuer vers le récapitulatif").click()

    # 5. Summary and submission.
    expect(page.get_by_text("Votre demande est complète")).to_be_visible()
    page.get_by_role("button", name="Déposer la demande").click()
    expect(page.get_by_role("heading", name="Accusé de réception de votre demande")).to_be_visible()
    req = DerogationRequest.objects.get()
    assert req.status == Status.SUBMITTED and req.patient_reference == "JD-CHUEX"
    expect(page.get_by_text(req.reference).first).to_be_visible()
    expect(page.get_by_text(req.target_date.strftime("%d/%m/%Y")).first).to_be_visible()
    assert Attachment.objects.filter(request=req).count() == 3

    # The file page links to its documents and to the acknowledgment.
    page.get_by_role("link", name="Suivre la demande").click()
    expect(page.get_by_role("link", name="Accusé de réception")).to_be_visible()
    expect(page.get_by_role("heading", name="Contenu de la demande et documents")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="notice.pdf").first.click()
    assert download.value.suggested_filename == "notice.pdf"

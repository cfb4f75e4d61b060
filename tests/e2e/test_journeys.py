"""The whole life of a file, across every role, in one real browser, with JavaScript on and
with JavaScript off: an individual request (sign-up to the lifting of the derogation) and a
global one (sign-up by invitation, publication on the public registry, renewal, expiry,
suspension and lifting). Every page the journey reaches is checked with axe-core in each of
its states (empty, refused with errors, filled); the test fails on any WCAG A/AA violation
and, with JavaScript on, on any Content-Security-Policy violation."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from weasyprint import HTML

from derogations.enums import DecisionKind, DerogationStatus, Status
from derogations.models import Consent, Decision, Derogation, DerogationRequest, Incident
from tests import factories
from tests.e2e.conftest import CSP_LISTENER
from tests.e2e.journey import Auditor, Journey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "trousse-PCR-variant-rare"
PRESCRIBER = "dr.roux@chu.example"


@pytest.fixture(params=[True, False], ids=["javascript", "sans-javascript"])
def journey(request, browser, portal):
    javascript = request.param
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(15000)
    auditor = None if javascript else Auditor(browser)
    yield Journey(page, portal, javascript=javascript, auditor=auditor)
    context.close()
    if auditor is not None:
        auditor.close()


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(HTML(string="<h1>Notice d'utilisation</h1><p>GenoRare</p>").write_pdf())
    return path


@pytest.fixture
def staff():
    return (
        factories.UserFactory(evaluator=True, email="eva@ansm.example"),
        factories.UserFactory(senior=True, email="sen@ansm.example"),
    )


# --- Steps shared by both journeys ---------------------------------------------------------

DEVICE = {
    "id_device_name": "GenoRare PCR Kit",
    "id_device_model": "GR-200",
    "id_manufacturer_name": "Diagnostica Nova",
    "id_intended_purpose": "Détection d'un variant génétique rare",
    "id_ivd_class": "C",
    "id_device_type": "kit",
    "id_regulatory_status": "never_ce",
}
CASE = {
    "id_justification": "Aucune solution marquée CE",
    "id_expected_benefit": "Traitement adapté sans délai",
    "id_safety_performance_data": "Rapport de performance",
    "id_alternatives": "Aucun dispositif marqué CE",
    "id_ce_marking_plan": "Certificat attendu en 2027",
}
SAVE = "Enregistrer et continuer"


def file_request(j: Journey, kind: str, third_step: dict[str, str], categories, pdf) -> None:
    """From the dashboard: the steps (one empty, one refused), documents, submission."""
    j.check("tableau de bord")
    label = "Nouvelle demande individuelle" if kind == "individual" else "Nouvelle demande globale"
    j.follow(label, f"{kind} étape 1 vide")
    j.fill({"id_contact_email": "pas-un-courriel"})
    j.press(SAVE)
    expect(j.page.locator("[role=alert]").first).to_be_visible()
    j.check(f"{kind} étape 1 erreurs")
    j.fill({"id_contact_email": "contact@nova.example", **DEVICE})
    j.check(f"{kind} étape 1 remplie")
    j.press(SAVE, where=f"{kind} étape 2 vide")
    j.fill(CASE)
    j.press(SAVE, where=f"{kind} étape 3 vide")
    j.fill(third_step)
    j.check(f"{kind} étape 3 remplie")
    j.press(SAVE, where=f"{kind} pièces vide")
    j.press_empty("Ajouter", f"{kind} pièces erreurs")
    for category in categories:
        j.page.get_by_label("Catégorie du document").select_option(category)
        j.page.get_by_label("Fichiers", exact=False).set_input_files(str(pdf))
        j.press("Ajouter")
        j.see("Le document est ajouté.")
    j.check(f"{kind} pièces remplie")
    j.follow("Continuer vers le récapitulatif", f"{kind} récapitulatif complet")
    j.press("Déposer la demande")
    expect(
        j.page.get_by_role("heading", name="Accusé de réception de votre demande")
    ).to_be_visible()
    j.check(f"{kind} accusé de réception")


def admit(j: Journey, req: DerogationRequest, evaluator_email: str, kind: str) -> None:
    """The evaluator takes the file from the queue and declares it admissible."""
    req.refresh_from_db()  # its reference is given on submission
    j.sign_in(evaluator_email)
    j.check("file d'instruction")
    j.press(f"Prendre {req.reference}")
    j.see(f"Le dossier {req.reference} vous est attribué.")
    j.follow(req.reference, f"{kind} dossier déposé (évaluateur)")
    j.press("Déclarer recevable et mettre en instruction", where=f"{kind} dossier en instruction")


def grade_and_propose(j: Journey, req: DerogationRequest, kind: str, **extra: str) -> None:
    """The grid (saved once incomplete), then the proposal (posted once empty)."""
    j.go(reverse("reviews:file", args=[req.pk]), f"{kind} dossier à évaluer")
    j.press("Enregistrer la grille", where=f"{kind} grille incomplète")
    for prefix in ("benefit", "data", "alternative"):
        j.fill(
            {
                f"id_grid-{prefix}_assessment": "favourable",
                f"id_grid-{prefix}_comment": f"Critère {prefix} établi.",
            }
        )
    j.fill({"id_grid-benefit_risk": "favourable", "id_grid-conclusion": "Balance favorable."})
    j.press("Enregistrer la grille")
    j.see("La grille est enregistrée et complète.")
    j.press_empty("Proposer la décision", f"{kind} proposition erreurs")
    j.choose("Octroi de la dérogation")
    j.fill({"id_motivation": "Bénéfice significatif établi pour ce patient.", **extra})
    j.check(f"{kind} proposition remplie")
    j.press("Proposer la décision")
    j.see("transmise pour validation")
    j.sign_out()


def sign(j: Journey, req: DerogationRequest, senior_email: str, kind: str) -> Decision:
    """The senior evaluator signs (four eyes): the grant is issued, its letter rendered."""
    j.sign_in(senior_email)
    j.go(reverse("reviews:file", args=[req.pk]), f"{kind} décision à valider")
    j.press("Valider et signer la décision")
    j.see("La décision est signée")
    j.check(f"{kind} dossier accordé (senior)")
    req.refresh_from_db()
    assert req.status == Status.GRANTED
    decision = Decision.objects.get(request=req, kind=DecisionKind.GRANT, state="issued")
    j.portal.wait_for_letter(decision)
    return decision


def follow_up_act(j: Journey, req: DerogationRequest, name: str, button: str, kind: str) -> None:
    """A follow-up act on the file page: posted once without motivation, then motivated."""
    j.go(reverse("reviews:file", args=[req.pk]), f"{kind} suivi avant {name}")
    section = j.page.locator(f"#acte-{name}")
    j.expand(f"acte-{name}")
    j.press_empty(button, f"{kind} {name} erreurs", within=section)
    j.page.locator(f"#id_{name}-motivation").fill(f"Motivation de l'acte {name}.")
    if name == "lift":  # final: confirmed explicitly (RGAA 11.12)
        # A DSFR checkbox hides its native input: the label is what one clicks.
        section.locator("label", has_text="Je confirme la levée de la dérogation").click()
    j.press(button, within=j.page.locator(f"#acte-{name}"))
    j.check(f"{kind} après {name}")


# --- The individual request ----------------------------------------------------------------


def test_individual_request_from_sign_up_to_lifting(journey, staff, pdf, tmp_path):
    j = journey
    evaluator, senior = staff
    email = "lea.fontaine@nova.example"

    # The operator signs up, confirms the address, signs in and creates the organisation.
    j.sign_up(email, "Léa", "Fontaine", PASSWORD)
    j.sign_in(email, PASSWORD)
    expect(j.page.get_by_role("heading", name="Votre organisation")).to_be_visible()
    j.check("choix de l'organisation")
    j.follow("Créer mon organisation", "organisation vide")
    j.press_empty("Créer l'organisation", "organisation erreurs")
    j.fill({"id_name": "Diagnostica Nova SAS", "id_siret": "812 345 676 00017"})
    j.choose("Fabricant")
    j.press("Créer l'organisation")
    j.see("L'organisation Diagnostica Nova SAS est créée")

    # An individual request, with its documents.
    file_request(
        j,
        "individual",
        {
            "id_patient_reference": "JD-CHUEX",
            "id_patient_age": "1975",
            "id_patient_indication": "Maladie génétique rare",
            "id_prescriber_name": "Dr Roux",
            "id_prescriber_email": PRESCRIBER,
            "id_facility_name": "CHU Exemple",
            "id_director_name": "L. Garnier",
            "id_director_email": "direction@chu.example",
        },
        ("instructions_labelling", "performance_evaluation", "safety_risk"),
        pdf,
    )
    req = DerogationRequest.objects.get()
    assert req.status == Status.SUBMITTED and req.attachments.count() == 3
    j.sign_out()

    # The evaluator admits it and asks a complement (refused once without a question).
    admit(j, req, evaluator.email, "individual")
    j.press_empty("Demander des compléments", "individual compléments erreurs")
    j.page.get_by_label("Questions posées à l'opérateur").fill("Joindre le rapport complet.")
    j.press("Demander des compléments")
    j.see("La demande de compléments a été adressée")
    j.check("individual compléments demandés")
    j.sign_out()

    # The operator answers it.
    j.sign_in(email, PASSWORD)
    j.go(reverse("derogations:detail", args=[req.pk]), "individual compléments à fournir")
    j.see("Joindre le rapport complet.")
    j.press_empty("Envoyer la réponse", "individual réponse erreurs")
    j.page.get_by_label("Votre réponse").fill("Rapport joint : sensibilité 98 %.")
    j.press("Envoyer la réponse")
    j.see("Votre réponse a été transmise")
    j.check("individual réponse transmise")
    j.sign_out()

    # The evaluator grades and proposes a grant; the senior signs.
    j.sign_in(evaluator.email)
    grade_and_propose(j, req, "individual")
    grant = sign(j, req, senior.email, "individual")

    # The letter: its text names the file, the device and the decision.
    text = j.pdf_text(reverse("derogations:letter", args=[req.pk, grant.pk]), tmp_path)
    assert f"Décision n° {req.reference} — octroi d'une dérogation" in text
    assert "GenoRare PCR Kit" in text
    assert "sont autorisées à titre dérogatoire" in text
    assert "pour le seul patient désigné" in text
    assert grant.verification_code in text
    j.sign_out()
    j.verify(grant.verification_code, "La dérogation est en vigueur.", "vérification en vigueur")

    # The prescriber opens the decision from the emailed link, records the consent and
    # declares an incident.
    j.go(j.emailed_path(PRESCRIBER, r"/professionnels/lien/\S+"), "professionnel décision")
    expect(j.page.get_by_role("heading", name=f"Dérogation {req.reference}")).to_be_visible()
    j.press_empty(
        "Enregistrer l'information et le consentement", "professionnel consentement erreurs"
    )
    today = timezone.localdate().isoformat()
    j.page.get_by_label("Code patient").fill("PAT-0001")
    j.page.locator(
        "label", has_text="Le dispositif est utilisé par dérogation (sans marquage CE)"
    ).click()
    j.page.locator("label", has_text="Consentement donné").click()
    j.page.get_by_label("Date à laquelle le patient a été informé").fill(today)
    j.page.get_by_label("Date de la réponse du patient").fill(today)
    j.press("Enregistrer l'information et le consentement")
    j.see("L'information et le consentement du patient sont enregistrés")
    j.check("professionnel consentement enregistré")
    assert Consent.objects.get().professional_email == PRESCRIBER
    j.follow("Déclarer un incident lié à ce dispositif", "professionnel incident vide")
    j.press_empty("Déclarer l'incident", "professionnel incident erreurs")
    j.page.get_by_label("Qualité du déclarant").select_option("prescriber")
    j.page.get_by_label("Date de survenue").fill(today)
    j.page.locator("label", has_text=re.compile(r"^\s*Grave\s*$")).click()
    j.page.get_by_label("Numéro de lot du dispositif").fill("LOT-E2E-7")
    j.page.get_by_label("Description de l'incident").fill("Résultat discordant.")
    j.page.get_by_label("Conséquences pour le patient").fill("Second prélèvement.")
    j.press("Déclarer l'incident")
    incident = Incident.objects.get()
    j.see(f"Incident enregistré sous la référence {incident.reference}")
    j.check("professionnel incident déclaré")
    j.page.context.clear_cookies()

    # The evaluator sees the incident in the follow-up and suspends the derogation.
    j.sign_in(evaluator.email)
    j.go(reverse("reviews:followup"), "suivi des dérogations")
    row = j.page.locator("tr", has_text=req.reference)
    expect(row.get_by_text("Incident déclaré")).to_be_visible()
    expect(row.get_by_text("En vigueur")).to_be_visible()
    follow_up_act(j, req, "suspend", "Suspendre la dérogation", "individual")
    j.see("La dérogation est suspendue.")
    j.sign_out()
    j.verify(grant.verification_code, "La dérogation est suspendue.", "vérification suspendue")

    # The senior lifts it.
    j.sign_in(senior.email)
    follow_up_act(j, req, "lift", "Lever la dérogation", "individual")
    j.see("La dérogation est levée.")
    j.sign_out()
    j.verify(grant.verification_code, "La dérogation a été levée.", "vérification levée")
    assert Derogation.objects.get(request=req).status == DerogationStatus.LIFTED
    j.assert_clean()


# --- The global request ----------------------------------------------------------------------


def population(end: datetime.date) -> dict[str, str]:
    return {
        "id_population": "Patients porteurs du variant GR-7, adultes",
        "id_expected_patients": "40",
        "id_quantity": "40 trousses",
        "id_requested_start_date": timezone.localdate().isoformat(),
        "id_requested_end_date": end.isoformat(),
        "id_facilities_concerned": "CHU Exemple (FINESS 750000001)",
    }


def registry_shows(j: Journey, reference: str, state: str, where: str, *, history=False) -> None:
    """The public registry (current or history) lists the derogation with its state, and its
    public sheet says the same."""
    j.go(reverse("derogations:registry_history" if history else "derogations:registry"), where)
    row = j.page.locator("tr", has_text=reference)
    expect(row.locator(".fr-badge")).to_have_text(state)
    j.follow(reference, f"{where} (fiche)")
    expect(j.page.locator(".fr-badge").first).to_have_text(state)


def test_global_request_published_renewed_expired_and_lifted(journey, staff, pdf, tmp_path):
    j = journey
    evaluator, senior = staff
    organisation = factories.OrganisationFactory(name="Diagnostica Nova SAS")
    admin = factories.operator_of(organisation, email="admin@nova.example")
    admin.memberships.update(is_admin=True)
    email = "hugo.bernard@nova.example"

    # The organisation's administrator invites a colleague (refused once without address).
    j.sign_in(admin.email)
    j.follow("Mon organisation", "organisation")
    j.press_empty("Envoyer l'invitation", "organisation invitation erreurs")
    j.page.get_by_label("Adresse électronique de la personne à inviter").fill(email)
    j.press("Envoyer l'invitation")
    j.see(f"Invitation envoyée à {email}")
    j.check("organisation invitation envoyée")
    j.sign_out()

    # The colleague joins from the emailed link: creates the account, then signs in.
    j.go(j.emailed_path(email, r"/compte/invitations/\S+"), "invitation")
    j.follow("Créer mon compte", "inscription sur invitation vide")
    j.press_empty("Créer mon compte", "inscription sur invitation erreurs")
    j.fill(
        {
            "id_first_name": "Hugo",
            "id_last_name": "Bernard",
            "id_password1": PASSWORD,
            "id_password2": PASSWORD,
        }
    )
    j.press("Créer mon compte")
    j.see("vous avez rejoint l'organisation Diagnostica Nova SAS")
    j.sign_in(email, PASSWORD)

    # A global request, with its documents.
    end = timezone.localdate() + datetime.timedelta(days=200)
    file_request(
        j,
        "global",
        population(end),
        ("instructions_labelling", "performance_evaluation", "safety_risk", "ce_procedure"),
        pdf,
    )
    req = DerogationRequest.objects.get()
    assert req.status == Status.SUBMITTED and not req.is_individual
    j.sign_out()

    # Evaluation and four-eyes grant, with an end date.
    admit(j, req, evaluator.email, "global")
    grade_and_propose(
        j,
        req,
        "global",
        id_conditions="Traçabilité des lots.",
        id_valid_until=end.isoformat(),
    )
    grant = sign(j, req, senior.email, "global")
    text = j.pdf_text(reverse("derogations:letter", args=[req.pk, grant.pk]), tmp_path)
    assert f"Décision n° {req.reference} — octroi d'une dérogation" in text
    assert "GenoRare PCR Kit" in text and "sont autorisées à titre dérogatoire" in text
    assert "notifiée à la Commission européenne" in text
    j.sign_out()

    # Published on the public registry, in force.
    registry_shows(j, req.reference, "En vigueur", "registre en vigueur")
    j.verify(grant.verification_code, "La dérogation est en vigueur.", "vérification en vigueur")

    # The operator asks for its renewal: a new draft linked to the granted request.
    j.sign_in(email, PASSWORD)
    j.go(reverse("derogations:detail", args=[req.pk]), "global dossier accordé (opérateur)")
    j.press("Demander le renouvellement")
    j.see("Le brouillon de renouvellement est créé")
    j.check("renouvellement étape 1")
    renewal = DerogationRequest.objects.get(renewal_of=req)
    new_end = end + datetime.timedelta(days=365)
    j.go(reverse("derogations:step", args=[renewal.pk, "population"]), "renouvellement étape 3")
    j.fill(
        {
            "id_requested_start_date": (end + datetime.timedelta(days=1)).isoformat(),
            "id_requested_end_date": new_end.isoformat(),
        }
    )
    j.press(SAVE)
    j.go(reverse("derogations:step", args=[renewal.pk, "depot"]), "renouvellement récapitulatif")
    j.press("Déposer la demande")
    j.check("renouvellement accusé de réception")
    j.sign_out()

    admit(j, renewal, evaluator.email, "renouvellement")
    j.see(f"renouvellement de {req.reference}")
    grade_and_propose(j, renewal, "renouvellement", id_valid_until=new_end.isoformat())
    renewed = sign(j, renewal, senior.email, "renouvellement")
    j.sign_out()
    registry_shows(j, renewal.reference, "En vigueur", "registre renouvellement en vigueur")

    # The first period comes to its end (its end date is put in the past, as time would):
    # the registry moves it to the history as expired; the verification says so.
    Derogation.objects.filter(request=req).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    registry_shows(j, req.reference, "Expirée", "registre historique expirée", history=True)
    j.verify(grant.verification_code, "La dérogation a expiré.", "vérification expirée")

    # The renewed derogation is suspended, then lifted: the registry shows each state.
    j.sign_in(senior.email)
    follow_up_act(j, renewal, "suspend", "Suspendre la dérogation", "renouvellement")
    j.sign_out()
    registry_shows(j, renewal.reference, "Suspendue", "registre suspendue")
    j.sign_in(senior.email)
    follow_up_act(j, renewal, "lift", "Lever la dérogation", "renouvellement")
    j.sign_out()
    registry_shows(j, renewal.reference, "Levée", "registre levée")
    j.verify(renewed.verification_code, "La dérogation a été levée.", "vérification levée")
    j.assert_clean()

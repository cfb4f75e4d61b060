"""Issue 16, done when: the safety loop reaches everyone who uses a derogated device, in one
real browser (with JavaScript on the production stack, without it on the development
server, like the other journeys).

A global derogation is granted; the operator declares supplies to two facilities (one
typed in, one by CSV); a professional joins from the public registry through the emailed
link; consents of two patients are recorded (one refusal); an incident is declared and
reaches the evaluator and the operator; in the follow-up the evaluator sees it "À traiter"
and the operator's periodic report flagged late, acknowledges the incident and suspends
the derogation: each facility's contacts, the joined professional and the operator
receive the suspension letter once. Every page reached is checked with axe."""

import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from derogations import lifecycle
from derogations.enums import DecisionKind, DerogationStatus
from derogations.models import Consent, Decision, Derogation, Incident, KnownProfessional
from notifications.models import Delivery, RecipientRole
from tests import factories
from tests.e2e import test_journeys
from tests.e2e.journey import Journey
from tests.e2e.portal import WAIT_SECONDS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

journey = test_journeys.journey  # the fixtures: JavaScript on and off
staff = test_journeys.staff

PRO = "dr.lemaire@chu-nord.example"
FACILITY_FORM = {
    "id_facility_name": "CHU Nord",
    "id_facility_finess": "750000002",
    "id_facility_address": "1 rue de l'Hôpital, 59000 Lille",
    "id_vigilance_name": "Claire Martin",
    "id_vigilance_email": "vigilance@chu-nord.example",
    "id_director_name": "Louis Garnier",
    "id_director_email": "direction@chu-nord.example",
    "id_quantity": "12",
    "id_lot_numbers": "LOT-1",
}
CSV_LINE = (
    "Clinique du Parc;130000011;2 avenue du Parc, 13000 Marseille;Inès Roy;"
    "vigilance@clinique-parc.example;Paul Henry;direction@clinique-parc.example;5;{date};LOT-2"
)


def granted_global(operator, evaluator, senior):
    """A granted global derogation (the granting itself is the other journeys' subject)."""
    req = factories.RequestFactory(
        organisation=operator.memberships.get().organisation,
        created_by=operator,
        global_kind=True,
        device_name="GenoRare PCR Kit",
    )
    factories.proposed(req, evaluator)
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    return req


def record_consent(j: Journey, code: str, outcome: str, where: str) -> None:
    today = timezone.localdate().isoformat()
    j.page.get_by_label("Code patient").fill(code)
    j.page.locator(
        "label", has_text="Le dispositif est utilisé par dérogation (sans marquage CE)"
    ).click()
    j.page.locator(
        "label", has_text="Le droit de refuser sans conséquence sur sa prise en charge"
    ).click()
    j.page.locator("label", has_text=outcome).click()
    j.page.get_by_label("Date à laquelle le patient a été informé").fill(today)
    j.page.get_by_label("Date de la réponse du patient").fill(today)
    j.press("Enregistrer l'information et le consentement")
    j.see("L'information et le consentement du patient sont enregistrés")
    j.check(where)


def wait_for_sent(act: Decision, production: bool) -> list[tuple[str, str]]:
    """The act's deliveries (email, role), once every one is sent (by the worker in
    production)."""
    deadline = time.monotonic() + (WAIT_SECONDS if production else 0)
    while Delivery.objects.filter(decision=act).exclude(status="sent").exists():
        if time.monotonic() >= deadline:
            raise AssertionError("the suspension letter's copies were not all sent")
        time.sleep(0.2)
    return list(
        Delivery.objects.filter(decision=act).values_list("recipient_email", "recipient_role")
    )


def test_the_safety_loop_reaches_everyone_who_uses_the_device(journey, staff, tmp_path):
    j = journey
    evaluator, senior = staff
    organisation = factories.OrganisationFactory(name="Diagnostica Nova SAS")
    operator = factories.operator_of(organisation, email="lea@nova.example")
    req = granted_global(operator, evaluator, senior)
    today = timezone.localdate()
    # The grant was signed seven months ago (as time would have it): its first six-monthly
    # periodic report is due and the operator has not filed it (derogations/reports.py).
    Decision.objects.filter(request=req, kind=DecisionKind.GRANT).update(
        issued_at=timezone.now() - datetime.timedelta(days=212)
    )
    Derogation.objects.filter(request=req).update(valid_until=today + datetime.timedelta(days=200))

    # The operator declares a supply typed in, then one by CSV (refused once empty).
    j.sign_in(operator.email)
    j.go(reverse("derogations:supplies", args=[req.pk]), "sécurité fournitures vide")
    j.fill({**FACILITY_FORM, "id_supplied_on": today.isoformat()})
    j.press("Déclarer la fourniture")
    j.see("La fourniture à CHU Nord est enregistrée.")
    csv = tmp_path / "fournitures.csv"
    header = "etablissement;finess;adresse;vigilance_nom;vigilance_courriel;directeur_nom;"
    header += "directeur_courriel;quantite;date_fourniture;lots"
    csv.write_text(f"{header}\n{CSV_LINE.format(date=f'{today:%d/%m/%Y}')}\n", encoding="utf-8")
    j.page.get_by_label("Fichier CSV des fournitures").set_input_files(str(csv))
    j.press("Importer les fournitures")
    j.see("1 fourniture importée.")
    j.check("sécurité fournitures déclarées")
    j.sign_out()

    # A professional joins from the public registry (refused once with a bad FINESS), then
    # follows the emailed link and confirms.
    j.go(reverse("derogations:registry_detail", args=[req.reference]), "sécurité registre fiche")
    j.follow(
        "S'inscrire comme professionnel utilisateur (consentements, incidents, actes de l'ANSM)",
        "sécurité inscription vide",
    )
    j.fill({"id_email": PRO, "id_facility_name": "CHU Nord", "id_facility_finess": "750000001"})
    j.press("Recevoir le lien d'inscription")
    j.see("clé de contrôle incorrecte")
    j.check("sécurité inscription erreurs")
    j.fill({"id_facility_finess": "750000002"})
    j.press("Recevoir le lien d'inscription")
    j.see("Vérifiez votre messagerie")
    j.check("sécurité inscription envoyée")
    j.go(j.emailed_path(PRO, r"/professionnels/inscription/\S+/"), "sécurité inscription lien")
    j.press("Confirmer mon inscription")
    j.see(f"Vous êtes inscrit comme utilisateur de la dérogation {req.reference}")
    assert KnownProfessional.objects.filter(derogation__request=req, email=PRO).exists()

    # Consents of two patients: one given (after a refused empty form), one refused.
    j.press_empty("Enregistrer l'information et le consentement", "sécurité consentement erreurs")
    record_consent(j, "PAT-0001", "Consentement donné", "sécurité consentement donné")
    record_consent(j, "PAT-0002", "Consentement refusé", "sécurité consentement refusé")
    assert sorted(Consent.objects.filter(request=req).values_list("patient_code", "outcome")) == [
        ("PAT-0001", "given"),
        ("PAT-0002", "refused"),
    ]

    # An incident, declared from the professionals' space.
    j.follow("Déclarer un incident lié à ce dispositif", "sécurité incident vide")
    j.page.get_by_label("Qualité du déclarant").select_option("user")
    j.page.get_by_label("Date de survenue").fill(today.isoformat())
    j.page.locator("label", has_text=re.compile(r"^\s*Grave\s*$")).click()
    j.page.get_by_label("Numéro de lot du dispositif").fill("LOT-1")
    j.page.get_by_label("Description de l'incident").fill("Résultat faussement négatif.")
    j.page.get_by_label("Conséquences pour le patient").fill("Traitement retardé.")
    j.press("Déclarer l'incident")
    incident = Incident.objects.get(request=req)
    j.see(f"Incident enregistré sous la référence {incident.reference}")
    j.check("sécurité incident déclaré")
    j.page.context.clear_cookies()

    # It reaches the evaluator and the operator (the operator's email without patient data).
    assert j.emailed_path(evaluator.email, reverse("reviews:file", args=[req.pk]))
    assert j.emailed_path(operator.email, reverse("derogations:detail", args=[req.pk]))
    operator_mails = [body for to, body in j.portal.emails() if operator.email in to]
    assert any(incident.reference in body for body in operator_mails)
    assert not any("Traitement retardé" in body for body in operator_mails)

    # The evaluator sees it "À traiter", acknowledges it with a suspension, and suspends.
    j.sign_in(evaluator.email)
    j.go(reverse("reviews:followup"), "sécurité suivi incident à traiter")
    row = j.page.locator("tr", has_text=req.reference)
    expect(row.get_by_text("À traiter")).to_be_visible()
    expect(row.get_by_text("En retard")).to_be_visible()  # the late periodic report
    j.go(reverse("reviews:file", args=[req.pk]), "sécurité dossier incident")
    j.see("CHU Nord")
    j.see("1 donné(s), 1 refusé(s)")
    j.page.get_by_label("Analyse de l'ANSM").fill("Lot LOT-1 défectueux.")
    j.page.locator(f"#incident-{incident.pk} label", has_text="Suspension").click()
    j.press("Prendre en compte l'incident")
    j.see(f"Le suivi de l'incident {incident.reference} est enregistré.")
    test_journeys.follow_up_act(j, req, "suspend", "Suspendre la dérogation", "sécurité")
    j.see("La dérogation est suspendue.")
    j.sign_out()
    assert Derogation.objects.get(request=req).status == DerogationStatus.SUSPENDED

    # Each facility's contacts, the joined professional and the operator: one copy each.
    act = Decision.objects.get(request=req, kind=DecisionKind.SUSPENSION)
    deliveries = wait_for_sent(act, j.portal.production)
    emails = [email for email, _role in deliveries]
    assert len(emails) == len(set(emails))
    roles = dict(deliveries)
    assert roles["vigilance@chu-nord.example"] == RecipientRole.SUPPLIED_VIGILANCE
    assert roles["direction@chu-nord.example"] == RecipientRole.SUPPLIED_DIRECTOR
    assert roles["vigilance@clinique-parc.example"] == RecipientRole.SUPPLIED_VIGILANCE
    assert roles["direction@clinique-parc.example"] == RecipientRole.SUPPLIED_DIRECTOR
    assert roles[PRO] == RecipientRole.KNOWN_PROFESSIONAL
    assert roles[operator.email] == RecipientRole.OPERATOR
    for email in (
        "vigilance@chu-nord.example",
        "direction@chu-nord.example",
        "vigilance@clinique-parc.example",
        "direction@clinique-parc.example",
        PRO,
        operator.email,
    ):
        letters = [
            body for to, body in j.portal.emails() if email in to and act.verification_code in body
        ]
        assert len(letters) == 1, (email, len(letters))

    # The declarant, back through the suspension's emailed link, sees the agency's
    # follow-up on the incident's page.
    j.go(j.emailed_path(PRO, r"/professionnels/lien/\S+"), "sécurité professionnel suspension")
    j.go(
        reverse("derogations:pro_incident_ack", args=[act.pk, incident.pk]),
        "sécurité incident suivi",
    )
    j.see("Lot LOT-1 défectueux.")
    j.see("Suspension")
    j.assert_clean()

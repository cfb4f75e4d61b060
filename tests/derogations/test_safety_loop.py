"""Issue 16, part 2: professionals join a global derogation from the registry, record their
patients' consents, declare incidents that the agency follows up (real database, real
outbox: the account emails and the letters' deliveries are rows)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from derogations import followup, incidents, joining, lifecycle, professionals, supplies
from derogations.models import AuditEntry, Consent, Incident, KnownProfessional
from notifications.models import AccountEmail, Delivery, RecipientRole
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()
PRO = "dr.lemaire@chu-nord.example"
FACILITY = {"facility_name": "CHU Nord", "facility_finess": "750000002"}


@pytest.fixture
def granted(org_a, operator_a, evaluator, senior):
    """A granted global derogation, with no email waiting in the outbox (the seniors'
    inbox told them of the proposal: tests here count the emails of what they do)."""
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    factories.proposed(req, evaluator)
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    AccountEmail.objects.all().delete()
    return req


def join_url(req) -> str:
    return reverse("derogations:join", args=[req.reference])


def link_in(email: AccountEmail) -> str:
    match = re.search(r"https?://[^/\s]+(/professionnels/inscription/[^\s]+/)", email.body)
    assert match, email.body
    return match.group(1)


def join(client: Client, req, email: str = PRO, **facility: str) -> str:
    """Ask to join and follow the emailed link; the path of the link."""
    response = client.post(join_url(req), {"email": email, **FACILITY, **facility})
    assert response.status_code == 200, response.content.decode()
    link = link_in(AccountEmail.objects.filter(recipient_email=email.lower()).latest("pk"))
    assert client.post(link).status_code == 302
    return link


def consent_data(**overrides: object) -> dict[str, object]:
    data = {
        "patient_code": "PAT-0001",
        "information_given": ["derogation", "refusal_right"],
        "information_note": "Fiche remise.",
        "outcome": "given",
        "informed_on": TODAY.isoformat(),
        "consented_on": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


# --- Joining from the registry ----------------------------------------------------------


@pytest.mark.django_db
def test_a_professional_joins_through_the_emailed_link(granted):
    client = Client()
    page = client.get(reverse("derogations:registry_detail", args=[granted.reference]))
    assert join_url(granted) in page.content.decode()
    response = client.post(join_url(granted), {"email": " Dr.Lemaire@CHU-Nord.example", **FACILITY})
    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.content.decode()
    (email,) = AccountEmail.objects.all()
    assert email.recipient_email == PRO
    link = link_in(email)
    assert not KnownProfessional.objects.exists()
    # GET shows what the link confirms and writes nothing.
    page = client.get(link)
    assert page.status_code == 200 and "CHU Nord" in page.content.decode()
    assert not KnownProfessional.objects.exists()
    response = client.post(link)
    grant = granted.decisions.get(kind="grant")
    assert response["Location"] == reverse("derogations:pro_decision", args=[grant.pk])
    known = KnownProfessional.objects.get()
    assert (known.email, known.facility_finess) == (PRO, "750000002")
    entry = AuditEntry.objects.get(action=joining.ACTION)
    assert PRO in entry.comment
    # The session now opens the grant in the professionals' space; following again is a no-op.
    assert client.get(response["Location"]).status_code == 200
    assert client.post(link).status_code == 302
    assert KnownProfessional.objects.count() == 1
    assert AuditEntry.objects.filter(action=joining.ACTION).count() == 1


@pytest.mark.django_db
def test_the_answer_is_the_same_whether_the_address_is_known_or_not(granted):
    join(Client(), granted)
    known = Client().post(join_url(granted), {"email": PRO, **FACILITY})
    unknown = Client().post(join_url(granted), {"email": "nouveau@chu-nord.example", **FACILITY})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(known.content.decode()).replace(PRO, "X") == strip(
        unknown.content.decode()
    ).replace("nouveau@chu-nord.example", "X")


@pytest.mark.django_db
def test_a_bad_finess_is_refused_in_french_keeping_what_was_typed(granted):
    response = Client().post(
        join_url(granted),
        {
            "email": "pas-un-courriel",
            "facility_name": "Clinique Sud",
            "facility_finess": "750000001",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "clé de contrôle incorrecte" in html and "adresse électronique valide" in html
    assert 'value="Clinique Sud"' in html and 'value="750000001"' in html
    assert 'value="pas-un-courriel"' in html
    assert not AccountEmail.objects.exists()


@pytest.mark.django_db
def test_joining_is_throttled_per_client_address(granted, settings):
    settings.EMAIL_THROTTLE_LIMITS = {**settings.EMAIL_THROTTLE_LIMITS, "mail-client": 2}
    client = Client()
    for n in range(2):
        data = {"email": f"pro{n}@chu-nord.example", **FACILITY}
        assert client.post(join_url(granted), data).status_code == 200
    response = client.post(join_url(granted), {"email": "pro9@chu-nord.example", **FACILITY})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Trop de demandes d&#x27;envoi de courriel" in html
    assert 'value="pro9@chu-nord.example"' in html
    assert AccountEmail.objects.count() == 2


@pytest.mark.django_db
def test_a_recipient_gets_no_more_links_than_its_quota(granted, settings):
    settings.EMAIL_THROTTLE_LIMITS = {**settings.EMAIL_THROTTLE_LIMITS, "mail-recipient": 1}
    for _n in range(3):
        assert Client().post(join_url(granted), {"email": PRO, **FACILITY}).status_code == 200
    assert AccountEmail.objects.filter(recipient_email=PRO).count() == 1


@pytest.mark.django_db
def test_a_forged_or_lifted_link_does_not_join(granted, senior):
    assert Client().get("/professionnels/inscription/forged/").status_code == 400
    derogation = granted.derogation
    token = joining.join_token(derogation, PRO, "CHU Nord", "750000002")
    followup.lift(granted, senior, "Risque grave confirmé.")
    link = reverse("derogations:join_link", args=[token])
    assert Client().post(link).status_code == 400
    assert not KnownProfessional.objects.exists()
    page = Client().get(join_url(granted)).content.decode()
    assert "il n&#x27;est plus possible de s&#x27;y inscrire" in page


# --- Every later act reaches them once ---------------------------------------------------


@pytest.mark.django_db
def test_a_suspension_reaches_the_joined_professional_once_with_a_link(granted, evaluator):
    join(Client(), granted)
    join(Client(), granted, email=PRO.upper())  # the same address typed in capitals
    act = followup.suspend(granted, evaluator, "Incident grave.")
    mine = list(act.deliveries.filter(recipient_email=PRO).values_list("recipient_role", flat=True))
    assert mine == [RecipientRole.KNOWN_PROFESSIONAL]
    # The suspension opens for them in the professionals' space (its signed link).
    token = professionals.link_token(act, PRO)
    client = Client()
    assert client.get(reverse("derogations:pro_link", args=[token])).status_code == 302


# --- Consents ------------------------------------------------------------------------------


def pro_client(granted) -> tuple[Client, str]:
    client = Client()
    join(client, granted)
    grant = granted.decisions.get(kind="grant")
    return client, reverse("derogations:pro_decision", args=[grant.pk])


@pytest.mark.django_db
def test_consents_given_and_refused_are_recorded_with_the_facility(granted):
    client, url = pro_client(granted)
    assert client.post(url, consent_data()).status_code == 302
    refused = consent_data(patient_code="PAT-0002", outcome="refused")
    assert client.post(url, refused).status_code == 302
    given, refusal = Consent.objects.order_by("pk")
    assert (given.patient_code, given.outcome, given.facility_finess) == (
        "PAT-0001", "given", "750000002",
    )  # fmt: skip
    assert given.information_given == ["derogation", "refusal_right"]
    assert refusal.outcome == "refused"
    entries = AuditEntry.objects.filter(action="consent_recorded")
    assert entries.count() == 2
    assert not any("PAT-" in entry.comment for entry in entries)


@pytest.mark.django_db
def test_a_social_security_number_as_patient_code_is_refused_keeping_the_input(granted):
    client, url = pro_client(granted)
    response = client.post(url, consent_data(patient_code="1 85 05 78 006 084", outcome=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "numéro de sécurité sociale" in html and "Indiquez si le patient a consenti" in html
    assert 'value="1 85 05 78 006 084"' in html and "Fiche remise." in html
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_the_csv_holds_the_facility_consents_only(granted):
    client, url = pro_client(granted)
    client.post(url, consent_data(patient_code="=PAT-0001"))
    other, other_url = Client(), url
    join(other, granted, email="dr.autre@clinique.example", facility_finess="130000011")
    other.post(other_url, consent_data(patient_code="AUTRE-9"))
    colleague = Client()
    join(colleague, granted, email="ide@chu-nord.example")
    grant = granted.decisions.get(kind="grant")
    csv_url = reverse("derogations:pro_consents_csv", args=[grant.pk])
    body = colleague.get(csv_url).content.decode()
    assert "'=PAT-0001" in body and "AUTRE-9" not in body  # no formula, no other facility
    assert "Consentement donné" in body
    assert Client().get(csv_url).status_code == 404


@pytest.mark.django_db
def test_operator_and_agency_see_counts_never_codes(granted, operator_a, evaluator):
    client, url = pro_client(granted)
    client.post(url, consent_data())
    client.post(url, consent_data(patient_code="PAT-0002", outcome="refused"))
    for user, page in (
        (operator_a, reverse("derogations:detail", args=[granted.pk])),
        (evaluator, reverse("reviews:file", args=[granted.pk])),
    ):
        html = client_for(user).get(page).content.decode()
        assert "1 donné(s), 1 refusé(s)" in html
        assert "PAT-0001" not in html and "PAT-0002" not in html
    file_page = client_for(evaluator).get(reverse("reviews:file", args=[granted.pk]))
    assert PRO in file_page.content.decode() and "CHU Nord" in file_page.content.decode()


@pytest.mark.django_db
def test_the_file_page_reads_the_known_professionals_in_constant_queries(granted, evaluator):
    url = reverse("reviews:file", args=[granted.pk])
    staff = client_for(evaluator)
    staff.get(url)
    counts = []
    for n in (1, 6):
        for i in range(len(KnownProfessional.objects.all()), n):
            KnownProfessional.objects.create(
                derogation=granted.derogation, email=f"p{i}@chu.example", **FACILITY
            )
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Incidents -----------------------------------------------------------------------------


def declare(client: Client, granted, **overrides: str) -> Incident:
    grant = granted.decisions.get(kind="grant")
    data = {
        "declarant_role": "user",
        "occurred_on": TODAY.isoformat(),
        "severity": "serious",
        "device_lot": "LOT-7",
        "description": "Résultat faussement négatif chez PAT-0001.",
        "patient_outcome": "Traitement retardé de deux jours.",
        **overrides,
    }
    response = client.post(reverse("derogations:pro_incident", args=[grant.pk]), data)
    assert response.status_code == 302, response.content.decode()
    return Incident.objects.latest("pk")


@pytest.mark.django_db
def test_an_incident_reaches_the_evaluator_and_the_operator_without_patient_data(
    granted, evaluator, operator_a
):
    client, _url = pro_client(granted)
    AccountEmail.objects.all().delete()
    incident = declare(client, granted)
    by_recipient = {row.recipient_email: row for row in AccountEmail.objects.all()}
    assert set(by_recipient) >= {evaluator.email, operator_a.email, granted.contact_email}
    # The evaluator who proposed the grant follows the file: told by their inbox's email.
    assert "Incident déclaré" in by_recipient[evaluator.email].body
    for email in (operator_a.email, granted.contact_email):
        operator_mail = by_recipient[email]
        assert incident.reference in operator_mail.subject
        for text in (operator_mail.body, operator_mail.html_body):
            assert "PAT-0001" not in text and "Traitement retardé" not in text
            assert "LOT-7" in text


@pytest.mark.django_db
def test_the_evaluator_follows_up_and_the_declarant_sees_it(granted, evaluator, operator_a):
    client, _url = pro_client(granted)
    incident = declare(client, granted)
    followup_list = client_for(evaluator).get(reverse("reviews:followup")).content.decode()
    assert "À traiter" in followup_list
    grant = granted.decisions.get(kind="grant")
    ack = reverse("derogations:pro_incident_ack", args=[grant.pk, incident.pk])
    assert "pas encore été prise en compte" in client.get(ack).content.decode()
    url = reverse("reviews:incident_follow_up", args=[granted.pk, incident.pk])
    prefix = "incident"
    # An operator cannot; a form without measure keeps the analysis typed.
    assert client_for(operator_a).post(url, {f"{prefix}-measure": "none"}).status_code == 404
    response = client_for(evaluator).post(url, {f"{prefix}-analysis": "Lot défectueux."})
    assert response.status_code == 400
    assert "Choisissez la mesure décidée" in response.content.decode()
    assert "Lot défectueux." in response.content.decode()
    response = client_for(evaluator).post(
        url, {f"{prefix}-analysis": "Lot défectueux.", f"{prefix}-measure": "suspend"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_by == evaluator and incident.measure == "suspend"
    # The measure is a decision to act: the derogation is still active until the act.
    granted.derogation.refresh_from_db()
    assert granted.derogation.status == "active"
    page = client.get(ack).content.decode()
    assert "Lot défectueux." in page and "Suspension" in page
    followup_list = client_for(evaluator).get(reverse("reviews:followup")).content.decode()
    assert "À traiter" not in followup_list
    assert AuditEntry.objects.filter(action="incident_followed_up").count() == 1


@pytest.mark.django_db
def test_only_an_evaluator_records_a_follow_up(granted, evaluator):
    incident = incidents.record_incident(
        granted, declarant=None, declarant_email=PRO, declarant_role="user",
        occurred_on=TODAY, severity="serious", device_lot="L", description="d",
        patient_outcome="p",
    )  # fmt: skip
    admin = factories.UserFactory(administrator=True)
    with pytest.raises(lifecycle.TransitionError):
        incidents.record_follow_up(incident, admin, analysis="", measure="none")


@pytest.mark.django_db
def test_supplied_facilities_still_reach_once_with_a_joined_professional(granted, operator_a):
    """The supplied facility's vigilance contact who also joins gets one copy."""
    row = {
        "facility_name": "CHU Nord", "facility_finess": "750000002",
        "facility_address": "1 rue", "vigilance_name": "V", "vigilance_email": PRO,
        "director_name": "D", "director_email": "dir@chu-nord.example", "quantity": 1,
        "supplied_on": TODAY, "lot_numbers": "",
    }  # fmt: skip
    supplies.record_supplies(granted, operator_a, [row])
    join(Client(), granted)
    act = followup.suspend(granted, factories.UserFactory(evaluator=True), "Incident grave.")
    assert Delivery.objects.filter(decision=act, recipient_email=PRO).count() == 1


@pytest.mark.django_db
def test_the_consents_csv_runs_constant_queries(granted):
    client, url = pro_client(granted)
    grant = granted.decisions.get(kind="grant")
    csv_url = reverse("derogations:pro_consents_csv", args=[grant.pk])
    counts = []
    for code in ("PAT-1", "PAT-2", "PAT-3"):
        client.post(url, consent_data(patient_code=code))
        with CaptureQueriesContext(connection) as queries:
            assert code in client.get(csv_url).content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]

"""The professionals' space: who sees which decision, signed links, consent, incidents."""

import datetime
import re

import pytest
from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.validators import luhn_is_valid
from derogations import access, incidents, lifecycle, professionals
from derogations.enums import DecisionKind, IncidentSeverity
from derogations.models import AuditEntry, Consent, DerogationRequest, Incident
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

RPPS = "10000000017"  # a valid Luhn key
assert luhn_is_valid(RPPS)


def issue(req, evaluator, senior, kind=DecisionKind.GRANT):
    factories.proposed(req, evaluator, kind=kind)
    decision = lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    return decision


@pytest.fixture
def granted(org_a, evaluator, senior):
    req = factories.RequestFactory(
        organisation=org_a, prescriber_rpps=RPPS, facility_finess="750000001"
    )
    return issue(req, evaluator, senior)


@pytest.fixture
def other_granted(org_b, evaluator, senior):
    req = factories.RequestFactory(
        organisation=org_b,
        prescriber_email="dr.autre@clinique.example",
        director_email="direction@clinique.example",
        patient_reference="ZZ-OTHER",
    )
    return issue(req, evaluator, senior)


def follow_link(client: Client, decision, email: str):
    return client.get(professionals.magic_link(decision, email))


# --- Who sees what ----------------------------------------------------------------------


def test_professional_requests_match_rpps_email_director_and_facility(
    org_a, evaluator, senior, granted, other_granted
):
    by_rpps = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    bad_rpps = factories.UserFactory(professional=True, email="x@perso.example", rpps="10000000018")
    director = factories.UserFactory(professional=True, email="direction@chu.example")
    facility_global = factories.RequestFactory(
        organisation=org_a, global_kind=True, facility_finess="750000001", director_email=""
    )
    issue(facility_global, evaluator, senior)
    elsewhere_global = factories.RequestFactory(
        organisation=org_a, global_kind=True, facility_finess="690000002", director_email=""
    )
    issue(elsewhere_global, evaluator, senior)

    assert set(access.professional_requests(by_rpps)) == {granted.request, facility_global}
    assert set(access.professional_requests(bad_rpps)) == set()
    assert set(access.professional_requests(director)) == {granted.request, facility_global}
    operator = granted.request.created_by
    assert not access.professional_requests(operator).exists()


def test_a_facility_widens_the_scope_only_from_files_the_agency_admitted(
    org_a, org_b, evaluator, senior
):
    """A FINESS typed in a draft (or a file not admitted) gives no global decision."""
    pro = factories.UserFactory(professional=True, email="dr.neuf@hopital.example")
    global_a = factories.RequestFactory(
        organisation=org_a, global_kind=True, facility_finess="750000001", director_email=""
    )
    global_b = factories.RequestFactory(
        organisation=org_b, global_kind=True, facility_finess="690000002", director_email=""
    )
    issue(global_a, evaluator, senior)
    issue(global_b, evaluator, senior)

    def naming(finess: str) -> DerogationRequest:
        return factories.RequestFactory(
            organisation=org_b, prescriber_email=pro.email, facility_finess=finess
        )

    naming("750000001")  # draft of org B
    naming("690000002")  # draft of org B
    factories.submitted(naming("750000001"))  # awaiting admissibility
    withdrawn = factories.submitted(naming("750000001"))
    lifecycle.withdraw(withdrawn, withdrawn.created_by)  # withdrawn before admission
    refused = factories.submitted(naming("690000002"))
    lifecycle.declare_inadmissible(refused, evaluator, "Dossier incomplet.")
    scope = set(access.professional_requests(pro))
    assert global_a not in scope and global_b not in scope
    assert not professionals.account_decisions(pro).filter(request__kind="global").exists()

    admitted = naming("750000001")
    factories.in_review(admitted, evaluator)
    lifecycle.withdraw(admitted, admitted.created_by)  # after admission: still accepted
    scope = set(access.professional_requests(pro))
    assert global_a in scope and global_b not in scope


def test_dashboard_lists_own_decisions_with_constant_queries(
    org_a, evaluator, senior, granted, other_granted, django_assert_num_queries
):
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    client = client_for(pro)
    url = reverse("derogations:pro_dashboard")
    client.get(url)
    # session, user; the files: count, the page's rows, their acts (issue 17)
    with django_assert_num_queries(5):
        response = client.get(url)
    rows = response.context["page"].object_list
    assert [r.reference for r in rows] == [granted.request.reference]
    assert "Prescripteur" in response.content.decode()
    for _ in range(4):
        req = factories.RequestFactory(organisation=org_a, prescriber_rpps=RPPS)
        issue(req, evaluator, senior)
    with django_assert_num_queries(5):
        response = client.get(url)
    rows = response.context["page"].object_list
    assert len(rows) == 5
    assert other_granted.request.reference not in [r.reference for r in rows]


def test_professional_cannot_open_another_professionals_decision(granted, other_granted):
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    client = client_for(pro)
    assert client.get(reverse("derogations:pro_decision", args=[granted.pk])).status_code == 200
    for name in ("pro_decision", "pro_letter", "pro_incident"):
        url = reverse(f"derogations:{name}", args=[other_granted.pk])
        assert client.get(url).status_code == 404, name
    sheet = reverse("notifications:patient_sheet", args=[other_granted.pk])
    assert client.get(sheet).status_code == 404
    letter = reverse("derogations:letter", args=[other_granted.request_id, other_granted.pk])
    assert client.get(letter).status_code == 404


def test_concerned_professional_downloads_the_letter(granted):
    from django.core.files.base import ContentFile

    granted.letter.save("l.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    granted.letter_sha256 = "0" * 64
    granted.save(update_fields=["letter", "letter_sha256"])
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    client = client_for(pro)
    letter = reverse("derogations:letter", args=[granted.request_id, granted.pk])
    response = client.get(letter)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response = client.get(reverse("derogations:pro_letter", args=[granted.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_every_audience_gets_the_same_letter_download(granted, operator_a):
    """One answer behind both letter links (derogations/downloads.py): the same file name,
    and, while the worker has not rendered the letter, back to the link's own page with a
    message."""
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    operator_url = reverse("derogations:letter", args=[granted.request_id, granted.pk])
    pro_url = reverse("derogations:pro_letter", args=[granted.pk])
    not_ready = "Le courrier est en cours de préparation."
    response = client_for(operator_a).get(operator_url, follow=True)
    assert response.redirect_chain == [
        (reverse("derogations:detail", args=[granted.request_id]), 302)
    ]
    assert not_ready in response.content.decode()
    response = client_for(pro).get(pro_url, follow=True)
    assert response.redirect_chain == [
        (reverse("derogations:pro_decision", args=[granted.pk]), 302)
    ]
    assert not_ready in response.content.decode()

    from django.core.files.base import ContentFile

    granted.letter.save("l.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    granted.letter_sha256 = "0" * 64
    granted.save(update_fields=["letter", "letter_sha256"])
    name = f'filename="{granted.request.reference}-{granted.kind}.pdf"'
    for client, url in ((client_for(operator_a), operator_url), (client_for(pro), pro_url)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == f"attachment; {name}"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- Signed links -----------------------------------------------------------------------


def test_signed_link_opens_its_decision_only(granted, other_granted):
    client = Client()
    response = follow_link(client, granted, "dr.roux@chu.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("derogations:pro_decision", args=[granted.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert granted.request.reference in page.content.decode()
    # Swapping the id in the address never opens another decision.
    for name in ("pro_decision", "pro_letter", "pro_incident"):
        assert (
            client.get(reverse(f"derogations:{name}", args=[other_granted.pk])).status_code == 404
        )
    assert client.get(reverse("derogations:pro_dashboard")).status_code == 302  # login


def test_following_a_link_gives_a_new_session_key(granted):
    client = Client()
    client.get(reverse("derogations:registry"))
    client.session.save()
    before = client.session.session_key
    follow_link(client, granted, "dr.roux@chu.example")
    assert client.session.session_key != before
    assert str(granted.pk) in client.session[professionals.SESSION_KEY]


def test_tampered_link_shows_a_french_error(granted, other_granted):
    token = professionals.link_token(granted, "dr.roux@chu.example")
    # Swap the decision id inside the signed payload: the signature no longer matches.
    payload = signing.TimestampSigner(salt=professionals.LINK_SALT).unsign_object(token)
    forged_value = signing.dumps({**payload, "d": other_granted.pk}, compress=False)
    forged = forged_value.split(":")[0] + token[token.index(":") :]
    for bad in (forged, token[:-2] + "xx", "n-importe-quoi", token + "A"):
        client = Client()
        response = client.get(reverse("derogations:pro_link", args=[bad]))
        assert response.status_code == 400, bad
        assert "Ce lien n'est pas valide ou a expiré" in response.content.decode()
        url = reverse("derogations:pro_decision", args=[other_granted.pk])
        assert client.get(url).status_code == 404


def test_link_is_bound_to_a_professional_named_on_the_decision(granted):
    # A link made for someone the decision does not name (here the operator) does not open.
    response = follow_link(Client(), granted, granted.request.contact_email)
    assert response.status_code == 400
    # The director's own link opens it.
    assert follow_link(Client(), granted, "Direction@CHU.example").status_code == 302


def test_expired_link_is_refused(granted):
    client = Client()
    with override_settings(PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS=0):
        response = follow_link(client, granted, "dr.roux@chu.example")
    assert response.status_code == 400


def test_link_kept_in_session_expires_too(granted):
    client = Client()
    follow_link(client, granted, "dr.roux@chu.example")
    url = reverse("derogations:pro_decision", args=[granted.pk])
    assert client.get(url).status_code == 200
    with override_settings(PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS=0):
        assert client.get(url).status_code == 404


def test_emailed_copies_carry_the_link_for_professionals_only(
    draft_a, evaluator, senior, django_capture_on_commit_callbacks
):
    # The device user named on the request gets a copy and a link too.
    DerogationRequest.objects.filter(pk=draft_a.pk).update(user_email="biologiste@chu.example")
    draft_a.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decision = issue(draft_a, evaluator, senior)
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    for email in ("dr.roux@chu.example", "biologiste@chu.example", "direction@chu.example"):
        path = professionals.magic_link(decision, email).split("/lien/")[0]
        assert "/professionnels/lien/" in by_recipient[email]
        assert path in by_recipient[email]
    assert "/professionnels/lien/" not in by_recipient[draft_a.contact_email]
    # The emailed link opens the decision.
    body = by_recipient["dr.roux@chu.example"]
    link = next(w for w in body.split() if "/professionnels/lien/" in w)
    client = Client()
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 302


# --- Consent ------------------------------------------------------------------------------


def test_consent_is_recorded_with_the_link_email_and_no_patient_identity(granted):
    client = Client()
    follow_link(client, granted, "dr.roux@chu.example")
    url = reverse("derogations:pro_decision", args=[granted.pk])
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "informed_on": today - datetime.timedelta(days=2),
            "consented_on": today,
            "patient_code": "PAT-0001",
            "information_given": ["derogation", "refusal_right"],
            "outcome": "given",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.request_id == granted.request_id
    assert consent.professional is None
    assert consent.professional_email == "dr.roux@chu.example"
    assert consent.consented_on == today
    fields = {f.name for f in Consent._meta.get_fields()}
    assert not fields & {"patient_name", "patient", "name", "nir"}
    assert "Informé le" in client.get(url).content.decode()


def test_consent_before_information_is_refused_and_kept(granted):
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    client = client_for(pro)
    url = reverse("derogations:pro_decision", args=[granted.pk])
    today = timezone.localdate()
    response = client.post(url, {"informed_on": today.isoformat(), "consented_on": "2000-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "ne peut pas précéder" in html and "2000-01-01" in html
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"informed_on": tomorrow, "consented_on": tomorrow})
    assert response.status_code == 400 and "dans le futur" in response.content.decode()
    assert not Consent.objects.exists()


def test_refused_decision_has_no_consent_nor_sheet(org_a, evaluator, senior):
    req = factories.RequestFactory(organisation=org_a)
    refusal = issue(req, evaluator, senior, kind=DecisionKind.REFUSAL)
    client = Client()
    follow_link(client, refusal, "dr.roux@chu.example")
    page = client.get(reverse("derogations:pro_decision", args=[refusal.pk]))
    assert page.status_code == 200 and "Dérogation refusée" in page.content.decode()
    assert client.post(reverse("derogations:pro_decision", args=[refusal.pk])).status_code == 404
    sheet = reverse("notifications:patient_sheet", args=[refusal.pk])
    assert client.get(sheet).status_code == 404
    assert client.get(reverse("derogations:pro_incident", args=[refusal.pk])).status_code == 404


def test_patient_sheet_is_a_pdf_in_plain_french(granted):
    from tests.notifications.test_letters import pdf_text

    client = Client()
    follow_link(client, granted, "dr.roux@chu.example")
    response = client.get(reverse("notifications:patient_sheet", args=[granted.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert granted.request.reference in text
    assert "marquage CE" in text and "refuser" in text and "En vigueur" in text
    assert granted.request.patient_reference not in text


# --- Incidents ----------------------------------------------------------------------------

INCIDENT = {
    "declarant_role": "prescriber",
    "occurred_on": "",
    "severity": "serious",
    "device_lot": "LOT-2026-117",
    "description": "Résultat faussement négatif, contredit par un second prélèvement.",
    "patient_outcome": "Traitement retardé de 48 heures, sans séquelle.",
}


def test_incident_declared_by_link_reaches_the_file_and_the_vigilance_team(
    granted, evaluator, django_capture_on_commit_callbacks
):
    client = Client()
    follow_link(client, granted, "dr.roux@chu.example")
    url = reverse("derogations:pro_incident", args=[granted.pk])
    data = {**INCIDENT, "occurred_on": timezone.localdate().isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "derogations:pro_incident_ack", args=[granted.pk, incident.pk]
    )
    assert incident.reference.startswith("INC-")
    assert incident.declarant is None and incident.declarant_email == "dr.roux@chu.example"
    ack = client.get(response["Location"])
    assert incident.reference in ack.content.decode()
    # The timeline: one entry, the status unchanged.
    entry = AuditEntry.objects.get(action="incident_declared")
    assert entry.from_status == entry.to_status == "granted"
    assert incident.reference in entry.comment
    # The vigilance team's email, sent once.
    [alert] = [m for m in mail.outbox if m.to == ["reactovigilance@ansm.example"]]
    assert incident.reference in alert.subject and "LOT-2026-117" in alert.body
    incident.refresh_from_db()
    assert incident.alert_sent_at is not None
    from notifications.tasks import send_incident_alert

    assert send_incident_alert(incident.pk) == "already-sent"
    # The evaluators see it on the file and in the queue.
    staff = client_for(evaluator)
    file_page = staff.get(reverse("reviews:file", args=[granted.request_id])).content.decode()
    assert incident.reference in file_page and "Incident déclaré" in file_page
    # (A granted file is closed: it shows among "Tous les dossiers", not the open ones.)
    queue = staff.get(reverse("reviews:queue"), {"status": "tous"}).content.decode()
    assert "Incident déclaré" in queue
    # The operator's timeline does not show it.
    operator = client_for(granted.request.created_by)
    detail = operator.get(reverse("derogations:detail", args=[granted.request_id]))
    assert incident.reference not in detail.content.decode()


def test_incident_by_account_and_invalid_input(granted):
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    client = client_for(pro)
    url = reverse("derogations:pro_incident", args=[granted.pk])
    response = client.post(url, {**INCIDENT, "severity": "terrible"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "LOT-2026-117" in html  # what was typed is kept
    assert "Ce champ est obligatoire" in html  # the date
    assert (
        not Incident.objects.exists()
        and not AuditEntry.objects.filter(action="incident_declared").exists()
    )
    data = {**INCIDENT, "occurred_on": timezone.localdate().isoformat()}
    response = client.post(url, data)
    incident = Incident.objects.get()
    assert incident.declarant == pro
    entry = AuditEntry.objects.get(action="incident_declared")
    assert entry.actor == pro
    # Another professional cannot read its acknowledgment.
    other = client_for(factories.UserFactory(professional=True, email="z@z.example"))
    ack = reverse("derogations:pro_incident_ack", args=[granted.pk, incident.pk])
    assert other.get(ack).status_code == 404
    assert client.get(ack).status_code == 200


def test_incident_severity_is_chosen_not_preselected(granted):
    """Issue 16: the "Gravité" radios had a pre-checked "---------"; the declarant chooses."""
    pro = factories.UserFactory(professional=True, email="anne@perso.example", rpps=RPPS)
    client = client_for(pro)
    url = reverse("derogations:pro_incident", args=[granted.pk])
    html = client.get(url).content.decode()
    radios = re.findall(r'<input[^>]*name="severity"[^>]*>', html)
    assert len(radios) == len(IncidentSeverity.choices)
    assert not any("checked" in radio for radio in radios)
    data = {**INCIDENT, "occurred_on": timezone.localdate().isoformat()}
    del data["severity"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Choisissez la gravité de l&#x27;incident." in response.content.decode()
    assert not Incident.objects.exists()


def test_record_incident_needs_a_granted_derogation(draft_a, evaluator):
    factories.in_review(draft_a, evaluator)
    with pytest.raises(lifecycle.TransitionError):
        incidents.record_incident(
            draft_a,
            declarant=None,
            declarant_email="dr.roux@chu.example",
            declarant_role="prescriber",
            occurred_on=timezone.localdate(),
            description="x",
            device_lot="L",
            severity="serious",
            patient_outcome="y",
        )
    assert not Incident.objects.exists()

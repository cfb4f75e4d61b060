import re

import pytest
from django.conf import settings
from django.urls import reverse

from derogations import assignment, followup, lifecycle
from derogations.enums import Status
from derogations.models import AuditEntry, DerogationRequest
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

STEP_DATA = {
    "dispositif": {
        "contact_email": "ra@example.org",
        "device_name": "GenoRare PCR Kit",
        "device_model": "GR-200",
        "device_reference": "REF-1",
        "ivd_class": "C",
        "device_type": "kit",
        "manufacturer_name": "Diagnostica Rara",
        "intended_purpose": "Détection d'un variant rare",
        "regulatory_status": "never_ce",
    },
    "justification": {
        "justification": "Pas de solution marquée CE",
        "expected_benefit": "Traitement adapté",
        "safety_performance_data": "Rapport de performance",
        "alternatives": "Aucune",
        "ce_marking_plan": "Dépôt à l'organisme notifié en 2027",
    },
    "patient": {
        "patient_reference": "JD-CHUEX",
        "patient_age": "1975",
        "patient_indication": "Maladie rare",
        "urgency": "standard",
        "urgency_reason": "",
        "prescriber_name": "Dr Roux",
        "prescriber_email": "dr.roux@chu.example",
        "prescriber_rpps": "10000000017",
        "facility_name": "CHU Exemple",
        "facility_finess": "750000002",
        "director_name": "L. Garnier",
        "director_email": "direction@chu.example",
    },
}
FORM_DATA = {key: value for step in STEP_DATA.values() for key, value in step.items()}


def step_url(req, step):
    return reverse("derogations:step", args=[req.pk, step])


def test_operator_files_an_individual_request_step_by_step(operator_a, org_a):
    client = client_for(operator_a)
    response = client.post(
        reverse("derogations:create", args=["individual"]), {**STEP_DATA["dispositif"], "next": ""}
    )
    req = DerogationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == step_url(req, "justification")
    assert req.status == Status.DRAFT and req.organisation == org_a
    assert req.device_type == "kit" and req.created_by == operator_a
    response = client.post(
        step_url(req, "justification"), {**STEP_DATA["justification"], "next": ""}
    )
    assert response["Location"] == step_url(req, "patient")
    response = client.post(step_url(req, "patient"), {**STEP_DATA["patient"], "next": ""})
    assert response["Location"] == step_url(req, "pieces")
    for category in ("instructions_labelling", "performance_evaluation", "safety_risk"):
        factories.attach(req, category)
    summary = client.get(step_url(req, "depot"))
    assert "Votre demande est complète" in summary.content.decode()
    response = client.post(step_url(req, "depot"), {"submit": ""})
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED and req.reference.startswith("DER-IND-")
    assert response["Location"] == reverse("derogations:acknowledgment", args=[req.pk])
    page = client.get(response["Location"]).content.decode()
    assert req.reference in page and req.target_date.strftime("%d/%m/%Y") in page


GLOBAL_POPULATION = {
    "population": "Nouveau-nés",
    "expected_patients": "120",
    "quantity": "200 trousses",
    "requested_start_date": "2030-01-01",
    "requested_end_date": "2030-12-31",
    "facilities_concerned": "CHU Exemple",
}
# (kind, step, valid data, next step, the invalid field and value, a valid field that is saved)
STEP_CASES = [
    ("individual", "dispositif", STEP_DATA["dispositif"], "justification", ("contact_email", "pas-une-adresse"), ("device_model", "GR-300")),
    ("individual", "justification", STEP_DATA["justification"], "patient", ("risks", "x" * 20001), ("alternatives", "Aucune, vérifié")),
    ("individual", "patient", STEP_DATA["patient"], "pieces", ("prescriber_rpps", "12345"), ("patient_age", "40-49 ans")),
    ("global", "dispositif", STEP_DATA["dispositif"], "justification", ("ivd_class", "Z"), ("device_model", "GR-300")),
    ("global", "justification", STEP_DATA["justification"], "population", ("justification", "x" * 20001), ("ce_marking_plan", "2027")),
    ("global", "population", GLOBAL_POPULATION, "pieces", ("requested_end_date", "31/31/2030"), ("quantity", "300 trousses")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "step", "data", "following", "invalid", "saved"), STEP_CASES)
def test_each_step_with_valid_and_invalid_input(
    operator_a, org_a, kind, step, data, following, invalid, saved
):
    req = factories.RequestFactory(
        organisation=org_a,
        created_by=operator_a,
        **({"global_kind": True} if kind == "global" else {}),
    )
    client = client_for(operator_a)
    response = client.post(step_url(req, step), {**data, "next": ""})
    assert response.status_code == 302 and response["Location"] == step_url(req, following)
    req.refresh_from_db()
    assert all(
        str(getattr(req, name)) == value or name.endswith("_date") or name == "expected_patients"
        for name, value in data.items()
    )
    before = getattr(req, invalid[0])
    response = client.post(
        step_url(req, step), {**data, invalid[0]: invalid[1], saved[0]: saved[1], "next": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "portal-error-summary" in html and f'href="#id_{invalid[0]}"' in html
    req.refresh_from_db()
    assert getattr(req, saved[0]) == saved[1]
    assert getattr(req, invalid[0]) == before


def test_every_step_saves_what_is_valid_and_keeps_the_rest_on_screen(draft_a):
    client = client_for(draft_a.created_by)
    data = {
        **STEP_DATA["patient"],
        "patient_indication": "Autre indication",
        "prescriber_rpps": "12345",
        "save": "",
    }
    response = client.post(step_url(draft_a, "patient"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "RPPS doit comporter 11 chiffres" in html
    assert 'value="12345"' in html  # the raw input stays on screen
    assert "Les champs valides sont enregistrés" in html
    draft_a.refresh_from_db()
    assert draft_a.patient_indication == "Autre indication"  # the valid field is saved
    assert draft_a.prescriber_rpps == ""  # the invalid one is not


def test_create_with_an_error_still_creates_the_draft(operator_a):
    client = client_for(operator_a)
    data = {**STEP_DATA["dispositif"], "contact_email": "pas-une-adresse", "save": ""}
    response = client.post(reverse("derogations:create", args=["individual"]), data)
    assert response.status_code == 200
    req = DerogationRequest.objects.get()
    assert req.device_name == "GenoRare PCR Kit" and req.contact_email == ""
    assert f'action="{step_url(req, "dispositif")}"' in response.content.decode()


def test_an_empty_create_makes_no_draft(operator_a):
    response = client_for(operator_a).post(reverse("derogations:create", args=["global"]), {})
    assert response.status_code == 200
    assert not DerogationRequest.objects.exists()


def test_global_request_steps(operator_a):
    client = client_for(operator_a)
    client.post(
        reverse("derogations:create", args=["global"]), {**STEP_DATA["dispositif"], "next": ""}
    )
    req = DerogationRequest.objects.get()
    assert client.get(step_url(req, "patient")).status_code == 404
    response = client.post(
        step_url(req, "population"),
        {"population": "Nouveau-nés", "expected_patients": "abc", "quantity": "200 trousses",
         "requested_start_date": "2030-01-01", "requested_end_date": "2030-12-31",
         "any_facility": "on", "next": ""},
    )  # fmt: skip
    assert response.status_code == 200
    req.refresh_from_db()
    assert req.population == "Nouveau-nés" and req.any_facility is True
    assert req.expected_patients is None


def test_session_expired_input_comes_back_after_login(draft_a):
    user = draft_a.created_by
    client = client_for(user)
    client.logout()
    data = {**STEP_DATA["justification"], "risks": "Faux négatifs possibles", "save": ""}
    response = client.post(step_url(draft_a, "justification"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]
    client.force_login(user)
    page = client.get(step_url(draft_a, "justification"))
    html = page.content.decode()
    assert "Faux négatifs possibles" in html and "est restaurée" in html
    # Shown once, then saved by the operator.
    assert (
        "Faux négatifs possibles"
        not in client.get(step_url(draft_a, "justification")).content.decode()
    )
    draft_a.refresh_from_db()
    assert (
        draft_a.justification == "Aucune solution diagnostique marquée CE."
    )  # what was saved stays


def test_social_security_number_is_refused_in_french(draft_a):
    client = client_for(draft_a.created_by)
    for value in ("1 85 05 78 006 084 36", "185057800608436", "2850578006084"):
        data = {**STEP_DATA["patient"], "patient_reference": value, "save": ""}
        html = client.post(step_url(draft_a, "patient"), data).content.decode()
        assert "numéro de sécurité sociale" in html, value
    draft_a.refresh_from_db()
    assert draft_a.patient_reference == "JD-CHUEX"


def test_unknown_kind_is_404(operator_a):
    assert client_for(operator_a).get("/demandes/nouvelle/autre/").status_code == 404


def test_colleague_sees_organisation_files_outsider_gets_404(
    draft_a, colleague_a, operator_b, professional
):
    lifecycle.submit(draft_a, draft_a.created_by)
    url = reverse("derogations:detail", args=[draft_a.pk])
    assert client_for(colleague_a).get(url).status_code == 200
    assert client_for(operator_b).get(url).status_code == 404
    assert client_for(professional).get(url).status_code == 404  # no issued decision yet
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]


def test_outsider_cannot_edit_or_withdraw(draft_a, operator_b):
    client = client_for(operator_b)
    assert client.get(reverse("derogations:edit", args=[draft_a.pk])).status_code == 404
    assert client.post(reverse("derogations:edit", args=[draft_a.pk]), FORM_DATA).status_code == 404
    lifecycle.submit(draft_a, draft_a.created_by)
    response = client.post(reverse("derogations:withdraw", args=[draft_a.pk]), {"reason": "x"})
    assert response.status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.status == Status.SUBMITTED


def test_submitted_file_is_frozen(draft_a):
    lifecycle.submit(draft_a, draft_a.created_by)
    before = DerogationRequest.objects.filter(pk=draft_a.pk).values().get()
    client = client_for(draft_a.created_by)
    for url in (
        reverse("derogations:edit", args=[draft_a.pk]),
        step_url(draft_a, "dispositif"),
        step_url(draft_a, "depot"),
    ):
        response = client.post(url, {**FORM_DATA, "device_name": "Autre", "next": ""})
        assert response.status_code == 404
    assert DerogationRequest.objects.filter(pk=draft_a.pk).values().get() == before


def test_double_withdraw_says_already_done(draft_a):
    lifecycle.submit(draft_a, draft_a.created_by)
    client = client_for(draft_a.created_by)
    url = reverse("derogations:withdraw", args=[draft_a.pk])
    client.post(url, {"reason": "Plus nécessaire"})
    response = client.post(url, {"reason": "Plus nécessaire"}, follow=True)
    assert response.status_code == 200
    assert "déjà été traitée" in response.content.decode()
    assert AuditEntry.objects.filter(request=draft_a, action="withdraw").count() == 1


def test_dashboard_lists_only_own_organisation_with_constant_queries(
    operator_a, org_a, org_b, django_assert_max_num_queries
):
    for _ in range(3):
        factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.RequestFactory(organisation=org_b, device_name="Secret B")
    client = client_for(operator_a)
    url = reverse("derogations:dashboard")
    with django_assert_max_num_queries(6):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("GenoRare PCR Kit") == 3
    assert "Secret B" not in html
    for _ in range(10):
        factories.RequestFactory(organisation=org_a, created_by=operator_a)
    with django_assert_max_num_queries(6):
        client.get(url)


def test_dashboard_filters_are_a_get_form_with_a_filter_button(operator_a, org_a):
    """Without JavaScript: the page's own <form method="get"> around the fields, a « Filtrer »
    button and a reset link; what was chosen or typed comes back, escaped."""
    factories.RequestFactory(organisation=org_a, created_by=operator_a, device_name="Kit Alpha")
    factories.submitted(
        factories.RequestFactory(organisation=org_a, created_by=operator_a, device_name="Kit Omega")
    )
    client = client_for(operator_a)
    url = reverse("derogations:dashboard")
    html = client.get(url, {"status": Status.SUBMITTED, "q": '<b>"x'}).content.decode()
    form = re.search(r'<form method="get" class="portal-filters[^>]*>(.*?)</form>', html, re.S)
    assert form, "no GET filter form"
    fields = form.group(1)
    for name in ("q", "status", "kind", "tri"):
        assert f'name="{name}"' in fields
    assert '<button class="fr-btn" type="submit">Filtrer</button>' in fields
    assert f'href="{url}"' in fields and "Réinitialiser" in fields
    assert 'value="&lt;b&gt;&quot;x"' in fields and "<b>" not in fields
    assert f'<option value="{Status.SUBMITTED}" selected>' in fields
    filtered = client.get(url, {"status": Status.SUBMITTED}).content.decode()
    assert "Kit Omega" in filtered and "Kit Alpha" not in filtered
    unknown = client.get(url, {"status": "inconnu"}).content.decode()
    assert "portal-error-summary" in unknown and 'aria-invalid="true"' in unknown
    assert "Kit Omega" in unknown and "Kit Alpha" in unknown  # the invalid filter is ignored


def test_verification_page_valid_and_invalid_codes(draft_a, evaluator, senior, client):
    factories.proposed(draft_a, evaluator)
    decision = lifecycle.validate_decision(draft_a, senior)
    url = reverse("derogations:verify")
    ok = client.get(url, {"code": decision.verification_code.replace("-", "").lower()})
    html = ok.content.decode()
    assert "Ce courrier est authentique" in html and draft_a.created_by.email not in html
    assert DerogationRequest.objects.get().reference in html
    wrong = client.get(url, {"code": "AAAA-BBBB-CCCC"})
    assert "Aucun courrier ne correspond" in wrong.content.decode()
    malformed = client.get(url, {"code": "<script>"})
    assert malformed.status_code == 200
    assert "12 lettres ou chiffres" in malformed.content.decode()
    assert "<script>" not in malformed.content.decode().split("</header>")[-1]


def test_operator_sees_neither_internal_steps_nor_who_holds_the_file(
    operator_a, evaluator, senior, draft_a
):
    from derogations import scenarios

    req = scenarios.bring_to(
        draft_a, Status.DECISION_PROPOSED, scenarios.Cast(operator_a, evaluator, senior)
    )
    assignment.assign(req, evaluator, evaluator)
    assert set(AuditEntry.objects.filter(request=req).values_list("action", flat=True)) >= {
        "assign",
        "propose_decision",
    }
    html = client_for(operator_a).get(reverse("derogations:detail", args=[req.pk])).content.decode()
    assert "En instruction" in html
    assert "Décision proposée" not in html and "Proposition de décision" not in html
    assert "Attribution du dossier" not in html and str(evaluator) not in html
    assert "Demande recevable, mise en instruction" in html  # the public steps stay listed
    staff_html = client_for(evaluator).get(reverse("reviews:file", args=[req.pk])).content.decode()
    assert "Proposition de décision" in staff_html and "Attribution du dossier" in staff_html


def test_verification_page_answers_conditional_gets(draft_a, evaluator, senior, client):
    """A browser that has the page asks again with its validators: 304 while nothing the
    page shows changed, the page again once the derogation is suspended."""
    factories.proposed(draft_a, evaluator)
    decision = lifecycle.validate_decision(draft_a, senior)
    url = reverse("derogations:verify")
    params = {"code": decision.verification_code}
    first = client.get(url, params)
    etag, modified = first.get("ETag"), first.get("Last-Modified")
    assert first.status_code == 200 and etag and modified
    assert "no-cache" in first["Cache-Control"] and "no-store" not in first["Cache-Control"]
    assert client.get(url, params, headers={"if-none-match": etag}).status_code == 304
    assert client.get(url, params, headers={"if-modified-since": modified}).status_code == 304
    other = client.get(url, {"code": "AAAA-BBBB-CCCC"}, headers={"if-none-match": etag})
    assert other.status_code == 200 and "Aucun courrier ne correspond" in other.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url, params, headers={"if-none-match": etag})
    assert english.status_code == 200 and english["ETag"] != etag
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    followup.suspend(DerogationRequest.objects.get(), senior, "Signalement de matériovigilance.")
    again = client.get(url, params, headers={"if-none-match": etag})
    assert again.status_code == 200 and "La dérogation est suspendue" in again.content.decode()
    assert again["ETag"] != etag
    assert client.get(url, params, headers={"if-none-match": again["ETag"]}).status_code == 304

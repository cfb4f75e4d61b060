import pytest
from django.urls import reverse

from derogations import lifecycle
from derogations.enums import Status
from derogations.models import AuditEntry, DerogationRequest
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

FORM_DATA = {
    "contact_email": "ra@example.org",
    "device_name": "GenoRare PCR Kit",
    "device_model": "GR-200",
    "device_reference": "REF-1",
    "ivd_class": "C",
    "manufacturer_name": "Diagnostica Rara",
    "intended_purpose": "Détection d'un variant rare",
    "justification": "Pas de solution marquée CE",
    "expected_benefit": "Traitement adapté",
    "safety_performance_data": "Rapport de performance",
    "alternatives": "Aucune",
    "patient_reference": "JD-1975",
    "urgency": "standard",
    "urgency_reason": "",
    "prescriber_name": "Dr Roux",
    "prescriber_email": "dr.roux@chu.example",
    "prescriber_rpps": "10000000017",
    "facility_name": "CHU Exemple",
    "facility_finess": "750000001",
    "director_name": "L. Garnier",
    "director_email": "direction@chu.example",
}


def test_operator_files_and_submits_individual_request(operator_a, org_a):
    client = client_for(operator_a)
    response = client.post(
        reverse("derogations:create", args=["individual"]), {**FORM_DATA, "submit": ""}
    )
    req = DerogationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("derogations:detail", args=[req.pk])
    assert req.status == Status.SUBMITTED and req.organisation == org_a
    assert req.reference.startswith("DER-IND-")
    page = client.get(response["Location"])
    assert req.reference in page.content.decode()


def test_draft_is_saved_even_when_incomplete_and_errors_name_fields(operator_a):
    client = client_for(operator_a)
    data = {**FORM_DATA, "device_name": "", "alternatives": "", "submit": ""}
    response = client.post(reverse("derogations:create", args=["individual"]), data)
    assert response.status_code == 200
    req = DerogationRequest.objects.get()
    assert req.status == Status.DRAFT
    assert req.manufacturer_name == "Diagnostica Rara"  # nothing typed is lost
    html = response.content.decode()
    assert "Nom commercial du dispositif" in html and "obligatoire pour déposer" in html
    assert 'value="Diagnostica Rara"' in html
    # The operator completes the draft later and submits it.
    response = client.post(reverse("derogations:edit", args=[req.pk]), {**FORM_DATA, "submit": ""})
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED


def test_invalid_rpps_is_refused_in_french_and_keeps_input(operator_a):
    client = client_for(operator_a)
    data = {**FORM_DATA, "prescriber_rpps": "12345", "save": ""}
    response = client.post(reverse("derogations:create", args=["individual"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "RPPS doit comporter 11 chiffres" in html
    assert 'value="12345"' in html
    assert not DerogationRequest.objects.exists()


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
    client = client_for(draft_a.created_by)
    response = client.post(
        reverse("derogations:edit", args=[draft_a.pk]), {**FORM_DATA, "device_name": "Autre"}
    )
    assert response.status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.device_name == "GenoRare PCR Kit"


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
    with django_assert_max_num_queries(6):
        response = client.get(reverse("derogations:dashboard"))
    html = response.content.decode()
    assert html.count("GenoRare PCR Kit") == 3
    assert "Secret B" not in html
    for _ in range(10):
        factories.RequestFactory(organisation=org_a, created_by=operator_a)
    with django_assert_max_num_queries(6):
        client.get(reverse("derogations:dashboard"))


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
    lifecycle.assign(req, evaluator, evaluator)
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

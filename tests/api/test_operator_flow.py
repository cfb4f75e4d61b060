"""An operator files and submits a complete request through the API alone; the evaluator
sees it in the queue (screens and API)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from derogations import requirements
from derogations.models import AuditEntry, DerogationRequest
from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.factories import MINIMAL_PDF

FIELDS = {
    "contact_email": "ra@example.org",
    "device_name": "API PCR Kit",
    "device_model": "AP-1",
    "device_udi_di": "(01) 0400638133393 1",
    "ivd_class": "C",
    "device_type": "kit",
    "regulatory_status": "never_ce",
    "manufacturer_name": "Diagnostica API",
    "intended_purpose": "Détection d'un variant rare",
    "justification": "Aucune solution marquée CE.",
    "expected_benefit": "Traitement adapté.",
    "safety_performance_data": "Rapport de performances.",
    "alternatives": "Aucune.",
    "ce_marking_plan": "Dépôt prévu.",
    "patient_reference": "AB-CHU",
    "patient_age": "1975",
    "patient_indication": "Maladie rare.",
    "urgency": "standard",
    "prescriber_name": "Dr Roux",
    "prescriber_email": "dr.roux@chu.example",
    "facility_name": "CHU Exemple",
    "director_name": "L. Garnier",
    "director_email": "direction@chu.example",
}


@pytest.mark.django_db
def test_operator_files_and_submits_through_the_api_alone(operator_a, evaluator):
    api = token_client(operator_a)
    created = api.post(
        "/api/v1/requests/", {"kind": "individual", "device_name": "Brouillon"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["missing"]

    # Bad input: a French problem, nothing written, what was valid is named.
    bad = api.patch(f"/api/v1/requests/{pk}/", {"device_udi_di": "4006381333932"}, format="json")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert "IUD-ID n'est pas reconnu" in bad.json()["errors"]["device_udi_di"][0]

    # The same in English on request.
    english = api.patch(
        f"/api/v1/requests/{pk}/",
        {"device_udi_di": "4006381333932"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9",
    )
    assert "not recognised" in english.json()["errors"]["device_udi_di"][0]
    assert english["Content-Language"] == "en"

    patched = api.patch(f"/api/v1/requests/{pk}/", FIELDS, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["device_udi_di"] == "04006381333931"

    # Submitting without documents: 422 with what is missing.
    early = api.post(f"/api/v1/requests/{pk}/submit/")
    assert early.status_code == 422
    assert {item["key"] for item in early.json()["missing"]} >= {
        f"attachment:{c}" for c in requirements.required_attachments("individual")
    }

    for category in requirements.required_attachments("individual"):
        upload = api.post(
            f"/api/v1/requests/{pk}/attachments/",
            {"category": category, "file": SimpleUploadedFile(f"{category}.pdf", MINIMAL_PDF)},
            format="multipart",
        )
        assert upload.status_code == 201, upload.content

    submitted = api.post(f"/api/v1/requests/{pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["reference"].startswith("DER-IND-")
    # Same audit entry as the screens' submission.
    entry = AuditEntry.objects.get(request_id=pk, action="submit")
    assert entry.actor == operator_a

    # Twice: a French conflict, not a 500, and no second effect.
    again = api.post(f"/api/v1/requests/{pk}/submit/")
    assert again.status_code == 409
    assert AuditEntry.objects.filter(request_id=pk, action="submit").count() == 1

    # The evaluator sees it: in the queue page and through the agency API.
    queue = client_for(evaluator).get(reverse("reviews:queue"))
    assert DerogationRequest.objects.get(pk=pk).reference in queue.text
    agency = token_client(evaluator, scope="read").get("/api/v1/agency/queue/")
    assert agency.status_code == 200
    assert pk in [row["id"] for row in agency.json()["results"]]


@pytest.mark.django_db
def test_read_token_cannot_write(operator_a):
    api = token_client(operator_a, scope="read")
    response = api.post("/api/v1/requests/", {"kind": "individual"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_session_alone_gives_no_access(operator_a):
    client = client_for(operator_a)
    response = client.post(
        "/api/v1/requests/", {"kind": "individual"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert DerogationRequest.objects.count() == 0


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_refused(operator_a):
    from api.models import ApiToken

    api = token_client(operator_a)
    assert api.get("/api/v1/requests/").status_code == 200
    ApiToken.objects.update(
        created_at=datetime.datetime(1999, 1, 1, tzinfo=datetime.UTC),
        expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
    )
    assert api.get("/api/v1/requests/").status_code == 401

    other = token_client(operator_a)
    assert other.get("/api/v1/requests/").status_code == 200
    token = ApiToken.objects.usable().get()
    client_for(operator_a).post(reverse("api_tokens:revoke", args=[token.pk]))
    assert other.get("/api/v1/requests/").status_code == 401

"""The tokens page (shown once, stored hashed, staff with a second-factor code) and the
per-token rate limit."""

import base64
import hashlib

import pytest
from django.test import override_settings
from django.urls import reverse

from api.models import ApiToken
from tests.api.conftest import token_client
from tests.conftest import client_for
from tests.second_factor import code_for_secret, new_device

URL = "/compte/jetons-api/"


@pytest.mark.django_db
def test_an_operator_creates_a_token_shown_once_and_stored_hashed(operator_a):
    client = client_for(operator_a)
    response = client.post(URL, {"name": "Logiciel qualité", "scope": "read", "days": "90"})
    assert response.status_code == 200
    raw = response.context["created"]
    assert raw.startswith("dmdiv_") and raw in response.text
    token = ApiToken.objects.get(user=operator_a)
    secret = raw.removeprefix("dmdiv_").partition("_")[2]
    assert token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.secret_sha256
    again = client.get(URL)
    assert raw not in again.text and "Logiciel qualité" in again.text


@pytest.mark.django_db
def test_staff_need_a_second_factor_code_and_keep_what_they_typed(senior):
    client = client_for(senior)
    refused = client.post(URL, {"name": "Infocentre", "scope": "read", "days": "30"})
    assert refused.status_code == 400
    assert "Code de double authentification" in refused.text
    assert 'value="Infocentre"' in refused.text
    wrong = client.post(
        URL, {"name": "Infocentre", "scope": "read", "days": "30", "code": "000000"}
    )
    assert wrong.status_code == 400 and not ApiToken.objects.exists()
    device = new_device(senior)
    code = code_for_secret(base64.b32encode(device.bin_key).decode())
    created = client.post(URL, {"name": "Infocentre", "scope": "read", "days": "30", "code": code})
    assert created.status_code == 200 and ApiToken.objects.filter(user=senior).count() == 1


@pytest.mark.django_db
def test_professionals_have_no_tokens(professional):
    assert client_for(professional).get(URL).status_code == 404


@pytest.mark.django_db
def test_revoking_someone_elses_token_is_a_404(operator_a, operator_b):
    token_client(operator_a)
    token = ApiToken.objects.get()
    response = client_for(operator_b).post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.usable().count() == 1


@pytest.mark.django_db
@override_settings(API_RATE_PER_TOKEN="2/min")
def test_rate_limit_per_token(operator_a):
    api = token_client(operator_a)
    assert [api.get("/api/v1/requests/").status_code for _ in range(2)] == [200, 200]
    limited = api.get("/api/v1/requests/", HTTP_ACCEPT_LANGUAGE="en")
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) > 0
    # Another token of the same person has its own budget.
    assert token_client(operator_a).get("/api/v1/requests/").status_code == 200

"""Agency systems: OAuth2 client credentials (api/oauth.py, docs/api.md). The administrator's
application, owned by a staff member, gets a read-only token for an hour and reads the queue
with its owner's rights; nothing else gets a token or writes."""

import base64
import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from api.admin_oauth import AgencyApplicationAdmin
from derogations import access
from derogations.models import OPEN_STATUSES
from tests import factories
from tests.api.conftest import token_client

TOKEN_URL = "/api/oauth/token/"
QUEUE_URL = "/api/v1/agency/queue/"
SECRET = "secret-du-systeme-de-l-agence-0123456789"  # noqa: S105  (a test's client secret)


def agency_system(owner, **kwargs) -> Application:
    fields = {
        "name": "Système de suivi",
        "user": owner,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
        "client_secret": SECRET,
        **kwargs,
    }
    return Application.objects.create(**fields)


def ask_token(application: Application, secret: str = SECRET, **data: str):
    basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
    return APIClient().post(
        TOKEN_URL,
        {"grant_type": "client_credentials", **data},
        format="multipart",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def bearer(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def assert_problem(response, status: int) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


@pytest.mark.django_db
def test_agency_system_reads_the_queue_with_its_owners_rights(evaluator, operator_a, org_a):
    open_file = factories.submitted(
        factories.RequestFactory(organisation=org_a, created_by=operator_a)
    )
    factories.RequestFactory(organisation=org_a, created_by=operator_a)  # a draft: not the agency's
    application = agency_system(evaluator)
    # The secret is stored hashed (the toolkit's default, kept).
    assert application.client_secret != SECRET

    response = ask_token(application, scope="read write")  # asking to write is refused
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    response = ask_token(application)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read"
    assert "refresh_token" not in body

    api = bearer(body["access_token"])
    listed = api.get(QUEUE_URL)
    assert listed.status_code == 200, listed.content
    ids = {row["id"] for row in listed.json()["results"]}
    visible = set(
        access.visible_requests(evaluator)
        .filter(status__in=OPEN_STATUSES)
        .values_list("pk", flat=True)
    )
    assert ids == visible
    assert open_file.pk in ids

    # Read only, whatever it asked: a write is a 403 problem, in French.
    written = api.post(f"/api/v1/agency/requests/{open_file.pk}/follow-up/", {}, format="json")
    assert_problem(written, 403)
    created = api.post("/api/v1/requests/", {}, format="json")
    assert_problem(created, 403)


@pytest.mark.django_db
def test_wrong_secret_other_grants_and_operator_owned_applications_get_no_token(
    evaluator, operator_a
):
    application = agency_system(evaluator)
    assert ask_token(application, secret="pas-le-bon").status_code == 401
    assert (
        ask_token(application, grant_type="password", username="x", password="y").status_code == 400
    )

    operators = agency_system(operator_a, name="Pas un agent")
    response = ask_token(operators)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    # A token issued before its owner left the agency (or was deactivated) no longer reads.
    token = ask_token(application).json()["access_token"]
    evaluator.is_active = False
    evaluator.save(update_fields=["is_active"])
    assert_problem(bearer(token).get(QUEUE_URL), 401)


@pytest.mark.django_db
def test_expired_or_unknown_tokens_are_401_problems_and_personal_tokens_still_work(evaluator):
    token = ask_token(agency_system(evaluator)).json()["access_token"]
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    assert_problem(bearer(token).get(QUEUE_URL), 401)
    assert_problem(bearer("pas-un-jeton").get(QUEUE_URL), 401)
    assert_problem(bearer("dmdiv_abc_pas-un-jeton").get(QUEUE_URL), 401)
    # The access token in the query string is not read: only the Authorization header.
    assert_problem(APIClient().get(QUEUE_URL, {"access_token": token}), 401)
    assert token_client(evaluator).get(QUEUE_URL).status_code == 200


@pytest.mark.django_db
@override_settings(API_RATE_PER_TOKEN="2/min")
def test_rate_limit_per_access_token(evaluator):
    """An access token's budget is its own, not the personal token's with the same pk."""
    personal = token_client(evaluator)
    api = bearer(ask_token(agency_system(evaluator)).json()["access_token"])
    # The same pk in the other table (sequences differ from run to run: made equal here).
    evaluator.api_tokens.update(id=AccessToken.objects.get().pk)
    assert [api.get(QUEUE_URL).status_code for _ in range(2)] == [200, 200]
    assert_problem(api.get(QUEUE_URL), 429)
    assert personal.get(QUEUE_URL).status_code == 200


@pytest.mark.django_db
def test_admin_form_accepts_only_confidential_client_credentials_owned_by_staff(
    evaluator, operator_a, administrator
):
    request = RequestFactory().get("/admin/")
    request.user = administrator
    admin_form = AgencyApplicationAdmin(Application, admin.site).get_form(request)

    def errors(**fields):
        data = {
            "client_id": "id-agence",
            "client_secret": SECRET,
            "name": "Système",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
            "user": evaluator.pk,
            "algorithm": "",
            "redirect_uris": "",
            "post_logout_redirect_uris": "",
            "allowed_origins": "",
            "registration_source": "manual",
            **fields,
        }
        form = admin_form(data=data)
        return set(form.errors) if not form.is_valid() else set()

    assert errors() == set()
    assert errors(user=operator_a.pk) == {"user"}
    assert errors(client_type=Application.CLIENT_PUBLIC) == {"client_type"}
    assert errors(authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE) == {
        "authorization_grant_type"
    }


@pytest.mark.django_db
def test_token_endpoint_takes_no_session(administrator):
    """Not a page: no session counts there (signed in as the administrator, no client
    authentication is still a 401), and GET is not an answer."""
    client = APIClient()
    client.force_login(administrator)
    assert client.get(TOKEN_URL).status_code == 405
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, format="multipart")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"

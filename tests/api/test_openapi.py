"""The OpenAPI description validates (openapi-spec-validator), and schemathesis, fed with
it, finds no 500 and no answer outside it (status, content type, body) on any operation.

Bounded: a few examples per operation (SCHEMATHESIS_EXAMPLES, default 3), the same on
every run unless SCHEMATHESIS_RANDOM=1.
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import positive_data_acceptance

from api.views_reference import openapi_description
from derogations import lifecycle
from tests import factories
from tests.api.conftest import token_client

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
# The same examples on every run (CI stays reproducible); SCHEMATHESIS_RANDOM=1 explores.
DERANDOMIZE = os.environ.get("SCHEMATHESIS_RANDOM") != "1"


def test_the_description_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    description = json.loads(response.content)
    assert description["openapi"] == "3.1.0"
    validate(description)  # raises on an invalid description


def test_the_registry_export_follows_its_published_json_schema(client, db):
    import jsonschema

    schema = client.get("/api/v1/registry/schema.json").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    org = factories.OrganisationFactory()
    operator = factories.operator_of(org)
    granted = factories.RequestFactory(organisation=org, created_by=operator, global_kind=True)
    factories.proposed(granted, factories.UserFactory(evaluator=True))
    lifecycle.validate_decision(granted, factories.UserFactory(senior=True))
    export = json.loads(b"".join(client.get("/registre/export.json").streaming_content))
    assert len(export) == 1
    jsonschema.validate(export, schema)
    page = client.get("/api/v1/registry/").json()
    jsonschema.validate(page["results"], schema)
    etag = client.get("/api/v1/registry/")["ETag"]
    assert client.get("/api/v1/registry/", HTTP_IF_NONE_MATCH=etag).status_code == 304


class _InTestTransaction:
    """The project's WSGI application, run inside the test's transaction: Django closes
    the database connection at the end of each request (close_old_connections), which
    would end the test's transaction; the test client does the same."""

    def __init__(self) -> None:
        self.app = get_wsgi_application()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return self.app(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(openapi_description())
schema.app = _InTestTransaction()


@pytest.fixture
def tokens_by_role(db, org_a, operator_a, evaluator):
    """An operator's write token and an evaluator's read token (the ids schemathesis
    generates are random: the operations' answers on real files are in test_api_matrix.py
    and test_operator_flow.py)."""
    factories.RequestFactory(organisation=org_a, created_by=operator_a, documents=False)
    return {
        "operator": token_client(operator_a)._credentials["HTTP_AUTHORIZATION"],
        "evaluator": token_client(evaluator, scope="read")._credentials["HTTP_AUTHORIZATION"],
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=DERANDOMIZE,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_no_answer_outside_the_description(case, tokens_by_role):
    role = "evaluator" if case.path.startswith("/api/v1/agency/") else "operator"
    # identity: the WSGI transport does not decompress what GZipMiddleware compresses.
    headers = {"Authorization": tokens_by_role[role], "Accept-Encoding": "identity"}
    # Not "schema-valid data is accepted": the description cannot state a check digit
    # (RPPS, FINESS, UDI-DI), so a schema-valid identifier may rightly get a 400.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

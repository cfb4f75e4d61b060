"""Every API endpoint, called by every role with its token (none for anonymous), for GET,
POST and PATCH with an empty body: the answers below, and nothing changes. Objects belong to
organisation A (the screens' matrix world, tests/test_permission_matrix.py)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from derogations.models import Attachment, AuditEntry, DerogationRequest, Supply
from tests.api.conftest import token_client
from tests.test_permission_matrix import discovered_url_names, world  # noqa: F401  (fixture)

ROLES = ["anonymous", "operator_a", "operator_b", "evaluator", "senior", "admin"]

# name: (GET, POST, PATCH) codes, one per role in ROLES order.
EXPECTED: dict[str, tuple[tuple[int, ...], ...]] = {
    #                                anon op_a op_b  ev   se  adm
    "api:openapi":                  ((200,) * 6, (405,) * 6, (405,) * 6),
    "api:registry":                 ((200,) * 6, (405,) * 6, (405,) * 6),
    "api:registry_schema":          ((200,) * 6, (405,) * 6, (405,) * 6),
    # Operators' files: organisation A's operator; the agency reads submitted files.
    "api:requests":                 ((401, 200, 200, 200, 200, 200), (401, 400, 400, 403, 403, 403), (401, 405, 405, 405, 405, 405)),
    "api:request":                  ((401, 200, 404, 200, 200, 200), (401, 405, 405, 405, 405, 405), (401, 409, 404, 403, 403, 403)),
    "api:attachments":              ((401, 200, 404, 200, 200, 200), (401, 415, 404, 403, 403, 403), (401, 405, 405, 405, 405, 405)),
    "api:submit":                   ((401, 405, 405, 403, 403, 403), (401, 409, 404, 403, 403, 403), (401, 405, 405, 403, 403, 403)),
    "api:withdraw":                 ((401, 405, 405, 403, 403, 403), (401, 409, 404, 403, 403, 403), (401, 405, 405, 403, 403, 403)),
    "api:complements":              ((401, 200, 404, 200, 200, 200), (401, 400, 404, 403, 403, 403), (401, 405, 405, 405, 405, 405)),
    "api:acts":                     ((401, 200, 404, 200, 200, 200), (401, 405, 405, 405, 405, 405), (401, 405, 405, 405, 405, 405)),
    "api:act_letter":               ((401, 200, 404, 200, 200, 200), (401, 405, 405, 405, 405, 405), (401, 405, 405, 405, 405, 405)),
    "api:supplies":                 ((401, 200, 404, 200, 200, 200), (401, 400, 404, 403, 403, 403), (401, 405, 405, 405, 405, 405)),
    # Agency systems: staff tokens only, read only.
    "api:agency_queue":             ((401, 403, 403, 200, 200, 200), (401, 403, 403, 405, 405, 405), (401, 403, 403, 405, 405, 405)),
    "api:agency_decisions":         ((401, 403, 403, 200, 200, 200), (401, 403, 403, 405, 405, 405), (401, 403, 403, 405, 405, 405)),
    "api:agency_follow_up":         ((401, 403, 403, 200, 200, 200), (401, 403, 403, 405, 405, 405), (401, 403, 403, 405, 405, 405)),
    "api:agency_union_notification": ((401, 403, 403, 200, 200, 200), (401, 403, 403, 405, 405, 405), (401, 403, 403, 405, 405, 405)),
    # The organisation's webhook: its admins (operator A administers organisation A).
    "api:webhook":                  ((401, 200, 404, 403, 403, 403), (401, 405, 405, 403, 403, 403), (401, 200, 404, 403, 403, 403)),
    "api:webhook_deliveries":       ((401, 200, 404, 403, 403, 403), (401, 405, 405, 403, 403, 403), (401, 405, 405, 403, 403, 403)),
}  # fmt: skip
NOT_ENDPOINTS = {
    "api:reference",  # a page: tests/test_permission_matrix.py
    "api:not_found",  # any other path: a 404 problem (test_openapi.py)
}


def api_url(name: str, w) -> str:
    granted = w["granted"]
    if name == "api:act_letter":
        return reverse(name, args=[granted.pk, w["decision"].pk])
    if name.startswith("api:webhook"):
        return reverse(name, args=[w["organisation"].pk])
    if name == "api:agency_union_notification":
        return reverse(name, args=[w["global_granted"].pk])
    pattern = dict(discovered_url_names())[name].pattern
    if "pk" in getattr(pattern, "converters", {}):
        return reverse(name, args=[granted.pk])
    return reverse(name)


def test_every_endpoint_has_a_declared_expectation():
    names = {n for n, _ in discovered_url_names() if n.startswith("api:")} - NOT_ENDPOINTS
    assert names == set(EXPECTED)


def _snapshot():
    return (
        list(DerogationRequest.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        AuditEntry.objects.count(),
        Attachment.objects.count(),
        Supply.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_matrix(world, name):  # noqa: F811
    url = api_url(name, world)
    clients = {
        role: APIClient() if role == "anonymous" else token_client(world["users"][role])
        for role in ROLES
    }
    before = _snapshot()
    got = []
    for method in ("get", "post", "patch"):
        codes = []
        for role in ROLES:
            response = getattr(clients[role], method)(url, {}, format="json")
            if response.streaming:
                b"".join(response.streaming_content)
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", (role, method)
            codes.append(response.status_code)
        got.append(tuple(codes))
    assert tuple(got) == EXPECTED[name], dict(zip(("GET", "POST", "PATCH"), got, strict=True))
    assert _snapshot() == before

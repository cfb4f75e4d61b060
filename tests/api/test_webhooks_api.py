"""The organisation's webhook through the API: its admins, a write token to change it."""

import pytest

from accounts.models import Membership
from notifications.models import WebhookEndpoint
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_an_admin_manages_the_webhook(operator_a, colleague_a, org_a):
    Membership.objects.filter(user=operator_a).update(is_admin=True)
    url = f"/api/v1/organisations/{org_a.pk}/webhook/"
    api = token_client(operator_a)
    assert api.get(url).status_code == 404  # none yet
    refused = api.put(url, {"url": "http://recepteur.example/h"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["url"] == ["L'adresse doit commencer par https://."]
    created = api.put(url, {"url": "https://recepteur.example/h"}, format="json")
    assert created.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert created.json()["secret"] == endpoint.secret
    changed = api.put(url, {"url": "https://recepteur.example/autre"}, format="json")
    assert changed.status_code == 200
    assert "secret" not in changed.json()
    rotated = api.patch(url, {"rotate_secret": True, "is_active": False}, format="json")
    endpoint.refresh_from_db()
    assert rotated.json()["secret"] == endpoint.secret
    assert not endpoint.is_active
    assert api.get(f"{url}deliveries/").json() == []
    # A read token reads only; a member who is not an admin gets 404.
    read = token_client(operator_a, scope="read")
    assert read.get(url).status_code == 200
    assert read.patch(url, {"is_active": True}, format="json").status_code == 403
    assert token_client(colleague_a).get(url).status_code == 404

"""The organisation's webhook page: its admins only, French errors keeping what was typed,
the secret shown once, the delivery log with a fixed number of queries."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from notifications.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a(operator_a):
    Membership.objects.filter(user=operator_a).update(is_admin=True)
    return operator_a


def test_an_admin_registers_a_url_and_sees_the_secret_once(admin_a, org_a, colleague_a):
    url = reverse("notifications:webhook", args=[org_a.pk])
    client = client_for(admin_a)
    response = client.post(url, {"url": "http://recepteur.example/hook"})
    assert response.status_code == 400
    assert "L&#x27;adresse doit commencer par https://." in response.content.decode()
    assert 'value="http://recepteur.example/hook"' in response.content.decode()
    assert not WebhookEndpoint.objects.exists()

    response = client.post(url, {"url": "https://recepteur.example/hook"})
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert endpoint.created_by == admin_a
    assert endpoint.secret not in client.get(url).content.decode()

    response = client.post(reverse("notifications:webhook_rotate", args=[org_a.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in response.content.decode()

    client.post(reverse("notifications:webhook_active", args=[org_a.pk]), {"active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    # A colleague who is not an admin of the organisation: 404.
    assert client_for(colleague_a).get(url).status_code == 404


def test_the_delivery_log(admin_a, org_a, django_assert_num_queries):
    client = client_for(admin_a)
    url = reverse("notifications:webhook", args=[org_a.pk])
    WebhookEndpoint.objects.create(
        organisation=org_a, url="https://recepteur.example/hook", secret="s", created_by=admin_a
    )
    client.get(url)  # the session and the user cached

    def rows(count):
        """Acts on the organisation's files: each writes its delivery row."""
        for _ in range(count):
            factories.submitted(factories.RequestFactory(organisation=org_a, created_by=admin_a))

    rows(1)
    with django_assert_num_queries(5) as first:
        response = client.get(url)
    assert WebhookDelivery.objects.get().status == WebhookStatus.PENDING
    assert "Accusé de réception" in response.content.decode()
    rows(3)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)

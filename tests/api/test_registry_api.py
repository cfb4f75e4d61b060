"""The public registry through the API: the same entries as the registry's pages, and an
ETag that a client sends back to get 304 while nothing changed."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from derogations import scenarios
from derogations.enums import Status
from derogations.scenarios import Cast
from tests import factories

pytestmark = pytest.mark.django_db


def test_registry_lists_a_granted_global_derogation_and_answers_its_etag(
    org_a, operator_a, evaluator, other_senior
):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    scenarios.bring_to(req, Status.GRANTED, Cast(operator_a, evaluator, other_senior))
    client = APIClient()
    first = client.get(reverse("api:registry"))
    assert first.status_code == 200, first.content
    assert req.reference in first.content.decode()
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = client.get(reverse("api:registry"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    changed = client.get(reverse("api:registry"), HTTP_IF_NONE_MATCH='"autre"')
    assert changed.status_code == 200

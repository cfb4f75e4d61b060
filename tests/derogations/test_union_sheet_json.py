"""The Art. 54(2) notification sheet as structured data: downloaded by staff, and the same
through the agency API."""

import json

import pytest
from django.urls import reverse

from derogations import lifecycle
from tests import factories
from tests.api.conftest import token_client
from tests.conftest import client_for


@pytest.mark.django_db
def test_the_sheet_fields_as_json(org_a, operator_a, evaluator, senior):
    granted = factories.RequestFactory(
        organisation=org_a, created_by=operator_a, global_kind=True, device_udi_di="4006381333931"
    )
    factories.proposed(granted, evaluator)
    lifecycle.validate_decision(granted, senior)
    granted.refresh_from_db()
    response = client_for(evaluator).get(reverse("derogations:union_sheet_json", args=[granted.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-notification-art54-2.json"')
    sheet = json.loads(response.content)
    assert sheet["member_state"] == "FR"
    assert sheet["national_reference"] == granted.reference
    assert sheet["device"]["udi_di"] == "4006381333931"
    assert sheet["economic_operator"]["name"] == org_a.name
    assert sheet["expected_patients"] == granted.expected_patients
    api = token_client(evaluator, scope="read")
    assert api.get(f"/api/v1/agency/requests/{granted.pk}/union-notification/").json() == sheet
    assert (
        client_for(operator_a)
        .get(reverse("derogations:union_sheet_json", args=[granted.pk]))
        .status_code
        == 404
    )

"""Device and actor identifiers: the issuing entities' rules, the normal form, the form."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from derogations import filing, identifiers
from derogations.models import DerogationRequest
from derogations.www.operators.forms import RequestStepForm
from tests import factories

# GS1 General Specifications' GMN example and the limits GS1's reference tests use
# (github.com/gs1/gmn-helpers).
VALID_GMN = ["1987654Ad4X4bL5ttr2310c2K", "12345ANJ", "12345678901234567890123NT", "00000!HV"]


@pytest.mark.parametrize(
    ("typed", "normal", "entity"),
    [
        ("4006381333931", "4006381333931", "gs1"),  # GTIN-13
        ("(01) 0400638133393 1", "04006381333931", "gs1"),  # GTIN-14 with its AI
        ("96385074", "96385074", "gs1"),  # GTIN-8
        ("1987654Ad4X4bL5ttr2310c2K", "1987654Ad4X4bL5ttr2310c2K", "gs1"),  # GMN, case kept
        ("+h123abc01", "+H123ABC01", "hibcc"),
        ("=/A9999XYZ100", "=/A9999XYZ100", "iccbba"),
    ],
)
def test_valid_identifiers_in_normal_form(typed, normal, entity):
    assert identifiers.normalise_udi_di(typed) == normal
    assert identifiers.issuing_entity(normal) == entity
    identifiers.validate_udi_di(normal)


@pytest.mark.parametrize("gmn", VALID_GMN)
def test_gmn_check_pair(gmn):
    assert identifiers.gmn_check_characters(gmn[:-2]) == gmn[-2:]


@pytest.mark.parametrize(
    "value",
    [
        "4006381333932",  # wrong GTIN check digit
        "1987654Ad4X4bL5ttr2310cXK",  # wrong GMN check pair
        "1987654AD4X4BL5TTR2310C2K",  # a GMN is case-sensitive
        "+1123ABC01",  # HIBCC labeler code starts with a letter
        "+H123",  # no product number nor unit
        "ABC",
        "12345",
    ],
)
def test_invalid_identifiers_are_refused_in_french(value):
    with pytest.raises(ValidationError) as caught:
        identifiers.validate_udi_di(value)
    assert "IUD-ID n'est pas reconnu" in caught.value.messages[0]


def test_srn_normal_form():
    assert identifiers.normalise_srn(" fr mf 000012345 ") == "FR-MF-000012345"
    assert identifiers.normalise_srn("fr–mf–000012345") == "FR-MF-000012345"


def _device_form(data, kind="individual"):
    step = filing.step_of(kind, "dispositif")
    return RequestStepForm(data=data, kind=kind, step=step)


def test_form_stores_the_normal_form():
    form = _device_form({"device_udi_di": " (01) 0400638133393 1 ", "device_name": "X"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["device_udi_di"] == "04006381333931"


def test_form_refuses_a_bad_check_digit_and_keeps_what_was_typed():
    form = _device_form({"device_udi_di": "4006381333932", "device_name": "Kit"})
    assert not form.is_valid()
    assert "IUD-ID n'est pas reconnu" in form.errors["device_udi_di"][0]
    assert form["device_udi_di"].value() == "4006381333932"
    assert form.valid_values()["device_name"] == "Kit"


def test_patient_step_checks_finess_and_rpps_keys():
    step = filing.step_of("individual", "patient")
    form = RequestStepForm(
        data={
            "facility_finess": "750000001",
            "prescriber_rpps": "10000000008",
            "urgency": "standard",
        },
        kind="individual",
        step=step,
    )
    assert not form.is_valid()
    assert "clé de contrôle" in form.errors["facility_finess"][0]
    assert "RPPS" in form.errors["prescriber_rpps"][0]


@pytest.mark.django_db
def test_dashboard_search_finds_the_normal_form(org_a, operator_a):
    from tests.conftest import client_for

    factories.RequestFactory(
        organisation=org_a,
        created_by=operator_a,
        device_udi_di="4006381333931",
        device_name="Trousse trouvée",
    )
    factories.RequestFactory(organisation=org_a, created_by=operator_a, device_name="Autre kit")
    response = client_for(operator_a).get("/demandes/", {"q": " 400 6381 333931"})
    assert response.status_code == 200
    assert "Trousse trouvée" in response.text and "Autre kit" not in response.text


@pytest.mark.django_db
def test_migration_normalises_existing_identifiers(org_a, operator_a):
    import importlib

    migration = importlib.import_module(
        "derogations.migrations.0022_device_identifiers_normal_form"
    )
    draft = factories.RequestFactory(
        organisation=org_a,
        created_by=operator_a,
        device_udi_di=" (01)0400638133393 1",
        facility_finess="2a1234567",
    )
    migration.normalise_identifiers(apps, None)
    draft = DerogationRequest.objects.get(pk=draft.pk)
    assert (draft.device_udi_di, draft.facility_finess) == ("04006381333931", "2A1234567")

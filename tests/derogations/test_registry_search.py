"""The registry's search reads a stored document of the public columns (migration
derogations 0021, PostgreSQL): accents and case ignored, kept current by its trigger, and
never the private ones. SQLite searches by substring."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from derogations.models import DerogationRequest
from derogations.registry import RegistryFilterForm
from tests import factories
from tests.derogations.test_registry import CANARIES, grant_global, page_refs

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored search document"
)


def found(text: str) -> list[str]:
    return page_refs(Client().get(reverse("derogations:registry"), {"q": text}))


@pytest.fixture
def emerald(evaluator, senior):
    org = factories.OrganisationFactory(name="Laboratoires Émeraude")
    return grant_global(
        org,
        evaluator,
        senior,
        device_name="Génotypage Éclair",
        device_model="Modèle Zéphyr",
        manufacturer_name="Biologie Œnone",
    )


def test_search_ignores_case(emerald):
    assert found("laboratoires") == [emerald.reference]
    assert found("LABORATOIRES") == [emerald.reference]
    assert found(emerald.reference.lower()) == [emerald.reference]
    assert found("introuvable") == []


@postgresql_only
def test_search_ignores_accents_on_every_public_column(emerald):
    for text in ("genotypage", "GÉNOTYPAGE", "eclair", "zephyr", "MODELE", "emeraude"):
        assert found(text) == [emerald.reference], text
    # Two words, and a word with another accent than the one stored.
    assert found("genotypage emeraude") == [emerald.reference]
    assert found("zèphyr") == [emerald.reference]


@postgresql_only
def test_private_columns_are_not_searched(emerald):
    assert found("CANARY-NOTE-PRIVEE") == []
    assert found(CANARIES["patient_reference"]) == []


@postgresql_only
def test_the_document_follows_renames_and_edits(emerald):
    org = emerald.organisation
    org.name = "Diagnostics Sigma"
    org.save()
    assert found("emeraude") == []
    assert found("sigma") == [emerald.reference]
    DerogationRequest.objects.filter(pk=emerald.pk).update(manufacturer_name="Fabricant Oméga")
    assert found("oenone") == []
    assert found("omega") == [emerald.reference]


def test_the_filter_form_is_kept_per_input_not_per_address():
    """Its markup's cache key (templates/registry/list.html) ignores the page and any
    other parameter of the address."""

    def key(**params):
        return RegistryFilterForm(params or None).input_key

    assert key(q="x", classe="C") == key(q="x", classe="C", page="3", v="7")
    assert key(q="x") != key(q="y")
    assert key(tri="-fin") != key(tri="fin")
    assert key() == ""

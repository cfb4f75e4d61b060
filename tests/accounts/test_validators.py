import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.validators import normalise_siret, validate_rpps, validate_siret, validate_srn


@pytest.mark.parametrize(
    "value",
    [
        "812345676",  # SIREN
        "81234567600017",  # SIRET of that SIREN
        "812 345 676",  # as people type it
        "812.345.676.00017",
        "732829320",  # a real SIREN
        "356000000",  # La Poste's SIREN follows Luhn
        "35600000049837",  # a La Poste SIRET: digits sum to 45, a multiple of 5 (not Luhn)
        "35600000000048",  # La Poste's head office: Luhn-valid
    ],
)
def test_valid_siren_siret(value):
    validate_siret(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("81234567600018", "checksum"),
        ("812345677", "checksum"),
        ("35600000049838", "checksum"),  # La Poste: sum 46, and not Luhn either
        ("35600000049836", "checksum"),
        ("12345678900007", "checksum"),  # SIRET Luhn-valid but its SIREN is not
        ("1234", "format"),
        ("abcdefghi", "format"),
        ("8123456760001", "format"),  # 13 digits
        ("", "format"),
    ],
)
def test_invalid_siren_siret(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_siret(value)
    assert exc.value.code == code


def test_la_poste_rule_applies_only_to_la_poste():
    # Same digit sum rule on another SIREN: rejected, since only Luhn counts there.
    assert sum(int(c) for c in "81234567600035") % 5 == 0
    with pytest.raises(ValidationError):
        validate_siret("81234567600035")


def test_the_messages_are_french():
    with translation.override("fr"):
        with pytest.raises(ValidationError) as exc:
            validate_siret("812345677")
        assert "clé de contrôle" in str(exc.value.messages[0])


def test_normalise_siret_keeps_digits():
    assert normalise_siret(" 812 345-676.00017 ") == "81234567600017"


@pytest.mark.parametrize("value", ["FR-MF-000001234", "DE-AR-123456789", "FR-IM-000000001"])
def test_valid_srn(value):
    validate_srn(value)


@pytest.mark.parametrize(
    "value", ["FR-XX-000001234", "FR-MF-1234", "fr-mf-000001234", "FRMF000001234"]
)
def test_invalid_srn(value):
    with pytest.raises(ValidationError):
        validate_srn(value)


def test_rpps_checksum():
    validate_rpps("10000000017")
    for bad in ("10000000018", "1000000001", "1000000001a"):
        with pytest.raises(ValidationError):
            validate_rpps(bad)

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import validate_rpps, validate_siret


@pytest.mark.parametrize("value", ["812345676", "81234567600017", "812 345 676", "35600000049837"])
def test_valid_siren_siret(value):
    validate_siret(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("81234567600018", "checksum"),
        ("812345677", "checksum"),
        ("1234", "format"),
        ("abcdefghi", "format"),
    ],
)
def test_invalid_siren_siret(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_siret(value)
    assert exc.value.code == code


def test_rpps_checksum():
    validate_rpps("10000000017")
    for bad in ("10000000018", "1000000001", "1000000001a"):
        with pytest.raises(ValidationError):
            validate_rpps(bad)

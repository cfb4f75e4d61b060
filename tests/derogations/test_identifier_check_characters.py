"""The HIBCC (modulo 43) and ICCBBA (ISO/IEC 7064 MOD 37-2) check characters, with the
published examples cited in derogations/identifiers.py."""

import pytest
from django.core.exceptions import ValidationError

from derogations import identifiers


@pytest.mark.parametrize(
    ("data", "check"),
    [
        ("+A123BJC5D6E71", "G"),  # Zebra DS9908 manual, "Health Industry - HIBCC43"
        ("+A1234BJC5D6E71", "K"),  # esatclear.ie, "Calculation of Modulus 43"
    ],
)
def test_hibcc_published_examples(data, check):
    assert identifiers.hibcc_check_character(data) == check


def test_iso7064_mod37_2_published_example():
    # UK Blood Services "Red Book", Annex 2: donation number G123 498 654 321 → H.
    assert identifiers.iso7064_mod37_2("G123498654321") == "H"


def test_a_hibcc_di_typed_with_its_check_character():
    assert identifiers.issuing_entity("+A123BJC5D6E71G") == "hibcc"
    assert identifiers.issuing_entity(identifiers.normalise_udi_di("+a123bjc5d6e71g")) == "hibcc"
    with pytest.raises(ValidationError) as caught:
        identifiers.validate_udi_di("+A123BJC5D6E71H")  # a wrong check character
    assert "IUD-ID n'est pas reconnu" in caught.value.messages[0]


def test_an_iccbba_di_typed_with_its_check_character():
    check = identifiers.iso7064_mod37_2("A9999XYZ100")
    for value in (f"A9999XYZ100{check}", f"=/A9999XYZ100{check}"):
        assert identifiers.issuing_entity(value) == "iccbba"
    wrong = identifiers.MOD37[(identifiers.MOD37.index(check) + 1) % 37]
    with pytest.raises(ValidationError):
        identifiers.validate_udi_di(f"=/A9999XYZ100{wrong}")

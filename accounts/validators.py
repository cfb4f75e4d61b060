from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    """A SIREN (9 digits) or SIRET (14 digits, whose first 9 are its SIREN), Luhn-checked.

    La Poste's SIRETs (SIREN 356000000) use a different rule: the digits sum to a
    multiple of 5.
    """
    digits = value.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (9, 14):
        raise ValidationError(
            _("Saisissez un SIREN (9 chiffres) ou un SIRET (14 chiffres)."), code="format"
        )
    if len(digits) == 14 and digits.startswith("356000000"):
        if sum(int(c) for c in digits) % 5 == 0:
            return
    elif luhn_is_valid(digits) and luhn_is_valid(digits[:9]):
        return
    raise ValidationError(
        _("Ce numéro SIREN/SIRET n'est pas valide (clé de contrôle incorrecte)."), code="checksum"
    )


def validate_rpps(value: str) -> None:
    """An RPPS number: 11 digits with a Luhn key."""
    if not value.isdigit() or len(value) != 11 or not luhn_is_valid(value):
        raise ValidationError(
            _("Le numéro RPPS doit comporter 11 chiffres avec une clé de contrôle valide."),
            code="rpps",
        )

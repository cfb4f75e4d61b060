import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's SIREN: its establishments' SIRETs do not follow the Luhn key (see validate_siret).
LA_POSTE_SIREN = "356000000"
SRN_PATTERN = re.compile(r"^[A-Z]{2}-(MF|AR|IM|PR)-\d{9}$")


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


def normalise_siret(value: str) -> str:
    """What people type ("812 345 676 00017", "812.345.676") reduced to its digits."""
    return re.sub(r"[\s.\-]", "", value)


def validate_siret(value: str) -> None:
    """A SIREN (9 digits) or SIRET (14 digits, whose first 9 are its SIREN), Luhn-checked.

    La Poste's SIRETs (SIREN 356000000) use a different rule: the digits sum to a
    multiple of 5 (its head office, 356 000 000 00048, also satisfies the Luhn key).
    """
    digits = normalise_siret(value)
    if not digits.isdigit() or len(digits) not in (9, 14):
        raise ValidationError(
            _("Saisissez un SIREN (9 chiffres) ou un SIRET (14 chiffres)."), code="format"
        )
    if len(digits) == 14 and digits.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in digits) % 5 == 0 or luhn_is_valid(digits):
            return
    elif luhn_is_valid(digits) and luhn_is_valid(digits[:9]):
        return
    raise ValidationError(
        _("Ce numéro SIREN/SIRET n'est pas valide (clé de contrôle incorrecte)."), code="checksum"
    )


def validate_srn(value: str) -> None:
    """An EUDAMED single registration number: country, actor type, 9 digits (FR-MF-000001234)."""
    if not SRN_PATTERN.match(value):
        raise ValidationError(
            _(
                "Le SRN s'écrit sous la forme FR-MF-000001234 : code pays, type d'acteur "
                "(MF, AR, IM ou PR) et 9 chiffres."
            ),
            code="srn",
        )


def validate_rpps(value: str) -> None:
    """An RPPS number: 11 digits with a Luhn key."""
    if not value.isdigit() or len(value) != 11 or not luhn_is_valid(value):
        raise ValidationError(
            _("Le numéro RPPS doit comporter 11 chiffres avec une clé de contrôle valide."),
            code="rpps",
        )

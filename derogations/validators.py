"""Validators of the request's fields."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.validators import luhn_is_valid

# A French social security number (NIR): sex (1, 2, or 3, 4, 7, 8 for temporary numbers),
# year (2 digits), month (01-12, 20-42 or 50-99 for unknown months), department (2 digits,
# 2A or 2B), commune (3 digits), order (3 digits), then optionally its 2-digit key; written
# with or without spaces, dots or dashes between the groups. Deliberately broad: any run of
# 13 to 15 digits in that shape is refused, whether or not its key is right.
_SEP = r"[\s.\-]?"
_NIR = re.compile(
    rf"(?<![0-9A-Za-z])[1-478]{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}(?:\d{{2}}|2[ABab]){_SEP}"
    rf"\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d{{2}})?(?![0-9A-Za-z])"
)
# Any other long run of digits (13 or more, separators allowed) is refused too: it may be a
# badly typed NIR, and no pseudonymised reference needs one.
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){12,}(?!\d)")


def looks_like_social_security_number(value: str) -> bool:
    return bool(_NIR.search(value) or _LONG_DIGITS.search(value))


def validate_no_social_security_number(value: str) -> None:
    """Refuse text that looks like a French social security number (GDPR minimisation)."""
    if value and looks_like_social_security_number(str(value)):
        raise ValidationError(
            _(
                "Ce champ semble contenir un numéro de sécurité sociale. Ne le saisissez jamais : "
                "identifiez le patient par ses initiales ou par un code interne de l'établissement."
            ),
            code="social_security_number",
        )


# A FINESS number (Fichier national des établissements sanitaires et sociaux) has 9
# characters: the department (2 characters), a 6-digit order number and a check key, the
# Luhn key of the 9 characters (a valid number's Luhn sum is a multiple of 10), like the
# SIREN's. Source: the identifier's structure in the FINESS nomenclature
# (finess.esante.gouv.fr); the offline search available when this was written found no
# authoritative page to re-read, so the rule is the one the brief states.
# Corsica's departments are written 2A and 2B: the key rule for them could not be
# confirmed, so those numbers are checked for their shape only.
_FINESS_CORSICA = re.compile(r"^2[AB]\d{7}$")


def normalise_finess(value: str) -> str:
    """What people type ("75 000 000 1", "750.000.001") reduced to its characters."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_finess(value: str) -> None:
    if _FINESS_CORSICA.match(value):
        return
    if not (value.isascii() and value.isdigit() and len(value) == 9):
        raise ValidationError(_("Le numéro FINESS comporte 9 chiffres."), code="format")
    if not luhn_is_valid(value):
        raise ValidationError(
            _("Ce numéro FINESS n'est pas valide (clé de contrôle incorrecte)."), code="checksum"
        )

"""Validators of the request's fields."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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

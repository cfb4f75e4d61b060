"""One form for every email address: the form it is stored, compared and counted under.

Why: addresses were unique on ``lower(email)`` but looked up with ``email__iexact``
(``UPPER()`` in PostgreSQL), and ``upper('ı') = 'I'``: an account created as
``claire.martin@dıagnostica-rara.example`` made the real user's login find two accounts, and
each such variant had its own lockout counter. Now an address is normalised once, where it
enters (forms, services, OIDC claims, the model fields themselves on save and on lookup), and
compared by equality only.

The normal form (our choice):
- Unicode NFKC, then case folding (``str.casefold``), then NFKC again, of the whole address,
  spaces around removed. Folding the local part too departs from RFC 5321 (which lets a
  server tell ``Claire`` from ``claire``), as every large provider does and as the portal
  always did (it stored addresses in lower case): one person, one account.
- The domain in its ASCII form (IDNA 2008 with the UTS #46 mapping), e.g.
  ``dıagnostica-rara.example`` → ``xn--dagnostica-rara-7kc.example``: a dotless ı is another
  domain, never ``i``; ``ＥＸＡＭＰＬＥ.fr`` (full width) is ``example.fr``; ``straße.de`` is
  ``strasse.de`` (case folding maps ß to ss).
- The local part must then be ASCII (``is_acceptable``): Python's case-insensitive
  regular expressions (Django's EmailValidator) let ``ı``, ``ſ`` or the Kelvin sign through
  as if they were ``i``, ``s`` and ``k``; we refuse them instead of guessing.
"""

import unicodedata
from typing import Any

import idna
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 254


def normalise_email(value: object) -> str:
    """The normal form of an address (see the module's docstring). A value that is not an
    address comes back folded, for the validators to refuse."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = unicodedata.normalize("NFKC", text.casefold())
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return text
    try:
        domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return text  # not a domain name: EmailValidator refuses it
    return f"{local}@{domain}"


def is_acceptable(normalised: str) -> bool:
    """An ASCII local part (after normalisation); the domain is ASCII by construction."""
    return normalised.isascii()


NON_ASCII_MESSAGE = _(
    "Saisissez une adresse électronique dont la partie avant « @ » ne contient que des "
    "lettres latines sans accent, des chiffres et les signes usuels (. - _ +)."
)


class EmailFormField(forms.EmailField):
    """An email input whose cleaned value is the normal form."""

    def to_python(self, value: object) -> str:
        return normalise_email(super().to_python(value))

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and not is_acceptable(value):
            raise ValidationError(NON_ASCII_MESSAGE, code="invalid_characters")


class NormalisedEmailField(models.EmailField):
    """An EmailField stored, and looked up (``field=value``, ``field__in``), in normal form."""

    def to_python(self, value: object) -> object:
        value = super().to_python(value)
        return normalise_email(value) if isinstance(value, str) and value else value

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        return normalise_email(value) if isinstance(value, str) and value else value

    def pre_save(self, model_instance: models.Model, add: bool) -> object:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str) and value:
            value = normalise_email(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super().formfield(
            form_class=form_class or EmailFormField, choices_form_class=choices_form_class, **kwargs
        )

    def validate(self, value: object, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if isinstance(value, str) and value and not is_acceptable(value):
            raise ValidationError(NON_ASCII_MESSAGE, code="invalid_characters")

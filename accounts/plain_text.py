"""Free texts are plain text: no invisible control characters.

A typed text may hold tabs and line breaks; it may not hold the other C0/C1 control
characters (a terminal escape such as ESC[31m, BEL, DEL...) nor the Unicode bidirectional
embedding, override and isolate characters and the implicit marks (LRM, RLM, ALM), which
change how the text around them is shown (a reference or a name read backwards). They reach letters, emails, CSV exports and the
audit trail. Django itself refuses only NUL.
"""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


class PlainTextForm(forms.BaseForm):
    """Mixin of a form (before forms.Form or forms.ModelForm): a text field holding a
    control character gets an error and keeps what was typed; passwords are left alone."""

    def full_clean(self) -> None:
        super().full_clean()
        cleaned: dict[str, Any] = getattr(self, "cleaned_data", {})
        for name, value in list(cleaned.items()):
            field = self.fields.get(name)
            if isinstance(field, forms.Field) and isinstance(field.widget, forms.PasswordInput):
                continue
            texts = value if isinstance(value, list | tuple) else [value]
            if any(isinstance(text, str) and CONTROL_CHARACTERS.search(text) for text in texts):
                self.add_error(
                    name,
                    ValidationError(
                        _(
                            "Ce texte contient un caractère de contrôle invisible (code de "
                            "terminal ou marque d'inversion du sens du texte) : retirez-le."
                        ),
                        code="control_character",
                    ),
                )


class PlainTextModelForm(PlainTextForm, forms.ModelForm):
    """The Django admin's form for models with free texts (ModelAdmin.form)."""

"""The public verification form (a letter's code)."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class VerificationForm(forms.Form):
    code = forms.CharField(
        label=_("Code de vérification"),
        help_text=_("Le code figure en bas du courrier, par exemple ABCD-EFGH-JKLM."),
        max_length=32,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("verify", _("Vérifier")))

    def clean_code(self) -> str:
        raw = self.cleaned_data["code"].upper().replace(" ", "").replace("-", "")
        if len(raw) != 12 or not raw.isalnum():
            raise forms.ValidationError(
                _(
                    "Un code de vérification comporte 12 lettres ou chiffres, par exemple ABCD-EFGH-JKLM."
                )
            )
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"

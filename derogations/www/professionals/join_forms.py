"""The form a professional fills in on a derogation's registry page to join it."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.email_addresses import normalise_email
from accounts.plain_text import PlainTextForm
from derogations.validators import normalise_finess, validate_finess


class JoinForm(PlainTextForm, forms.Form):
    email = forms.EmailField(
        label=_("Courriel professionnel"),
        help_text=_("Le lien d'inscription est envoyé à cette adresse. Format : nom@domaine.fr"),
        max_length=254,
        # RGAA 11.13: the person's own data, filled in by the browser.
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre courriel professionnel."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@domaine.fr."),
        },
    )
    facility_name = forms.CharField(
        label=_("Nom de l'établissement"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={"required": _("Indiquez le nom de votre établissement.")},
    )
    # Longer than 9: spaces, dots and dashes typed between the digits are removed first.
    facility_finess = forms.CharField(
        label=_("Numéro FINESS de l'établissement"),
        help_text=_("9 chiffres, clé de contrôle comprise."),
        max_length=20,
        error_messages={"required": _("Indiquez le numéro FINESS de votre établissement.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("join", _("Recevoir le lien d'inscription")))

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data.get("email") or "")

    def clean_facility_finess(self) -> str:
        value = normalise_finess(self.cleaned_data.get("facility_finess") or "")
        validate_finess(value)
        return value

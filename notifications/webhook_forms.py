from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm

from . import webhooks


class WebhookForm(PlainTextForm, forms.Form):
    url = forms.CharField(
        label=_("Adresse de réception (https://…)"),
        max_length=500,
        help_text=_(
            "Chaque acte sur les dossiers de l'organisation y sera envoyé (POST, JSON signé)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", _("Enregistrer l'adresse")))

    def clean_url(self) -> str:
        try:
            return webhooks.check_url(self.cleaned_data["url"])
        except webhooks.WebhookRefused as refused:
            raise ValidationError(refused.message) from refused

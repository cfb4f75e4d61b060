"""Forms of the professionals' space: patient consent record and incident declaration."""

import datetime
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm
from derogations.enums import ConsentInformation, ConsentOutcome, IncidentSeverity
from derogations.models import Incident
from derogations.validators import validate_no_social_security_number

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_HELP = _("Format : JJ/MM/AAAA.")


def _not_in_future(value: datetime.date | None) -> datetime.date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("La date ne peut pas être dans le futur."))
    return value


class ConsentForm(PlainTextForm, forms.Form):
    patient_code = forms.CharField(
        label=_("Code patient"),
        help_text=_(
            "Code pseudonyme attribué par votre établissement (par exemple PAT-0042). "
            "Jamais le nom, la date de naissance ni le numéro de sécurité sociale."
        ),
        max_length=32,
        validators=[validate_no_social_security_number],
        error_messages={"required": _("Indiquez le code pseudonyme du patient.")},
    )
    information_given = forms.MultipleChoiceField(
        label=_("Informations délivrées au patient"),
        choices=ConsentInformation.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une information délivrée au patient.")},
    )
    information_note = forms.CharField(
        label=_("Précisions sur l'information (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.ChoiceField(
        label=_("Réponse du patient"),
        choices=ConsentOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez si le patient a consenti ou refusé.")},
    )
    informed_on = forms.DateField(
        label=_("Date à laquelle le patient a été informé"), help_text=DATE_HELP, widget=DATE_WIDGET
    )
    consented_on = forms.DateField(
        label=_("Date de la réponse du patient"), help_text=DATE_HELP, widget=DATE_WIDGET
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("consent", _("Enregistrer l'information et le consentement")))

    def clean_informed_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("informed_on"))

    def clean_consented_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("consented_on"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        informed, consented = data.get("informed_on"), data.get("consented_on")
        if informed and consented and consented < informed:
            self.add_error(
                "consented_on",
                _("Le consentement ne peut pas précéder l'information du patient."),
            )
        return data


class IncidentForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "declarant_role", "occurred_on", "severity", "device_lot", "description",
            "patient_outcome",
        ]  # fmt: skip
        widgets = {
            "occurred_on": DATE_WIDGET,
            "severity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 6}),
            "patient_outcome": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "occurred_on": DATE_HELP,
            "description": _(
                "Circonstances, résultat obtenu, ce qui a été constaté. "
                "N'indiquez ni le nom ni aucune donnée identifiante du patient."
            ),
            "device_lot": _("Tel qu'il figure sur l'étiquetage du dispositif."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The severity is the declarant's choice: no "---------" radio, none pre-checked.
        severity = cast(forms.ChoiceField, self.fields["severity"])
        severity.choices = IncidentSeverity.choices
        severity.error_messages["required"] = _("Choisissez la gravité de l'incident.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("declare", _("Déclarer l'incident")))

    def clean_occurred_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("occurred_on"))

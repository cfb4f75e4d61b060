from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_rpps

from . import lifecycle
from .enums import Kind
from .models import DerogationRequest

DEVICE_FIELDS = [
    "device_name", "device_model", "device_reference", "ivd_class", "manufacturer_name",
    "intended_purpose",
]  # fmt: skip
CASE_FIELDS = ["justification", "expected_benefit", "safety_performance_data", "alternatives"]
INDIVIDUAL_FIELDS = [
    "patient_reference", "urgency", "urgency_reason", "prescriber_name", "prescriber_email",
    "prescriber_rpps",
]  # fmt: skip
GLOBAL_FIELDS = ["population", "expected_patients", "requested_end_date"]
FACILITY_FIELDS = ["facility_name", "facility_finess", "director_name", "director_email"]

HELP_TEXTS = {
    "patient_reference": _(
        "Initiales, année de naissance ou code interne de l'établissement. "
        "Jamais de nom ni de numéro de sécurité sociale."
    ),
    "device_reference": _("Références catalogue, séparées par des virgules."),
    "requested_end_date": _("Format : JJ/MM/AAAA."),
    "prescriber_rpps": _("11 chiffres."),
    "facility_finess": _("9 caractères."),
    "contact_email": _("Adresse à laquelle l'ANSM vous écrit au sujet de cette demande."),
}


class RequestDraftForm(forms.ModelForm):
    """The whole request on one page. Every field is optional while it is a draft:
    completeness is checked by the lifecycle when the operator submits."""

    class Meta:
        model = DerogationRequest
        fields = ["contact_email", *DEVICE_FIELDS, *CASE_FIELDS, *INDIVIDUAL_FIELDS,
                  *GLOBAL_FIELDS, *FACILITY_FIELDS]  # fmt: skip
        widgets = {
            "requested_end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "urgency": forms.RadioSelect,
        }
        help_texts = HELP_TEXTS

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kind = kind
        unused = GLOBAL_FIELDS if kind == Kind.INDIVIDUAL else INDIVIDUAL_FIELDS
        for name in unused:
            del self.fields[name]
        needed = set(lifecycle.required_for_submission(kind))
        for name, field in self.fields.items():
            field.required = False  # a draft may be saved incomplete
            if name in needed:
                field.label = _("%(label)s (obligatoire pour le dépôt)") % {"label": field.label}
        if "urgency" in self.fields:
            self.fields["urgency"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        scope = (
            Fieldset(_("Patient (pseudonymisé) et prescripteur"), *INDIVIDUAL_FIELDS)
            if kind == Kind.INDIVIDUAL
            else Fieldset(_("Population concernée"), *GLOBAL_FIELDS)
        )
        self.helper.layout = Layout(
            Fieldset(_("Opérateur"), "contact_email"),
            Fieldset(_("Dispositif"), *DEVICE_FIELDS),
            Fieldset(_("Justification au regard des trois critères"), *CASE_FIELDS),
            scope,
            Fieldset(_("Établissement de santé"), *FACILITY_FIELDS),
        )

    def clean_prescriber_rpps(self) -> str:
        value = (self.cleaned_data.get("prescriber_rpps") or "").strip()
        if value:
            validate_rpps(value)
        return value

    def clean_facility_finess(self) -> str:
        value = (self.cleaned_data.get("facility_finess") or "").strip().upper()
        if value and (len(value) != 9 or not value[:2].isalnum() or not value[2:].isdigit()):
            raise forms.ValidationError(_("Le numéro FINESS comporte 9 caractères."))
        return value


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.add_input(Submit("withdraw", _("Retirer la demande")))


class ComplementAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Votre réponse"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.add_input(Submit("answer", _("Envoyer la réponse")))


class VerificationForm(forms.Form):
    code = forms.CharField(
        label=_("Code de vérification"),
        help_text=_("Le code figure en bas du courrier, par exemple ABCD-EFGH-JKLM."),
        max_length=32,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
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

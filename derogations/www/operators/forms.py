import functools
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm
from accounts.validators import validate_rpps
from derogations import derogation_states, filing, identifiers, requirements, uploads
from derogations.enums import AttachmentCategory, Kind, Status
from derogations.models import DerogationRequest, DerogationRequestQuerySet
from derogations.validators import normalise_finess, validate_finess
from derogations.widgets import filter_form_helper

HELP_TEXTS = {
    "patient_reference": _(
        "Initiales ou code interne de l'établissement. "
        "Jamais de nom ni de numéro de sécurité sociale."
    ),
    "patient_age": _("Par exemple : 1975, ou 40-49 ans."),
    "device_reference": _("Références catalogue, séparées par des virgules."),
    "device_udi_di": _("Si le dispositif en a un."),
    "analyte_specimen": _("Par exemple : ADN, sang total sur EDTA."),
    "notified_body": _("Obligatoire si un organisme notifié est saisi du dossier."),
    "alternatives": _("Pour chaque solution envisagée, expliquez pourquoi elle ne convient pas."),
    "prescriber_rpps": _("11 chiffres."),
    "facility_finess": _("9 caractères."),
    "contact_email": _("Adresse à laquelle l'ANSM vous écrit au sujet de cette demande."),
    "facilities_concerned": _("Un établissement par ligne."),
}
DATE_FIELDS = (
    "notified_body_application_date", "expected_ce_date", "requested_start_date",
    "requested_end_date",
)  # fmt: skip


# Longest text accepted in a free-text field of a request.
TEXT_MAX_LENGTH = 20000


class RequestStepForm(PlainTextForm, forms.ModelForm):
    """One step of a draft. Every field is optional while it is a draft: completeness is
    checked when the operator submits (derogations.requirements)."""

    class Meta:
        model = DerogationRequest
        fields = sorted(
            {name for steps in filing.STEPS.values() for s in steps for name in s.fields}
        )
        widgets = {
            **{
                name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                for name in DATE_FIELDS
            },
            "urgency": forms.RadioSelect,
            "patient_indication": forms.Textarea(attrs={"rows": 3}),
            "facilities_concerned": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = HELP_TEXTS

    def __init__(self, *args: Any, kind: str, step: filing.Step, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in list(self.fields):
            if name not in step.fields:
                del self.fields[name]
        needed = set(requirements.required_fields(kind))
        for name, field in self.fields.items():
            field.required = False  # a draft may be saved incomplete
            if name in needed:
                field.label = _("%(label)s (obligatoire pour le dépôt)") % {"label": field.label}
            if (
                isinstance(field, forms.CharField)
                and isinstance(field.widget, forms.Textarea)
                and not field.max_length
            ):
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
        if "urgency" in self.fields:
            self.fields["urgency"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*_fieldsets(step))

    def clean_prescriber_rpps(self) -> str:
        value = identifiers.normalise_digits(self.cleaned_data.get("prescriber_rpps") or "")
        if value:
            validate_rpps(value)
        return value

    def clean_facility_finess(self) -> str:
        value = normalise_finess(self.cleaned_data.get("facility_finess") or "")
        if value:
            validate_finess(value)
        return value

    def clean_device_udi_di(self) -> str:
        value = identifiers.normalise_udi_di(self.cleaned_data.get("device_udi_di") or "")
        identifiers.validate_udi_di(value)
        return value

    def valid_values(self) -> dict[str, object]:
        """The fields that passed validation, even when others did not."""
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] for name in self.fields if name in cleaned}


_FIELDSETS = [
    (_("Opérateur"), filing.OPERATOR_FIELDS),
    (_("Identification du dispositif"), filing.DEVICE_FIELDS),
    (_("Justification au regard des trois critères"), filing.CASE_FIELDS),
    (_("Patient (pseudonymisé)"), filing.PATIENT_FIELDS),
    (_("Prescripteur et utilisateur"), filing.PROFESSIONAL_FIELDS),
    (_("Établissement de santé"), filing.FACILITY_FIELDS),
    (_("Population, quantités et période"), filing.POPULATION_FIELDS),
]


def _fieldsets(step: filing.Step) -> list[Fieldset]:
    return [
        Fieldset(title, *[name for name in names if name in step.fields])
        for title, names in _FIELDSETS
        if any(name in step.fields for name in names)
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by derogations.uploads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    # Bytes of documents already on the draft (AttachmentForm sets it): with the new files,
    # at most settings.PORTAL_MAX_DRAFT_ATTACHMENT_BYTES.
    stored_bytes: int | None = None

    def clean(self, data: object, initial: object = None) -> list[uploads.CheckedFile]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        # Counted and summed from the sizes the upload handlers measured, before any file
        # is read or checked.
        uploads.check_post_limits(
            [getattr(item, "size", 0) or 0 for item in items], self.stored_bytes
        )
        checked: list[uploads.CheckedFile] = []
        errors: list[forms.ValidationError] = []
        for item in items:
            upload = single(item, initial)
            try:
                checked.append(uploads.check_upload(upload))
            except forms.ValidationError as exc:
                errors.append(
                    forms.ValidationError(
                        _("« %(name)s » : %(error)s"),
                        params={
                            "name": uploads.safe_file_name(upload.name),
                            "error": exc.messages[0],
                        },
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        if self.required and not checked:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return checked


def _files_help() -> str:
    return _(
        "Formats acceptés : %(formats)s. Taille maximale : %(mb)s Mo par fichier, "
        "%(count)s fichiers et %(total)s Mo par envoi."
    ) % {
        "formats": uploads.accepted_formats_text(),
        "mb": uploads.megabytes(uploads.max_upload_bytes()),
        "count": settings.PORTAL_MAX_FILES_PER_POST,
        "total": uploads.megabytes(settings.PORTAL_MAX_UPLOAD_BYTES_PER_POST),
    }


# The help text of a file input, for the forms of other apps (collaboration).
files_help_text = _files_help


class AttachmentForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Catégorie du document"), choices=AttachmentCategory.choices
    )
    # A declared field (the form metaclass moves it to base_fields); stubs see BaseForm.files.
    files = MultipleFileField(label=_("Fichiers"))  # type: ignore[assignment]

    def __init__(self, *args: Any, stored_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(MultipleFileField, self.fields["files"]).stored_bytes = stored_bytes
        self.fields["files"].help_text = _files_help()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("upload", _("Ajouter")))


class WithdrawForm(PlainTextForm, forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page writes the <form> with its action
        self.helper.add_input(Submit("withdraw", _("Retirer la demande")))


class ComplementAnswerForm(PlainTextForm, forms.Form):
    answer = forms.CharField(
        label=_("Votre réponse"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    category = forms.ChoiceField(
        label=_("Catégorie des documents joints"),
        choices=AttachmentCategory.choices,
        initial=AttachmentCategory.OTHER,
        required=False,  # only meaningful with documents; "other" when not given
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a declared field, as above
        label=_("Documents joints (facultatif)"), required=False
    )

    def clean_category(self) -> str:
        return self.cleaned_data.get("category") or AttachmentCategory.OTHER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("send_answer", _("Envoyer la réponse")))


SORTS = {
    "creation": "-created_at",
    "depot": "-submitted_at",
    "reference": "reference",
    "echeance": "target_date",
    "dispositif": "device_name",
    "statut": "status",
}


@functools.cache
def _dashboard_helper() -> Any:
    """The page writes the <form method="get"> tag and the « Filtrer » button; the layout
    is the same for every form, built once."""
    names = DashboardFilterForm.base_fields
    return filter_form_helper(
        Row(*[Column(name, css_class="fr-col-12 fr-col-md-3") for name in names])
    )


class DashboardFilterForm(forms.Form):
    """Filters of the operator's dashboard (GET); invalid values are ignored."""

    q = forms.CharField(
        label=_("Rechercher (référence ou dispositif)"), required=False, max_length=100
    )
    status = forms.ChoiceField(label=_("Statut"), required=False)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Tous"))] + list(Kind.choices),
    )
    derogation = forms.ChoiceField(
        label=_("État de la dérogation"),
        required=False,
        choices=derogation_states.FILTER_CHOICES,
    )
    tri = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[
            ("creation", _("Plus récentes")),
            ("depot", _("Date de dépôt")),
            ("echeance", _("Date cible")),
            ("reference", _("Référence")),
            ("dispositif", _("Dispositif")),
            ("statut", _("Statut")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The operator never sees "Décision proposée": it is "En instruction" for them.
        status = cast(forms.ChoiceField, self.fields["status"])
        status.choices = [("", gettext("Tous"))] + [
            (value, label) for value, label in Status.choices if value != Status.DECISION_PROPOSED
        ]
        self.helper = _dashboard_helper()

    @property
    def searching(self) -> bool:
        """A text to search for was given (the list then counts less far)."""
        return self.is_valid() and bool(self.cleaned_data["q"].strip())

    def filter(self, queryset: DerogationRequestQuerySet) -> DerogationRequestQuerySet:
        if not self.is_valid():
            return queryset.order_by("-created_at", "-pk")
        data = self.cleaned_data
        if data["status"] == Status.IN_REVIEW:
            queryset = queryset.filter(status__in=[Status.IN_REVIEW, Status.DECISION_PROPOSED])
        elif data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["derogation"]:
            queryset = queryset.filter(derogation_states.requests_in_state(data["derogation"]))
        if data["q"].strip():
            term = data["q"].strip()
            queryset = queryset.filter(
                models.Q(reference__icontains=term)
                | models.Q(device_name__icontains=term)
                | models.Q(device_model__icontains=term)
                # identifiers are stored in normal form: searched in normal form
                | models.Q(device_udi_di=identifiers.normalise_udi_di(term))
            )
        order = SORTS.get(data["tri"] or "creation", "-created_at")
        name = order.lstrip("-")
        column = models.F(name)
        # NULLS LAST only where a column may be empty: on created_at it would stop the
        # (organisation, -created_at) index from giving the rows in order.
        field = queryset.model._meta.get_field(name)
        nulls_last = True if isinstance(field, models.Field) and field.null else None
        by = (column.desc if order.startswith("-") else column.asc)(nulls_last=nulls_last)
        return queryset.order_by(by, "-pk")

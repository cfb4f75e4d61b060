from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm
from derogations.models import Attachment, DerogationRequest
from derogations.www.operators.forms import MultipleFileField, files_help_text

from .models import SHAREABLE_FIELDS

MESSAGE_MAX_LENGTH = 10000


def _helper(button_name: str, label: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page writes the <form> with its action and CSRF token
    helper.add_input(Submit(button_name, label))
    return helper


def field_label(name: str) -> str:
    """The label of a request's field, as the operator's form shows it."""
    field = cast("models.Field[Any, Any]", DerogationRequest._meta.get_field(name))
    return str(field.verbose_name).capitalize()


def _future_date(value: Any, message: Any) -> Any:
    if value is not None and value <= timezone.localdate():
        raise forms.ValidationError(message)
    return value


class MessageForm(PlainTextForm, forms.Form):
    body = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Écrivez votre message.")},
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a declared field (BaseForm.files)
        label=_("Documents joints (facultatif)"), required=False
    )
    answer_due = forms.DateField(
        label=_("Réponse attendue avant le (facultatif)"),
        help_text=_(
            "Ce n'est pas une demande de compléments : l'horloge de l'instruction continue. "
            "Format : JJ/MM/AAAA."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, from_agency: bool, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "message")
        super().__init__(*args, **kwargs)
        if not from_agency:
            del self.fields["answer_due"]
        self.fields["files"].help_text = files_help_text()
        self.helper = _helper("send_message", _("Envoyer le message"))

    def clean_answer_due(self) -> Any:
        return _future_date(
            self.cleaned_data.get("answer_due"),
            _("La date de réponse attendue doit être dans le futur."),
        )


class AnswerDueForm(forms.Form):
    """Staff mark a message the agency already sent as awaiting an answer by a date, or
    clear it (the "clear" button). One per message: its prefix names the message."""

    answer_due = forms.DateField(
        label=_("Réponse attendue avant le"),
        help_text=_("Format : JJ/MM/AAAA."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide, au format JJ/MM/AAAA.")},
    )
    clear = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, message_pk: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "due")
        kwargs.setdefault("auto_id", f"id_due_{message_pk}_%s")  # one form per message
        super().__init__(*args, **kwargs)
        self.message_pk = message_pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear"):
            data["answer_due"] = None
        elif not self.errors and data.get("answer_due") is None:
            self.add_error("answer_due", _("Indiquez la date de réponse attendue."))
        elif data.get("answer_due") is not None and data["answer_due"] <= timezone.localdate():
            self.add_error("answer_due", _("La date de réponse attendue doit être dans le futur."))
        return data


class AttachmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Attachment) -> str:
        return f"{obj.original_name} ({obj.get_category_display()})"


class OpinionRequestForm(PlainTextForm, forms.Form):
    expert_name = forms.CharField(label=_("Nom de l'expert"), max_length=200)
    expert_email = forms.EmailField(label=_("Courriel de l'expert"), max_length=254)
    speciality = forms.CharField(label=_("Spécialité"), max_length=200)
    declared_interests = forms.CharField(
        label=_("Liens d'intérêts déclarés par l'expert (facultatif)"),
        help_text=_("D'après sa déclaration publique d'intérêts ; l'expert confirme ensuite "
                    "l'absence de conflit avec ce dossier."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )  # fmt: skip
    question = forms.CharField(
        label=_("Question posée à l'expert"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        error_messages={"required": _("Formulez la question posée à l'expert.")},
    )
    due_date = forms.DateField(
        label=_("Avis attendu avant le"),
        help_text=_("Format : JJ/MM/AAAA."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la date à laquelle l'avis est attendu.")},
    )
    shared_fields = forms.MultipleChoiceField(
        label=_("Éléments du dossier partagés"),
        help_text=_("Le patient, les contacts de l'opérateur et les professionnels nommés ne "
                    "sont jamais partagés."),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )  # fmt: skip
    shared_attachments = AttachmentChoiceField(
        label=_("Documents partagés"),
        queryset=Attachment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, request: DerogationRequest, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "opinion")
        super().__init__(*args, **kwargs)
        shared = cast(forms.MultipleChoiceField, self.fields["shared_fields"])
        shared.choices = [(name, field_label(name)) for name in SHAREABLE_FIELDS]
        attachments = cast(forms.ModelMultipleChoiceField, self.fields["shared_attachments"])
        attachments.queryset = Attachment.objects.filter(request=request).order_by("category", "pk")
        self.helper = _helper("ask_expert", _("Demander l'avis"))

    def clean_due_date(self) -> Any:
        return _future_date(
            self.cleaned_data.get("due_date"),
            _("La date attendue de l'avis doit être dans le futur."),
        )


class DeclarationForm(PlainTextForm, forms.Form):
    NO_CONFLICT = "no_conflict"
    DECLINE = "decline"
    choice = forms.ChoiceField(
        label=_("Conflit d'intérêts"),
        choices=[
            (NO_CONFLICT, _("Je déclare n'avoir aucun conflit d'intérêts avec ce dossier, "
                            "l'opérateur ou le fabricant, et j'accepte de donner mon avis.")),
            (DECLINE, _("Je décline cette demande (conflit d'intérêts ou indisponibilité).")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez l'une des deux réponses.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Motif du refus"),
        help_text=_("Obligatoire si vous déclinez : par exemple le lien d'intérêts concerné."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "declaration")
        super().__init__(*args, **kwargs)
        self.helper = _helper("declare", _("Valider ma réponse"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == self.DECLINE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Indiquez le motif du refus."))
        return data


class AnswerForm(PlainTextForm, forms.Form):
    answer = forms.CharField(
        label=_("Votre avis"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=30000,
        error_messages={"required": _("Rédigez votre avis.")},
    )
    files = MultipleFileField(  # type: ignore[assignment]  # a declared field, as above
        label=_("Documents joints (facultatif)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "answer")
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = files_help_text()
        self.helper = _helper("send_answer", _("Envoyer mon avis"))


class MarkReadForm(forms.Form):
    up_to = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

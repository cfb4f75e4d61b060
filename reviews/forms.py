from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from derogations import access
from derogations.enums import DecisionKind, Kind


def _helper(button_name: str, label: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page writes the <form> with its action and CSRF token
    helper.add_input(Submit(button_name, label))
    return helper


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Décision proposée"), choices=DecisionKind.choices, widget=forms.RadioSelect
    )
    motivation = forms.CharField(
        label=_("Motivation en droit et en fait"),
        help_text=_("Elle figure telle quelle dans le courrier adressé à l'opérateur."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )
    conditions = forms.CharField(
        label=_("Conditions (quantités, établissements, suivi)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )
    valid_until = forms.DateField(
        label=_("Fin de validité"),
        help_text=_("Obligatoire pour une dérogation globale accordée. Format : JJ/MM/AAAA."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: object, request_kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.request_kind = request_kind
        self.helper = _helper("propose", _("Proposer la décision"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        valid_until = data.get("valid_until")
        if (
            data.get("kind") == DecisionKind.GRANT
            and self.request_kind == Kind.GLOBAL
            and not valid_until
        ):
            self.add_error(
                "valid_until", _("Une dérogation globale accordée doit avoir une fin de validité.")
            )
        if valid_until and valid_until <= timezone.localdate():
            self.add_error("valid_until", _("La fin de validité doit être dans le futur."))
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Commentaire"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def __init__(self, *args: object, label: str, button: str, name: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["comment"].label = label
        self.helper = _helper(name, button)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Attribuer à un évaluateur"),
        queryset=access.assignable_evaluators(),
        empty_label=_("Choisir un évaluateur"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = _helper("assign", _("Attribuer"))
        self.helper.form_tag = False  # the page writes the <form> with its action

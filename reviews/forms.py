import datetime
from typing import TYPE_CHECKING, Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.plain_text import PlainTextForm
from derogations import access, deadlines, placeholders
from derogations.enums import FOUR_EYES_KINDS, DecisionKind, Kind
from derogations.models import Team
from derogations.reports import DEFAULT_INTERVAL_MONTHS, MAX_INTERVAL_MONTHS

from .models import CRITERIA, EvaluationGrid, MotivationTemplate
from .services import GRID_FIELDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

INSERT_TEMPLATE = "insert_template"  # the button that fills the motivation from a template


def add_decision_text_errors(form: forms.Form, data: dict[str, Any]) -> None:
    """Each placeholder or visa left in the motivation or the conditions, as an error on
    its field (the same check the lifecycle makes at the proposal and the signature)."""
    for name, label in placeholders.DECISION_TEXTS:
        for problem in placeholders.text_problems(label, data.get(name) or ""):
            form.add_error(name, problem)


def _helper(button_name: str, label: "StrOrPromise") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page writes the <form> with its action and CSRF token
    helper.add_input(Submit(button_name, label))
    return helper


class DecisionTextForm(PlainTextForm, forms.Form):
    """The texts of a decision that its letter prints: written by the evaluator who
    proposes it, amended by the senior who signs it."""

    motivation = forms.CharField(
        label=_("Motivation en droit et en fait"),
        help_text=_("Elle figure telle quelle dans le courrier adressé à l'opérateur."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={"required": _("La motivation est obligatoire.")},
    )
    conditions = forms.CharField(
        label=_("Conditions (quantités, établissements, suivi)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_decision_text_errors(self, data)
        return data


class ProposalForm(DecisionTextForm):
    kind = forms.ChoiceField(
        label=_("Décision proposée"),
        choices=[(k, label) for k, label in DecisionKind.choices if k in FOUR_EYES_KINDS],
        widget=forms.RadioSelect,
    )
    template = forms.ModelChoiceField(
        label=_("Modèle de motivation"),
        help_text=_("Le texte du modèle est ajouté à la motivation, où vous pouvez le modifier."),
        queryset=MotivationTemplate.objects.active(),
        empty_label=_("Choisir un modèle"),
        required=False,
    )
    valid_until = forms.DateField(
        label=_("Fin de validité"),
        help_text=_("Obligatoire pour une dérogation globale accordée. Format : JJ/MM/AAAA."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Global requests only (removed from the form of an individual one).
    report_interval_months = forms.IntegerField(
        label=_("Périodicité des rapports de l'opérateur (en mois)"),
        help_text=_(
            "Dérogation globale accordée : l'opérateur rend compte des quantités fournies, "
            "des incidents et du marquage CE à cet intervalle et à la fin de validité "
            "(6 mois si vide)."
        ),
        required=False,
        min_value=1,
        max_value=MAX_INTERVAL_MONTHS,
    )

    def __init__(self, *args: Any, request_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_kind = request_kind
        self.helper = _helper("propose", _("Proposer la décision"))
        self.fields["template"].widget.attrs["data-motivation-templates"] = ""
        self.helper.layout = Layout(
            "kind",
            Div(
                "template",
                StrictButton(
                    _("Insérer le modèle"),
                    type="submit",
                    name=INSERT_TEMPLATE,
                    value="1",
                    css_class="fr-btn--secondary fr-btn--sm",
                ),
                css_class="fr-mb-3w",
            ),
            "motivation",
            "conditions",
            "valid_until",
        )
        if request_kind == Kind.GLOBAL:
            self.fields["report_interval_months"].initial = DEFAULT_INTERVAL_MONTHS
            self.helper.layout.append("report_interval_months")
        else:
            del self.fields["report_interval_months"]

    @classmethod
    def with_template_inserted(
        cls, data: Any, *, request_kind: str
    ) -> tuple["ProposalForm", str | None]:
        """The form as typed, with the chosen template's text added to the motivation.

        Unbound (typed values as initial data), so no "required" error shows for what the
        evaluator has not filled yet. Returns the form and an error message, if any.
        """
        initial = {
            name: data.get(name, "")
            for name in (
                "kind",
                "motivation",
                "conditions",
                "valid_until",
                "template",
                "report_interval_months",
            )
        }
        template = None
        if initial["template"].isdigit():
            template = MotivationTemplate.objects.active().filter(pk=initial["template"]).first()
        error = None
        if template is None:
            error = str(_("Choisissez un modèle de motivation à insérer."))
        else:
            typed = initial["motivation"].rstrip()
            initial["motivation"] = f"{typed}\n\n{template.body}" if typed else template.body
            initial["kind"] = initial["kind"] or template.kind
        return cls(initial=initial, request_kind=request_kind), error

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
        if isinstance(valid_until, datetime.date) and valid_until <= timezone.localdate():
            self.add_error("valid_until", _("La fin de validité doit être dans le futur."))
        return data


class AmendProposalForm(DecisionTextForm):
    """The senior amends the pending proposal's texts before signing it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "amend")
        super().__init__(*args, **kwargs)
        self.helper = _helper("amend", _("Enregistrer les modifications"))


class SignForm(PlainTextForm, forms.Form):
    """ "Valider et signer": the fingerprint of the proposal whose letter the page showed
    (lifecycle.proposal_digest); a proposal amended since is not signed. The file page
    always sends it; a POST without it signs the pending proposal as it is."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class CommentForm(PlainTextForm, forms.Form):
    comment = forms.CharField(
        label=_("Commentaire"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def __init__(
        self,
        *args: Any,
        label: "StrOrPromise",
        button: "StrOrPromise",
        name: str,
        required_message: "StrOrPromise" = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = label
        if required_message:
            self.fields["comment"].error_messages["required"] = required_message
        self.helper = _helper(name, button)


class ComplementsForm(PlainTextForm, forms.Form):
    questions = forms.CharField(
        label=_("Questions posées à l'opérateur"),
        help_text=_("L'opérateur les lit telles quelles sur la page de sa demande."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        error_messages={"required": _("Formulez au moins une question.")},
    )
    due_date = forms.DateField(
        label=_("Date limite de réponse"),
        help_text=_("Proposée à 15 jours ouvrés. Format : JJ/MM/AAAA."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la date limite de réponse.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "complements")
        kwargs.setdefault("initial", {"due_date": deadlines.default_complement_due_date()})
        super().__init__(*args, **kwargs)
        self.helper = _helper("complements", _("Demander des compléments"))

    def clean_due_date(self) -> Any:
        due_date = self.cleaned_data["due_date"]
        if due_date <= timezone.localdate():
            raise forms.ValidationError(_("La date limite de réponse doit être dans le futur."))
        return due_date


class GridForm(PlainTextForm, forms.ModelForm):
    """The evaluation grid. A proposal needs every criterion assessed and commented and
    the conclusion argued (services.missing_grid_items): the comments and the argument
    are required here too, and marked so; a criterion may still be saved "non évalué"."""

    class Meta:
        model = EvaluationGrid
        fields = list(GRID_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in GRID_FIELDS
            if name.endswith("_comment") or name == "conclusion"
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "grid")
        super().__init__(*args, **kwargs)
        for name in GRID_FIELDS:
            if name.endswith("_comment") or name == "conclusion":
                self.fields[name].validators.append(MaxLengthValidator(20000))
        self.helper = _helper("save_grid", _("Enregistrer la grille"))
        self.helper.layout = Layout(
            *[
                Fieldset(label, f"{prefix}_assessment", f"{prefix}_comment")
                for prefix, label in CRITERIA
            ],
            Fieldset(_("Conclusion"), "benefit_risk", "conclusion"),
        )
        for prefix, _label in CRITERIA:
            self.fields[f"{prefix}_assessment"].label = _("Appréciation")
            self.fields[f"{prefix}_comment"].label = _("Commentaire")
            self.fields[f"{prefix}_comment"].required = True
            self.fields[f"{prefix}_comment"].error_messages["required"] = _(
                "Commentez ce critère : la proposition de décision en a besoin."
            )
        self.fields["conclusion"].required = True
        self.fields["conclusion"].error_messages["required"] = _(
            "Argumentez la conclusion : la proposition de décision en a besoin."
        )


class NoteForm(PlainTextForm, forms.Form):
    text = forms.CharField(
        label=_("Nouvelle note"),
        help_text=_("Visible seulement par l'ANSM : jamais par l'opérateur ni les professionnels."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
        error_messages={"required": _("La note est vide.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)
        self.helper = _helper("add_note", _("Ajouter la note"))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Attribuer à un évaluateur"),
        queryset=access.assignable_evaluators(),
        empty_label=_("Choisir un évaluateur"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("assign", _("Attribuer"))
        self.helper.form_tag = False  # the page writes the <form> with its action


class TeamMoveForm(PlainTextForm, forms.Form):
    """Move a file to another evaluation team (issue 19), with a reason."""

    team = forms.ModelChoiceField(
        label=_("Déplacer vers l'équipe"),
        queryset=Team.objects.filter(active=True),
        empty_label=_("Choisir une équipe"),
        error_messages={
            "required": _("Choisissez une équipe."),
            "invalid_choice": _("Cette équipe n'existe plus ou n'est plus active."),
        },
    )
    reason = forms.CharField(
        label=_("Motif du changement d'équipe"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Indiquez pourquoi le dossier change d'équipe.")},
    )

    def __init__(self, *args: Any, current: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "team")
        super().__init__(*args, **kwargs)
        if current is not None:
            field = self.fields["team"]
            field.queryset = field.queryset.exclude(pk=current)  # type: ignore[attr-defined]
        self.helper = _helper("move_team", _("Changer d'équipe"))
        self.helper.form_tag = False  # the page writes the <form> with its action

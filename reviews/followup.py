"""Follow-up of granted derogations: the list of those in force, its filters, and the
forms of the follow-up acts (suspend, resume, change conditions, lift)."""

import datetime
from typing import Any

from crispy_forms.layout import Column, Row
from django import forms
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.plain_text import PlainTextForm
from derogations import reports
from derogations.enums import DerogationStatus, Kind, UnionNotificationChannel
from derogations.models import Derogation, Incident, PeriodicReport
from derogations.widgets import filter_form_helper

from .forms import _helper

PAGE_SIZE = 50
IN_FORCE = "en-vigueur"
SUSPENDED = "suspendues"
ENDING = "fin-proche"
STATES = [
    ("", gettext_lazy("En vigueur et suspendues")),
    (IN_FORCE, gettext_lazy("En vigueur")),
    (SUSPENDED, gettext_lazy("Suspendues")),
    ("levees", gettext_lazy("Levées")),
    ("expirees", gettext_lazy("Expirées")),
    ("toutes", gettext_lazy("Toutes")),
]


class FollowUpFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        help_text=gettext_lazy("Référence, dispositif ou opérateur"),
        required=False,
        max_length=200,
    )
    etat = forms.ChoiceField(label=gettext_lazy("État"), choices=STATES, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    fin = forms.TypedChoiceField(
        label=gettext_lazy("Fin de validité"),
        choices=[
            ("", gettext_lazy("Toutes les dates")),
            ("7", gettext_lazy("Dans 7 jours ou moins")),
            ("30", gettext_lazy("Dans 30 jours ou moins")),
            ("90", gettext_lazy("Dans 90 jours ou moins")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        self.fields["kind"].choices = [("", _("Tous les types")), *Kind.choices]  # type: ignore[attr-defined]
        self.helper = filter_form_helper(
            Row(
                Column("q", css_class="fr-col-12 fr-col-md-3"),
                Column("etat", css_class="fr-col-12 fr-col-md-3"),
                Column("kind", css_class="fr-col-12 fr-col-md-3"),
                Column("fin", css_class="fr-col-12 fr-col-md-3"),
            )
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is left out, its error shown by the form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


def followed_derogations(
    filters: dict[str, Any], today: datetime.date | None = None
) -> QuerySet[Derogation]:
    today = today or timezone.localdate()
    not_expired = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    state = filters.get("etat", "")
    qs = Derogation.objects.select_related("request__organisation", "grant").annotate(
        # Incidents declared by professionals flag the derogation (issue 6 → follow-up).
        has_incident=Exists(Incident.objects.filter(request_id=OuterRef("request_id"))),
        # Issue 16: an incident stays "À traiter" until an evaluator acknowledges it.
        has_incident_to_handle=Exists(
            Incident.objects.filter(request_id=OuterRef("request_id"), acknowledged_at__isnull=True)
        ),
        # The operator's periodic reports received, for the "En retard" flag (flag_late).
        reports_received=Subquery(
            PeriodicReport.objects.filter(derogation=OuterRef("pk"))
            .order_by()
            .values("derogation")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
    )
    if state == IN_FORCE:
        qs = qs.filter(not_expired, status=DerogationStatus.ACTIVE)
    elif state == SUSPENDED:
        qs = qs.filter(not_expired, status=DerogationStatus.SUSPENDED)
    elif state == "levees":
        qs = qs.filter(status=DerogationStatus.LIFTED)
    elif state == "expirees":
        qs = qs.exclude(status=DerogationStatus.LIFTED).filter(valid_until__lt=today)
    elif state != "toutes":
        qs = qs.filter(
            not_expired, status__in=[DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED]
        )
    if filters.get("kind"):
        qs = qs.filter(request__kind=filters["kind"])
    if filters.get("fin") is not None:
        qs = qs.filter(
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=filters["fin"]),
        )
    if filters.get("q"):
        term = filters["q"]
        qs = qs.filter(
            Q(request__reference__icontains=term)
            | Q(request__device_name__icontains=term)
            | Q(request__organisation__name__icontains=term)
        )
    return qs.order_by(F("valid_until").asc(nulls_last=True), "pk")


def flag_late(rows: list[Derogation], today: datetime.date) -> list[Derogation]:
    """Set ``reports_late`` on each row of a page (annotated by followed_derogations): a
    periodic report that was due before today is missing. No query."""
    for derogation in rows:
        received = getattr(derogation, "reports_received", None) or 0
        derogation.reports_late = reports.report_status(derogation, received, today).is_late  # type: ignore[attr-defined]
    return rows


# --- Forms of the follow-up acts --------------------------------------------------------

MOTIVATION_HELP = gettext_lazy("Elle figure telle quelle dans le courrier adressé à l'opérateur.")


class FollowUpActForm(PlainTextForm, forms.Form):
    motivation = forms.CharField(
        label=gettext_lazy("Motivation en droit et en fait"),
        help_text=MOTIVATION_HELP,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        error_messages={
            "required": gettext_lazy("Motivez cet acte : la motivation figure dans le courrier.")
        },
    )

    # The file's last act when the form was drawn: a one-time token that the act consumes
    # (checked under the request's row lock, derogations.lifecycle), so that one form
    # posted twice (a double click, two tabs) issues one act, one letter, one copy each.
    last_act = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, button: str, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(name, button)


class LiftForm(FollowUpActForm):
    """Lifting is final and its letter leaves at once: the senior confirms it explicitly
    (RGAA 11.12, a form with legal consequences)."""

    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Je confirme la levée de la dérogation : elle est définitive et le courrier part "
            "aussitôt à tous les destinataires de l'octroi."
        ),
        error_messages={
            "required": gettext_lazy(
                "Cochez la case pour confirmer la levée : elle ne peut pas être annulée."
            )
        },
    )


class ConditionsForm(FollowUpActForm):
    conditions = forms.CharField(
        label=gettext_lazy("Nouvelles conditions"),
        help_text=gettext_lazy("Elles remplacent les conditions en vigueur."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        error_messages={"required": gettext_lazy("Indiquez les conditions qui s'appliqueront.")},
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Nouvelle fin de validité"),
        help_text=gettext_lazy("Laisser vide pour garder la date actuelle. Format : JJ/MM/AAAA."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide (JJ/MM/AAAA).")},
    )

    def clean_valid_until(self) -> datetime.date | None:
        value = self.cleaned_data.get("valid_until")
        if value and value <= timezone.localdate():
            raise forms.ValidationError(_("La fin de validité doit être dans le futur."))
        return value


class UnionNotificationForm(PlainTextForm, forms.Form):
    sent_on = forms.DateField(
        label=gettext_lazy("Date d'envoi"),
        help_text=gettext_lazy("Format : JJ/MM/AAAA."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez la date d'envoi."),
            "invalid": gettext_lazy("Saisissez une date valide (JJ/MM/AAAA)."),
        },
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Moyen d'envoi"),
        choices=UnionNotificationChannel.choices,
        error_messages={"required": gettext_lazy("Indiquez le moyen d'envoi.")},
    )
    reference = forms.CharField(
        label=gettext_lazy("Référence de l'envoi (facultatif)"), required=False, max_length=255
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("union_notification", _("Enregistrer l'envoi"))

    def clean_sent_on(self) -> datetime.date:
        value = self.cleaned_data["sent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("La date d'envoi ne peut pas être dans le futur."))
        return value

"""The safety loop on the staff file page (issue 16): who uses the derogated device (the
facilities supplied and the professionals who joined), the patients' consents as counts,
and the follow-up of each declared incident."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.plain_text import PlainTextForm
from derogations import joining, professionals
from derogations.enums import IncidentMeasure
from derogations.lifecycle import EVALUATORS
from derogations.models import Derogation, DerogationRequest

from .forms import _helper


class IncidentFollowUpForm(PlainTextForm, forms.Form):
    analysis = forms.CharField(
        label=_("Analyse de l'ANSM"),
        help_text=_("Visible par le déclarant sur la page de son incident."),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    measure = forms.ChoiceField(
        label=_("Mesure décidée"),
        help_text=_(
            "Une suspension, une levée ou une modification des conditions s'émet ensuite "
            "comme un acte, dans « Suivi de la dérogation »."
        ),
        choices=IncidentMeasure.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez la mesure décidée (ou « Aucune mesure »).")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("incident_follow_up", str(_("Prendre en compte l'incident")))


def follow_up_form(incident_pk: int, data: Any = None, **kwargs: Any) -> IncidentFollowUpForm:
    """The form of one incident: the same field names for every incident (each has its
    own <form> and URL), ids of its own on the page."""
    return IncidentFollowUpForm(
        data, prefix="incident", auto_id=f"id_incident{incident_pk}_%s", **kwargs
    )


def file_context(
    req: DerogationRequest,
    derogation: Derogation | None,
    user: User,
    sent_form: IncidentFollowUpForm | None = None,
    sent_pk: int | None = None,
) -> dict[str, object]:
    """What the file page shows of the safety loop; ``sent_form`` replaces the follow-up
    form of incident ``sent_pk`` by the one just sent (its errors and typed text)."""
    may_follow_up = user.role in EVALUATORS
    incident_rows = []
    for incident in req.incidents.all():
        form = None
        if may_follow_up:
            form = (
                sent_form
                if sent_form is not None and sent_pk == incident.pk
                else follow_up_form(
                    incident.pk,
                    initial={"analysis": incident.analysis, "measure": incident.measure},
                )
            )
        incident_rows.append({"incident": incident, "form": form})
    return {
        "incident_rows": incident_rows,
        "known_professionals": joining.shown_to_staff(derogation),
        "consent_counts": professionals.consent_counts(req.pk) if derogation else None,
    }

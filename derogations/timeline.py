"""What the timeline of a file says: each audit action's label, and the actions kept
inside ANSM."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from .followup import FOLLOW_UPS
from .lifecycle import TRANSITIONS

# Audit actions internal to ANSM, never shown outside it: who holds the file, the
# four-eyes exchange before a decision is signed (the operator sees "En instruction"),
# the notification to the Commission and the copies sent again.
STAFF_ONLY_ACTIONS = frozenset(
    {
        "assign",
        "unassign",
        "propose_decision",
        "send_back",
        "record_union_notification",
        "resend_delivery",
        "incident_declared",
        "amend_proposal",
        "expert_opinion_requested",
        "expert_no_conflict",
        "expert_declined",
        "expert_opinion_answered",
        # Issue 16: professionals' addresses and consents stay with the agency.
        "professional_joined",
        "consent_recorded",
        "incident_followed_up",
        # Issue 19: the evaluation team that handles the file.
        "route_to_team",
        "move_to_team",
    }
)

_OTHER_ACTION_LABELS = {
    "assign": gettext_lazy("Attribution du dossier"),
    "unassign": gettext_lazy("Dossier rendu"),
    "incident_declared": gettext_lazy("Incident déclaré"),
    "record_union_notification": gettext_lazy(
        "Notification à la Commission et aux États membres (art. 54(2))"
    ),
    "resend_delivery": gettext_lazy("Nouvel envoi d'un courrier"),
    "supply_declared": gettext_lazy("Fourniture déclarée"),
    "amend_proposal": gettext_lazy("Proposition modifiée avant signature"),
    "message_sent": gettext_lazy("Message"),
    "expert_opinion_requested": gettext_lazy("Avis d'expert demandé"),
    "expert_no_conflict": gettext_lazy("Absence de conflit d'intérêts déclarée par l'expert"),
    "expert_declined": gettext_lazy("Demande d'avis déclinée par l'expert"),
    "expert_opinion_answered": gettext_lazy("Avis d'expert rendu"),
    "professional_joined": gettext_lazy("Professionnel utilisateur inscrit"),
    "consent_recorded": gettext_lazy("Consentement d'un patient enregistré"),
    "incident_followed_up": gettext_lazy("Suivi d'un incident"),
    "periodic_report": gettext_lazy("Rapport périodique de l'opérateur"),
    "route_to_team": gettext_lazy("Orientation vers une équipe"),
    "move_to_team": gettext_lazy("Changement d'équipe"),
    "message_answer_due": gettext_lazy("Réponse attendue à un message"),
}

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def action_label(action: str) -> "StrOrPromise":
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    if action in FOLLOW_UPS:
        return FOLLOW_UPS[action].label
    return _OTHER_ACTION_LABELS.get(action, action)

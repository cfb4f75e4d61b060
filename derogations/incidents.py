"""Vigilance: incidents declared on a granted derogation (not a change of status), and the
agency's follow-up of each one (acknowledgment, analysis, measure decided)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import Role
from accounts.models import User

from . import events
from .enums import IncidentMeasure
from .lifecycle import EVALUATORS, TransitionError, record_action
from .models import Derogation, DerogationRequest, Incident

# The actor written in the timeline for a declaration made through a signed link, by a
# professional who has no account: the declarant's email is in the entry's comment.
LINK_ACTOR_EMAIL = "lien-signe@portail.invalid"


def link_actor() -> User:
    actor, created = User.objects.get_or_create(
        email=LINK_ACTOR_EMAIL,
        defaults={
            "role": Role.PROFESSIONAL,
            "is_active": False,
            "first_name": "Lien signé",
            "last_name": "(déclarant sans compte)",
        },
    )
    if created:
        actor.set_unusable_password()
        actor.save(update_fields=["password"])
    return actor


def record_incident(
    request: DerogationRequest, *, declarant: User | None, declarant_email: str, **fields: object
) -> Incident:
    """Record an incident on a granted derogation, with its reference and timeline entry.

    ``declarant`` is the professional's account, or None for a signed-link declarant known
    by ``declarant_email``. The status does not change; the event lets notifications alert
    the vigilance team once the transaction commits.
    """
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if not Derogation.objects.filter(request=locked).exists():
            raise TransitionError(
                _("Un incident ne peut être déclaré que sur une dérogation accordée.")
            )
        incident = Incident.objects.create(
            request=locked, declarant=declarant, declarant_email=declarant_email, **fields
        )
        incident.reference = f"INC-{incident.created_at:%Y}-{incident.pk:06d}"
        incident.save(update_fields=["reference"])
        record_action(
            locked,
            declarant or link_actor(),
            "incident_declared",
            _("Incident %(reference)s (%(severity)s) déclaré par %(email)s (%(role)s).")
            % {
                "reference": incident.reference,
                "severity": incident.get_severity_display(),
                "email": declarant_email,
                "role": incident.get_declarant_role_display(),
            },
        )
        events.incident_declared.send(sender=Incident, incident=incident)
    return incident


def record_follow_up(incident: Incident, actor: User, *, analysis: str, measure: str) -> Incident:
    """The evaluator acknowledges the incident and records the analysis and the measure
    decided. A measure other than "none" is issued afterwards as its own act, through the
    follow-up forms of the file (derogations.followup): this records the decision to take
    it, it never changes the derogation's status. Recording again updates the analysis and
    the measure; the first acknowledgment is kept."""
    if not actor.is_active or actor.role not in EVALUATORS:
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if measure and measure not in IncidentMeasure.values:
        raise TransitionError(_("Choisissez une mesure dans la liste."))
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=incident.request_id)
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        fields = ["analysis", "measure"]
        if current.acknowledged_at is None:
            current.acknowledged_at, current.acknowledged_by = timezone.now(), actor
            fields += ["acknowledged_at", "acknowledged_by"]
        current.analysis, current.measure = analysis, measure
        current.save(update_fields=fields)
        record_action(
            locked,
            actor,
            "incident_followed_up",
            _("Suivi de l'incident %(reference)s : %(measure)s.")
            % {
                "reference": current.reference,
                "measure": current.get_measure_display() or _("pris en compte"),
            },
        )
    return current

"""Vigilance: incidents declared on a granted derogation (not a change of status)."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.enums import Role
from accounts.models import User

from . import events
from .lifecycle import TransitionError, record_action
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

"""Supplies of a derogated device to facilities, declared by the operator (issue 16).

A global derogation lets the operator supply any facility that needs the device until the
end date; ANSM may suspend or lift it at once. Each supply names the facility's vigilance
contact and director: notifications sends them every later act on the derogation.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import Role
from accounts.models import User

from .enums import DerogationStatus, Status
from .lifecycle import TransitionError, record_actions
from .models import Derogation, DerogationRequest, Supply

ACTION = "supply_declared"


def may_declare(request: DerogationRequest, user: User) -> bool:
    """An active operator member of the request's organisation, on a granted request."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.OPERATOR
        and request.status == Status.GRANTED
        and user.memberships.filter(organisation_id=request.organisation_id).exists()
    )


def refusal(derogation: Derogation | None, today: datetime.date | None = None) -> str | None:
    """Why no supply may be declared on this derogation now, in French; None if allowed."""
    if derogation is None:
        return _("Aucune dérogation n'est accordée sur cette demande.")
    status = derogation.effective_status(today)
    if status == DerogationStatus.SUSPENDED:
        return _(
            "La dérogation est suspendue : le dispositif ne doit pas être fourni tant que "
            "l'ANSM n'a pas levé la suspension."
        )
    if status == DerogationStatus.LIFTED:
        return _("La dérogation a été levée : le dispositif ne doit plus être fourni.")
    if status == DerogationStatus.EXPIRED:
        return _(
            "La dérogation a expiré le %(date)s : aucune fourniture ne peut être déclarée "
            "après sa date limite de validité."
        ) % {"date": f"{derogation.valid_until:%d/%m/%Y}"}
    return None


def date_problem(
    derogation: Derogation, supplied_on: datetime.date, today: datetime.date | None = None
) -> str | None:
    """Why this supply date is not possible under this derogation, in French; None if it is."""
    today = today or timezone.localdate()
    if supplied_on > today:
        return _("La date de fourniture ne peut pas être dans le futur.")
    granted_on = timezone.localdate(derogation.created_at)
    if supplied_on < granted_on:
        return _(
            "La date de fourniture ne peut pas précéder l'octroi de la dérogation (%(date)s)."
        ) % {"date": f"{granted_on:%d/%m/%Y}"}
    if derogation.valid_until and supplied_on > derogation.valid_until:
        return _("La date de fourniture ne peut pas dépasser la fin de validité (%(date)s).") % {
            "date": f"{derogation.valid_until:%d/%m/%Y}"
        }
    return None


def record_supplies(
    request: DerogationRequest, actor: User, rows: list[dict[str, object]]
) -> list[Supply]:
    """Record these supplies (cleaned values of SupplyForm), all or none, each with its
    timeline entry. The derogation's status and the dates are checked again under the
    request's row lock: a suspension committed meanwhile refuses the whole declaration."""
    if not rows:
        raise TransitionError(_("Aucune fourniture à enregistrer."))
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if not may_declare(locked, actor):
            raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
        derogation = Derogation.objects.filter(request=locked).first()
        reason = refusal(derogation)
        if reason is not None or derogation is None:
            raise TransitionError(reason or "")
        for row in rows:
            problem = date_problem(derogation, row["supplied_on"])  # type: ignore[arg-type]
            if problem is not None:
                raise TransitionError(problem)
        supplies = Supply.objects.bulk_create(
            [Supply(derogation=derogation, declared_by=actor, **row) for row in rows]
        )
        record_actions(
            locked,
            actor,
            ACTION,
            [
                _("Fourniture de %(quantity)s à %(facility)s (FINESS %(finess)s) le %(date)s.")
                % {
                    "quantity": supply.quantity,
                    "facility": supply.facility_name,
                    "finess": supply.facility_finess,
                    "date": f"{supply.supplied_on:%d/%m/%Y}",
                }
                for supply in supplies
            ],
        )
    return supplies


def contacts_supplied(request_ids: list[int]) -> list[tuple[str, str]]:
    """(vigilance contact email, director email) of every supply under the derogations of
    these requests, oldest first (the caller drops repeated addresses)."""
    return list(
        Supply.objects.filter(derogation__request_id__in=request_ids)
        .order_by("created_at", "pk")
        .values_list("vigilance_email", "director_email")
    )


# The file page lists at most this many supplies, the latest first.
STAFF_LIST_LIMIT = 200


def shown_to_staff(derogation: Derogation | None) -> list[Supply]:
    """The latest supplies of a derogation for the agency's file page (one query; one row
    more than the limit tells the page that older ones exist)."""
    if derogation is None:
        return []
    return list(
        Supply.objects.filter(derogation=derogation).order_by("-supplied_on", "-pk")[
            : STAFF_LIST_LIMIT + 1
        ]
    )

"""Follow-up acts on a granted derogation (suspend, resume, change conditions, lift):
the table FOLLOW_UPS and the one function that moves a derogation's status."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from .enums import UNION_NOTIFIED_LATER_KINDS, DecisionKind, DerogationStatus, Status
from .lifecycle import (
    EVALUATORS,
    SENIORS,
    TransitionError,
    issue_act,
    needs_union_notification,
    record_action,
)
from .models import Decision, Derogation, DerogationRequest, UnionNotification

ACTIVE = DerogationStatus.ACTIVE
SUSPENDED = DerogationStatus.SUSPENDED
LIFTED = DerogationStatus.LIFTED
EXPIRED = DerogationStatus.EXPIRED
# No role: an act that only the portal's daily task issues (derogations.expiry).
PORTAL: frozenset[str] = frozenset()

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class FollowUp:
    name: str
    sources: frozenset[str]  # effective statuses of the derogation (expired is never one)
    target: str | None  # None: the status does not change
    roles: frozenset[str]
    act: str
    label: "StrOrPromise"
    once: bool = False  # at most one such act per derogation


# Suspension protects patients: any evaluator may do it at once. Lifting it again, changing
# what was granted or lifting the derogation are decisions a senior evaluator signs. The
# request stays "granted"; its derogation moves. An expired derogation admits none of them,
# only its expiry act (stored statuses stay active or suspended: expired is computed).
# fmt: off
FOLLOW_UPS: dict[str, FollowUp] = {f.name: f for f in [
    #        name                 from                          to         who         act
    FollowUp("suspend",           frozenset({ACTIVE}),            SUSPENDED, EVALUATORS, DecisionKind.SUSPENSION,        gettext_lazy("Suspension de la dérogation")),
    FollowUp("resume",            frozenset({SUSPENDED}),         ACTIVE,    SENIORS,    DecisionKind.RESUMPTION,        gettext_lazy("Reprise de la dérogation")),
    FollowUp("change_conditions", frozenset({ACTIVE, SUSPENDED}), None,      SENIORS,    DecisionKind.CONDITIONS_CHANGE, gettext_lazy("Modification des conditions de la dérogation")),
    FollowUp("lift",              frozenset({ACTIVE, SUSPENDED}), LIFTED,    SENIORS,    DecisionKind.LIFTING,           gettext_lazy("Levée de la dérogation")),
    # The end date passed: the daily task (no person: PORTAL) notes it once with its act.
    FollowUp("expire",            frozenset({EXPIRED}),           None,      PORTAL,     DecisionKind.EXPIRY,            gettext_lazy("Expiration de la dérogation"), once=True),
]}
# fmt: on


def allowed_follow_ups(derogation: Derogation | None, actor: User) -> list[str]:
    """Names of the follow-up acts this actor could issue on this derogation now."""
    if derogation is None or not actor.is_active:
        return []
    status = derogation.effective_status()
    return [
        name
        for name, rule in FOLLOW_UPS.items()
        if status in rule.sources and actor.role in rule.roles
    ]


def _follow_up(
    request: DerogationRequest,
    actor: User,
    name: str,
    motivation: str,
    apply: Callable[[Derogation], None] | None = None,
    last_act: int | None = None,
) -> Decision:
    """``last_act``: the file's last act when the form was drawn (its one-time token); if
    another act was issued since (the same form posted twice), nothing is done. An act of
    the portal (``PORTAL``) is issued in the name of ``actor`` whatever their role now."""
    rule = FOLLOW_UPS[name]
    if not motivation.strip():
        raise TransitionError(_("La motivation est obligatoire."))
    if rule.roles is not PORTAL and (not actor.is_active or actor.role not in rule.roles):
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        derogation = Derogation.objects.select_for_update().filter(request=locked).first()
        if locked.status != Status.GRANTED or derogation is None:
            raise TransitionError(_("Cette demande n'a pas de dérogation accordée."))
        if last_act is not None and last_act != (
            locked.decisions.aggregate(last=Max("pk"))["last"] or 0
        ):
            raise TransitionError(
                _(
                    "Action déjà effectuée : un acte a été émis sur ce dossier depuis "
                    "l'affichage de la page. Vérifiez-le avant de recommencer."
                )
            )
        if rule.once and locked.decisions.filter(kind=rule.act).exists():
            raise TransitionError(_("Action déjà effectuée."))
        effective = derogation.effective_status()
        if effective not in rule.sources:
            raise TransitionError(
                _(
                    "Action impossible : la dérogation est « %(status)s ». Elle a peut-être déjà été traitée."
                )
                % {"status": DerogationStatus(effective).label}
            )
        fields = []
        if rule.target is not None and rule.target != derogation.status:
            derogation.status = rule.target
            derogation.status_changed_at = timezone.now()
            fields += ["status", "status_changed_at"]
        if apply is not None:
            apply(derogation)
            fields += ["conditions", "valid_until"]
        derogation.save(update_fields=fields)
        record_action(locked, actor, name, motivation)
        act = issue_act(
            locked,
            actor,
            rule.act,
            motivation=motivation,
            conditions=derogation.conditions,
            valid_until=derogation.valid_until,
        )
        if rule.act in UNION_NOTIFIED_LATER_KINDS and needs_union_notification(locked):
            # IVDR Art. 54(2): the Commission and the other Member States, told of the
            # grant, are told of what changed; its sheet is rendered with the act's letter.
            UnionNotification.objects.create(grant=act)
        return act


def suspend(
    request: DerogationRequest, actor: User, motivation: str, *, last_act: int | None = None
) -> Decision:
    """Suspend at once, for patient safety: supply must stop until it is resumed."""
    return _follow_up(request, actor, "suspend", motivation, last_act=last_act)


def resume(
    request: DerogationRequest, actor: User, motivation: str, *, last_act: int | None = None
) -> Decision:
    return _follow_up(request, actor, "resume", motivation, last_act=last_act)


def change_conditions(
    request: DerogationRequest,
    actor: User,
    motivation: str,
    conditions: str,
    valid_until: datetime.date | None = None,
    *,
    last_act: int | None = None,
) -> Decision:
    """New conditions (and, if given, a new end date) for the derogation in force."""
    if valid_until is not None and valid_until <= timezone.localdate():
        raise TransitionError(_("La fin de validité doit être dans le futur."))

    def apply(derogation: Derogation) -> None:
        derogation.conditions = conditions
        if valid_until is not None:
            derogation.valid_until = valid_until

    return _follow_up(request, actor, "change_conditions", motivation, apply, last_act)


def lift(
    request: DerogationRequest, actor: User, motivation: str, *, last_act: int | None = None
) -> Decision:
    """Lift at once and for good: supply is no longer allowed."""
    return _follow_up(request, actor, "lift", motivation, last_act=last_act)


def expire(request: DerogationRequest, *, today: datetime.date | None = None) -> Decision:
    """The end date of the derogation passed: issue its expiry act, once (derogations.tasks
    runs it daily). Signed by the service; the audit entry names the grant's signatory, in
    whose name the portal acts (an act needs an author)."""
    derogation = Derogation.objects.select_related("grant__reviewed_by").get(request=request)
    author = derogation.grant.reviewed_by or derogation.grant.proposed_by
    end = derogation.valid_until
    motivation = _(
        "La dérogation accordée le %(granted)s était valable jusqu'au %(end)s inclus. Cette "
        "date est passée : la dérogation a expiré et le dispositif ne peut plus être mis à "
        "disposition à ce titre."
    ) % {
        "granted": f"{timezone.localdate(derogation.grant.issued_at):%d/%m/%Y}"
        if derogation.grant.issued_at
        else "—",
        "end": f"{end:%d/%m/%Y}" if end else "—",
    }
    return _follow_up(request, author, "expire", motivation)

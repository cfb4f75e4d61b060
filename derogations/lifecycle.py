"""The lifecycle of a derogation request: the only code that changes a request's status.

The table below is the rule. Each transition function locks the request row, checks the
source status and the actor, writes the new status and its consequences, appends one
AuditEntry and announces a domain event, all in one database transaction.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.enums import Role
from accounts.models import User

from . import calendar, events, requirements
from .enums import (
    FOUR_EYES_KINDS,
    DecisionKind,
    DecisionState,
    DerogationStatus,
    Kind,
    Status,
    UnionNotificationChannel,
    Urgency,
)
from .models import (
    KIND_PREFIX,
    OPEN_STATUSES,
    AuditEntry,
    ComplementRequest,
    Decision,
    Derogation,
    DerogationRequest,
    Incident,
    ReferenceSequence,
    UnionNotification,
    new_verification_code,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OPERATOR = frozenset({Role.OPERATOR})
EVALUATORS = frozenset({Role.EVALUATOR, Role.SENIOR_EVALUATOR})
SENIORS = frozenset({Role.SENIOR_EVALUATOR})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: "StrOrPromise"


_BEFORE_DECISION = frozenset(
    {Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_COMPLEMENTS, Status.DECISION_PROPOSED}
)

# fmt: off
TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    #          name                    from                                          to                          who
    Transition("submit",               frozenset({Status.DRAFT}),                    Status.SUBMITTED,           OPERATOR,   gettext_lazy("Dépôt de la demande")),
    Transition("declare_admissible",   frozenset({Status.SUBMITTED}),                Status.IN_REVIEW,           EVALUATORS, gettext_lazy("Demande recevable, mise en instruction")),
    Transition("declare_inadmissible", frozenset({Status.SUBMITTED}),                Status.INADMISSIBLE,        EVALUATORS, gettext_lazy("Demande irrecevable")),
    Transition("request_complements",  frozenset({Status.SUBMITTED, Status.IN_REVIEW}), Status.AWAITING_COMPLEMENTS, EVALUATORS, gettext_lazy("Demande de compléments")),
    Transition("answer_complements",   frozenset({Status.AWAITING_COMPLEMENTS}),     Status.IN_REVIEW,           OPERATOR,   gettext_lazy("Réponse aux compléments")),
    Transition("propose_decision",     frozenset({Status.IN_REVIEW}),                Status.DECISION_PROPOSED,   EVALUATORS, gettext_lazy("Proposition de décision")),
    Transition("send_back",            frozenset({Status.DECISION_PROPOSED}),        Status.IN_REVIEW,           SENIORS,    gettext_lazy("Proposition renvoyée à l'évaluateur")),
    Transition("grant",                frozenset({Status.DECISION_PROPOSED}),        Status.GRANTED,             SENIORS,    gettext_lazy("Dérogation accordée")),
    Transition("refuse",               frozenset({Status.DECISION_PROPOSED}),        Status.REFUSED,             SENIORS,    gettext_lazy("Dérogation refusée")),
    Transition("withdraw",             _BEFORE_DECISION,                             Status.WITHDRAWN,           OPERATOR,   gettext_lazy("Retrait par l'opérateur")),
]}
# fmt: on


class TransitionError(Exception):
    """The move is not allowed now (wrong state, wrong actor, already done)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IncompleteRequest(TransitionError):
    """Submission refused: ``missing`` maps each missing field name to a French message."""

    def __init__(self, missing: dict[str, str]) -> None:
        super().__init__(_("La demande est incomplète."))
        self.missing = missing


# Preconditions another app adds to a transition without derogations importing it: reviews
# requires a complete evaluation grid before a proposal. A guard runs under the row lock
# and returns a French message when the move must not happen (None when it may).
Guard = Callable[[DerogationRequest], str | None]
_GUARDS: dict[str, list[Guard]] = {}


def add_guard(name: str, guard: Guard) -> None:
    """Register ``guard`` on transition ``name`` (idempotent: called from AppConfig.ready)."""
    if name not in TRANSITIONS:
        raise ValueError(f"unknown transition {name!r}")
    guards = _GUARDS.setdefault(name, [])
    if guard not in guards:
        guards.append(guard)


def allowed_transitions(request: DerogationRequest, actor: User) -> list[str]:
    """Names of the transitions this actor could perform on this request now."""
    return [
        name
        for name, transition in TRANSITIONS.items()
        if request.status in transition.sources and _actor_error(transition, request, actor) is None
    ]


def _actor_error(transition: Transition, request: DerogationRequest, actor: User) -> str | None:
    if not actor.is_active or actor.role not in transition.roles:
        return _("Vous n'avez pas le droit d'effectuer cette action.")
    if (
        actor.role == Role.OPERATOR
        and not actor.memberships.filter(organisation_id=request.organisation_id).exists()
    ):
        return _("Vous n'avez pas le droit d'effectuer cette action.")
    return None


def _run(
    request_pk: int,
    name: str,
    actor: User,
    comment: str = "",
    apply: Callable[[DerogationRequest], None] | None = None,
) -> DerogationRequest:
    transition = TRANSITIONS[name]
    with transaction.atomic():
        request = DerogationRequest.objects.select_for_update().get(pk=request_pk)
        if request.status not in transition.sources:
            raise TransitionError(
                _(
                    "Action impossible : la demande est au statut « %(status)s ». Elle a peut-être déjà été traitée."
                )
                % {"status": request.get_status_display()}
            )
        error = _actor_error(transition, request, actor)
        if error:
            raise TransitionError(error)
        for guard in _GUARDS.get(name, ()):
            error = guard(request)
            if error:
                raise TransitionError(error)
        from_status = request.status
        if apply is not None:
            apply(request)
        request.status = transition.target
        request.save()
        AuditEntry.objects.create(
            request=request,
            actor=actor,
            action=name,
            from_status=from_status,
            to_status=transition.target,
            comment=comment,
            created_at=timezone.now(),  # the lifecycle's clock, like the request's dates
        )
        events.request_transitioned.send(
            sender=DerogationRequest, request=request, transition=name, actor=actor, comment=comment
        )
    return request


# --- Operator -------------------------------------------------------------------------


def required_for_submission(kind: str) -> tuple[str, ...]:
    return requirements.required_fields(kind)


def missing_fields(request: DerogationRequest) -> dict[str, str]:
    """What the request lacks before it can be submitted (derogations.requirements)."""
    return requirements.missing_items(request)


def _assign_reference(request: DerogationRequest) -> None:
    now = timezone.now()
    sequence, _created = ReferenceSequence.objects.select_for_update().get_or_create(
        kind=request.kind, year=now.year
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    request.reference = (
        f"DER-{KIND_PREFIX[Kind(request.kind)]}-{now.year}-{sequence.last_number:05d}"
    )
    request.submitted_at = now


# --- Target dates -----------------------------------------------------------------------

# Working days from submission to the target date, per kind and urgency (our choice; no
# statutory time limit). Override with settings.PORTAL_TARGET_WORKING_DAYS. A global
# request always uses its "standard" entry.
DEFAULT_TARGET_WORKING_DAYS: dict[str, dict[str, int]] = {
    Kind.INDIVIDUAL: {Urgency.VITAL: 2, Urgency.URGENT: 5, Urgency.STANDARD: 30},
    Kind.GLOBAL: {Urgency.STANDARD: 60},
}


def target_working_days(kind: str, urgency: str) -> int:
    table = getattr(settings, "PORTAL_TARGET_WORKING_DAYS", DEFAULT_TARGET_WORKING_DAYS)
    key = urgency if kind == Kind.INDIVIDUAL else Urgency.STANDARD
    try:
        days = table[kind][key]
    except (KeyError, TypeError):
        raise ImproperlyConfigured(
            f"PORTAL_TARGET_WORKING_DAYS has no entry for kind {kind!r}, urgency {key!r}"
        ) from None
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ImproperlyConfigured(
            f"PORTAL_TARGET_WORKING_DAYS[{kind!r}][{key!r}] must be a whole number ≥ 0, got {days!r}"
        )
    return days


def _local_day(moment: datetime.datetime) -> datetime.date:
    """The local (Paris) date of a stored moment: a conversion, not a reading of the clock."""
    return localtime(moment).date()


def _start_clock(request: DerogationRequest) -> None:
    """At submission: the target date counts working days from the day of receipt."""
    assert request.submitted_at is not None
    received = _local_day(request.submitted_at)
    request.target_date = calendar.add_working_days(
        received, target_working_days(request.kind, request.urgency)
    )
    request.clock_stopped_at = None


def _stop_clock(request: DerogationRequest) -> datetime.datetime:
    request.clock_stopped_at = stopped_at = timezone.now()
    return stopped_at


def _resume_clock(request: DerogationRequest) -> None:
    """The working days spent waiting for complements push the target date back."""
    if request.clock_stopped_at is not None and request.target_date is not None:
        lost = calendar.working_days_between(
            _local_day(request.clock_stopped_at), timezone.localdate()
        )
        request.target_date = calendar.add_working_days(request.target_date, lost)
    request.clock_stopped_at = None


def submit(request: DerogationRequest, actor: User) -> DerogationRequest:
    def apply(locked: DerogationRequest) -> None:
        missing = missing_fields(locked)
        if missing:
            raise IncompleteRequest(missing)
        _assign_reference(locked)
        _start_clock(locked)

    return _run(request.pk, "submit", actor, apply=apply)


def withdraw(request: DerogationRequest, actor: User, reason: str = "") -> DerogationRequest:
    def apply(locked: DerogationRequest) -> None:
        locked.clock_stopped_at = None  # the file is closed: no clock any more

    return _run(request.pk, "withdraw", actor, comment=reason, apply=apply)


# --- ANSM evaluators ------------------------------------------------------------------


def declare_admissible(request: DerogationRequest, actor: User) -> DerogationRequest:
    return _run(request.pk, "declare_admissible", actor)


def declare_inadmissible(
    request: DerogationRequest, actor: User, reasons: str
) -> DerogationRequest:
    if not reasons.strip():
        raise TransitionError(_("Motivez l'irrecevabilité."))

    def apply(locked: DerogationRequest) -> None:
        locked.decided_at = timezone.now()

    return _run(request.pk, "declare_inadmissible", actor, comment=reasons, apply=apply)


def propose_decision(
    request: DerogationRequest,
    actor: User,
    *,
    kind: str,
    motivation: str,
    conditions: str = "",
    valid_until: datetime.date | None = None,
) -> Decision:
    if not motivation.strip():
        raise TransitionError(_("La motivation est obligatoire."))
    if kind == DecisionKind.GRANT and request.kind == Kind.GLOBAL and valid_until is None:
        raise TransitionError(_("Une dérogation globale doit avoir une date de fin de validité."))
    if valid_until is not None and valid_until <= timezone.localdate():
        raise TransitionError(_("La fin de validité doit être dans le futur."))
    created: list[Decision] = []

    def apply(locked: DerogationRequest) -> None:
        created.append(
            Decision.objects.create(
                request=locked,
                kind=kind,
                motivation=motivation,
                conditions=conditions,
                valid_until=valid_until if kind == DecisionKind.GRANT else None,
                proposed_by=actor,
            )
        )

    _run(request.pk, "propose_decision", actor, comment=motivation, apply=apply)
    return created[0]


def _pending_proposal(locked: DerogationRequest) -> Decision:
    return Decision.objects.select_for_update().get(request=locked, state=DecisionState.PROPOSED)


def send_back(request: DerogationRequest, actor: User, comment: str) -> DerogationRequest:
    if not comment.strip():
        raise TransitionError(_("Expliquez pourquoi la proposition est renvoyée."))

    def apply(locked: DerogationRequest) -> None:
        proposal = _pending_proposal(locked)
        if proposal.proposed_by_id == actor.pk:
            raise TransitionError(_("Vous ne pouvez pas examiner votre propre proposition."))
        proposal.state = DecisionState.SENT_BACK
        proposal.reviewed_by = actor
        proposal.reviewed_at = timezone.now()
        proposal.review_comment = comment
        proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_comment"])

    return _run(request.pk, "send_back", actor, comment=comment, apply=apply)


def validate_decision(request: DerogationRequest, actor: User) -> Decision:
    """The senior evaluator signs the pending proposal: it becomes the issued decision."""
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != Status.DECISION_PROPOSED:
            raise TransitionError(
                _(
                    "Action impossible : la demande est au statut « %(status)s ». Elle a peut-être déjà été traitée."
                )
                % {"status": locked.get_status_display()}
            )
        proposal = _pending_proposal(locked)
        name = "grant" if proposal.kind == DecisionKind.GRANT else "refuse"

        def apply(req: DerogationRequest) -> None:
            if proposal.proposed_by_id == actor.pk:
                raise TransitionError(_("Vous ne pouvez pas valider votre propre proposition."))
            now = timezone.now()
            proposal.state = DecisionState.ISSUED
            proposal.reviewed_by = actor
            proposal.reviewed_at = now
            proposal.issued_at = now
            proposal.verification_code = new_verification_code()
            proposal.save(
                update_fields=[
                    "state",
                    "reviewed_by",
                    "reviewed_at",
                    "issued_at",
                    "verification_code",
                ]
            )
            req.decided_at = now
            if proposal.kind == DecisionKind.GRANT:
                Derogation.objects.create(
                    request=req,
                    grant=proposal,
                    valid_until=proposal.valid_until,
                    conditions=proposal.conditions,
                )
                if needs_union_notification(req):
                    UnionNotification.objects.create(grant=proposal)

        _run(locked.pk, name, actor, comment=proposal.motivation, apply=apply)
        events.decision_issued.send(sender=Decision, decision=proposal)
    return proposal


# Suggested time to answer a complement request (our choice), in working days.
COMPLEMENT_WORKING_DAYS = 15


def default_complement_due_date(today: datetime.date | None = None) -> datetime.date:
    """The due date suggested to the evaluator: 15 working days from today."""
    return calendar.add_working_days(today or timezone.localdate(), COMPLEMENT_WORKING_DAYS)


def request_complements(
    request: DerogationRequest, actor: User, questions: str, *, due_date: datetime.date
) -> DerogationRequest:
    """Ask the operator questions, to answer by ``due_date``: the clock stops meanwhile."""
    if not questions.strip():
        raise TransitionError(_("Formulez au moins une question."))
    if due_date <= timezone.localdate():
        raise TransitionError(_("La date limite de réponse doit être dans le futur."))

    def apply(locked: DerogationRequest) -> None:
        stopped_at = _stop_clock(locked)
        ComplementRequest.objects.create(
            request=locked,
            questions=questions,
            due_date=due_date,
            requested_by=actor,
            requested_at=stopped_at,
        )

    return _run(request.pk, "request_complements", actor, comment=questions, apply=apply)


def answer_complements(request: DerogationRequest, actor: User, answer: str) -> DerogationRequest:
    """The operator answers: the open complement request is closed, the clock resumes."""
    if not answer.strip():
        raise TransitionError(_("Votre réponse est vide."))

    def apply(locked: DerogationRequest) -> None:
        _resume_clock(locked)
        ComplementRequest.objects.filter(request=locked, answered_at__isnull=True).update(
            answer=answer, answered_by=actor, answered_at=timezone.now()
        )

    return _run(request.pk, "answer_complements", actor, comment=answer, apply=apply)


# --- Acts issued at once ------------------------------------------------------------------


def issue_act(
    request: DerogationRequest,
    actor: User,
    kind: str,
    *,
    motivation: str = "",
    conditions: str = "",
    valid_until: datetime.date | None = None,
) -> Decision:
    """Issue an act that needs no second signature, inside the caller's transaction.

    It gets its verification code now; ``events.decision_issued`` makes notifications
    write its deliveries in this transaction and render its letter after commit.
    """
    if kind in FOUR_EYES_KINDS:
        raise ValueError("a grant or a refusal is proposed, then validated by a senior")
    now = timezone.now()
    act = Decision.objects.create(
        request=request,
        kind=kind,
        state=DecisionState.ISSUED,
        motivation=motivation,
        conditions=conditions,
        valid_until=valid_until,
        proposed_by=actor,
        proposed_at=now,
        issued_at=now,
        verification_code=new_verification_code(),
    )
    events.decision_issued.send(sender=Decision, decision=act)
    return act


def needs_union_notification(request: DerogationRequest) -> bool:
    """IVDR Art. 54(2): every grant for use other than a single patient, so every global
    derogation (an individual request names one pseudonymised patient)."""
    return request.kind == Kind.GLOBAL


# --- Follow-up of a granted derogation -------------------------------------------------

ACTIVE = DerogationStatus.ACTIVE
SUSPENDED = DerogationStatus.SUSPENDED
LIFTED = DerogationStatus.LIFTED


@dataclass(frozen=True)
class FollowUp:
    name: str
    sources: frozenset[str]  # effective statuses of the derogation (expired is never one)
    target: str | None  # None: the status does not change
    roles: frozenset[str]
    act: str
    label: "StrOrPromise"


# Suspension protects patients: any evaluator may do it at once. Lifting it again, changing
# what was granted or lifting the derogation are decisions a senior evaluator signs. The
# request stays "granted"; its derogation moves. An expired derogation admits none of them.
# fmt: off
FOLLOW_UPS: dict[str, FollowUp] = {f.name: f for f in [
    #        name                 from                          to         who         act
    FollowUp("suspend",           frozenset({ACTIVE}),            SUSPENDED, EVALUATORS, DecisionKind.SUSPENSION,        gettext_lazy("Suspension de la dérogation")),
    FollowUp("resume",            frozenset({SUSPENDED}),         ACTIVE,    SENIORS,    DecisionKind.RESUMPTION,        gettext_lazy("Reprise de la dérogation")),
    FollowUp("change_conditions", frozenset({ACTIVE, SUSPENDED}), None,      SENIORS,    DecisionKind.CONDITIONS_CHANGE, gettext_lazy("Modification des conditions de la dérogation")),
    FollowUp("lift",              frozenset({ACTIVE, SUSPENDED}), LIFTED,    SENIORS,    DecisionKind.LIFTING,           gettext_lazy("Levée de la dérogation")),
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
    another act was issued since (the same form posted twice), nothing is done."""
    rule = FOLLOW_UPS[name]
    if not motivation.strip():
        raise TransitionError(_("La motivation est obligatoire."))
    if not actor.is_active or actor.role not in rule.roles:
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
        return issue_act(
            locked,
            actor,
            rule.act,
            motivation=motivation,
            conditions=derogation.conditions,
            valid_until=derogation.valid_until,
        )


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


def record_union_notification(
    request: DerogationRequest,
    actor: User,
    *,
    sent_on: datetime.date,
    channel: str,
    reference: str = "",
) -> UnionNotification:
    """Staff record when and how the Art. 54(2) sheet went to the Commission and the
    Member States. Recorded once; the audit trail says who did it."""
    if not actor.is_active or actor.role not in EVALUATORS:
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if sent_on > timezone.localdate():
        raise TransitionError(_("La date d'envoi ne peut pas être dans le futur."))
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        notification = (
            UnionNotification.objects.select_for_update()
            .filter(grant__request=locked, grant__state=DecisionState.ISSUED)
            .first()
        )
        if notification is None:
            raise TransitionError(_("Cette décision ne donne pas lieu à notification."))
        if notification.is_sent:
            raise TransitionError(_("L'envoi de la notification est déjà enregistré."))
        notification.sent_on = sent_on
        notification.channel = channel
        notification.sent_reference = reference
        notification.recorded_by = actor
        notification.recorded_at = timezone.now()
        notification.save(
            update_fields=["sent_on", "channel", "sent_reference", "recorded_by", "recorded_at"]
        )
        record_action(
            locked,
            actor,
            "record_union_notification",
            _("Notification envoyée le %(date)s (%(channel)s)%(ref)s.")
            % {
                "date": sent_on.strftime("%d/%m/%Y"),
                "channel": UnionNotificationChannel(channel).label,
                "ref": f" — {reference}" if reference else "",
            },
        )
    return notification


def record_action(request: DerogationRequest, actor: User, action: str, comment: str) -> None:
    """An audit entry for an action that does not change the request's status (call it
    inside the transaction that performs the action)."""
    AuditEntry.objects.create(
        request=request,
        actor=actor,
        action=action,
        from_status=request.status,
        to_status=request.status,
        comment=comment,
    )


# --- Assignment (not a change of status) ------------------------------------------------

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
}


def action_label(action: str) -> "StrOrPromise":
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    if action in FOLLOW_UPS:
        return FOLLOW_UPS[action].label
    return _OTHER_ACTION_LABELS.get(action, action)


def assign(
    request: DerogationRequest,
    actor: User,
    assignee: User | None,
    *,
    only_if_unassigned: bool = False,
) -> DerogationRequest:
    """Give an open file to an evaluator (``assignee=None``: hand it back to the pool).

    The status does not change; one audit entry names the assignee. With
    ``only_if_unassigned`` (an evaluator taking a file), a file someone took meanwhile is
    not taken from them.
    """
    if not actor.is_active or actor.role not in EVALUATORS:
        raise TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if assignee is not None and (not assignee.is_active or assignee.role not in EVALUATORS):
        raise TransitionError(
            _("Un dossier ne peut être attribué qu'à un évaluateur ou un évaluateur senior.")
        )
    with transaction.atomic():
        locked = (
            DerogationRequest.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=request.pk)
        )
        if locked.status not in OPEN_STATUSES:
            raise TransitionError(
                _(
                    "Action impossible : la demande est au statut « %(status)s ». Elle a peut-être déjà été traitée."
                )
                % {"status": locked.get_status_display()}
            )
        previous = locked.assignee
        if assignee is None and previous is None:
            raise TransitionError(_("Ce dossier n'est attribué à personne."))
        if assignee is not None and previous is not None:
            if previous.pk == assignee.pk:
                raise TransitionError(
                    _("Ce dossier est déjà attribué à %(name)s.") % {"name": previous}
                )
            if only_if_unassigned:
                raise TransitionError(
                    _("Ce dossier a été attribué entre-temps à %(name)s.") % {"name": previous}
                )
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        if assignee is None:
            action = "unassign"
            comment = _("Dossier rendu (il était attribué à %(name)s).") % {"name": previous}
        else:
            action = "assign"
            comment = _("Dossier attribué à %(name)s.") % {"name": assignee}
        record_action(locked, actor, action, comment)
    return locked


# --- Vigilance (not a change of status) ---------------------------------------------------

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
        AuditEntry.objects.create(
            request=locked,
            actor=declarant or link_actor(),
            action="incident_declared",
            from_status=locked.status,
            to_status=locked.status,
            comment=_("Incident %(reference)s (%(severity)s) déclaré par %(email)s (%(role)s).")
            % {
                "reference": incident.reference,
                "severity": incident.get_severity_display(),
                "email": declarant_email,
                "role": incident.get_declarant_role_display(),
            },
        )
        events.incident_declared.send(sender=Incident, incident=incident)
    return incident

"""The lifecycle of a derogation request: the only code that changes a request's status.

The table below is the rule. Each transition function locks the request row, checks the
source status and the actor, writes the new status and its consequences, appends one
AuditEntry and announces a domain event, all in one database transaction.
"""

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.enums import Role
from accounts.models import User

from . import events, placeholders, requirements
from .deadlines import resume_clock, start_clock, stop_clock
from .enums import FOUR_EYES_KINDS, DecisionKind, DecisionState, Kind, Status
from .models import (
    KIND_PREFIX,
    AuditEntry,
    ComplementRequest,
    Decision,
    Derogation,
    DerogationRequest,
    ReferenceSequence,
    UnionNotification,
    new_verification_code,
)

OPERATOR = frozenset({Role.OPERATOR})
EVALUATORS = frozenset({Role.EVALUATOR, Role.SENIOR_EVALUATOR})
SENIORS = frozenset({Role.SENIOR_EVALUATOR})

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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


def submit(request: DerogationRequest, actor: User) -> DerogationRequest:
    def apply(locked: DerogationRequest) -> None:
        missing = missing_fields(locked)
        if missing:
            raise IncompleteRequest(missing)
        _assign_reference(locked)
        start_clock(locked)

    # The file goes to its evaluation team in the same transaction (issue 19).
    from .teams import route_submitted

    with transaction.atomic():
        submitted = _run(request.pk, "submit", actor, apply=apply)
        route_submitted(submitted, actor)
    return submitted


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


def _check_decision_text(motivation: str, conditions: str) -> None:
    """A decision's text may not go out with a template's placeholders or with visas:
    checked at the proposal, at an amendment and at the signature."""
    texts = {"motivation": motivation, "conditions": conditions}
    problems = [
        problem
        for name, label in placeholders.DECISION_TEXTS
        for problem in placeholders.text_problems(label, texts[name])
    ]
    if problems:
        raise TransitionError(" ".join(problems))


def propose_decision(
    request: DerogationRequest,
    actor: User,
    *,
    kind: str,
    motivation: str,
    conditions: str = "",
    valid_until: datetime.date | None = None,
    report_interval_months: int | None = None,
) -> Decision:
    """``report_interval_months``: how often the operator reports on a global grant
    (derogations.reports); a global grant without one gets the default interval."""
    if not motivation.strip():
        raise TransitionError(_("La motivation est obligatoire."))
    _check_decision_text(motivation, conditions)
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
                report_interval_months=_report_interval(locked, kind, report_interval_months),
                proposed_by=actor,
            )
        )

    _run(request.pk, "propose_decision", actor, comment=motivation, apply=apply)
    return created[0]


# A global grant's default interval between the operator's reports (derogations.reports
# repeats it for the form; kept here so that the lifecycle imports no screen module).
DEFAULT_REPORT_INTERVAL_MONTHS = 6


def _report_interval(request: DerogationRequest, kind: str, months: int | None) -> int | None:
    if kind != DecisionKind.GRANT or request.kind != Kind.GLOBAL:
        return None
    return months or DEFAULT_REPORT_INTERVAL_MONTHS


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


def proposal_digest(proposal: Decision) -> str:
    """A fingerprint of what the letter of a proposal says: the senior signs the version
    whose letter they read, never one amended meanwhile."""
    text = "\x1f".join(
        [proposal.kind, proposal.motivation, proposal.conditions, str(proposal.valid_until)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _locked_proposal(request: DerogationRequest, actor: User) -> tuple[DerogationRequest, Decision]:
    """The request and its pending proposal, locked, for a senior who did not write it."""
    locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != Status.DECISION_PROPOSED:
        raise TransitionError(
            _(
                "Action impossible : la demande est au statut « %(status)s ». Elle a peut-être déjà été traitée."
            )
            % {"status": locked.get_status_display()}
        )
    error = _actor_error(TRANSITIONS["grant"], locked, actor)
    if error:
        raise TransitionError(error)
    return locked, _pending_proposal(locked)


def amend_proposal(
    request: DerogationRequest, actor: User, *, motivation: str, conditions: str
) -> Decision:
    """The senior amends the motivation and the conditions of the pending proposal before
    signing it; the audit trail keeps each changed text before and after."""
    if not motivation.strip():
        raise TransitionError(_("La motivation est obligatoire."))
    _check_decision_text(motivation, conditions)
    with transaction.atomic():
        locked, proposal = _locked_proposal(request, actor)
        if proposal.proposed_by_id == actor.pk:
            raise TransitionError(_("Vous ne pouvez pas examiner votre propre proposition."))
        changes = []
        for name, label, after in (
            ("motivation", _("Motivation"), motivation),
            ("conditions", _("Conditions"), conditions),
        ):
            before = getattr(proposal, name)
            if before != after:
                changes.append(
                    _("%(field)s — avant :\n%(before)s\n\n%(field)s — après :\n%(after)s")
                    % {"field": label, "before": before or "—", "after": after or "—"}
                )
                setattr(proposal, name, after)
        if not changes:
            raise TransitionError(_("Le texte n'a pas changé : rien n'est enregistré."))
        proposal.save(update_fields=["motivation", "conditions"])
        record_action(locked, actor, "amend_proposal", "\n\n".join(changes))
    return proposal


def validate_decision(
    request: DerogationRequest, actor: User, *, seen_digest: str | None = None
) -> Decision:
    """The senior evaluator signs the pending proposal: it becomes the issued decision.

    ``seen_digest``: the proposal_digest of the letter the senior read; a proposal amended
    since is not signed.
    """
    with transaction.atomic():
        locked, proposal = _locked_proposal(request, actor)
        if seen_digest is not None and seen_digest != proposal_digest(proposal):
            raise TransitionError(
                _(
                    "La proposition a été modifiée depuis que vous l'avez lue : relisez le "
                    "courrier avant de le signer."
                )
            )
        name = "grant" if proposal.kind == DecisionKind.GRANT else "refuse"

        def apply(req: DerogationRequest) -> None:
            if proposal.proposed_by_id == actor.pk:
                raise TransitionError(_("Vous ne pouvez pas valider votre propre proposition."))
            _check_decision_text(proposal.motivation, proposal.conditions)
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


def request_complements(
    request: DerogationRequest, actor: User, questions: str, *, due_date: datetime.date
) -> DerogationRequest:
    """Ask the operator questions, to answer by ``due_date``: the clock stops meanwhile."""
    if not questions.strip():
        raise TransitionError(_("Formulez au moins une question."))
    if due_date <= timezone.localdate():
        raise TransitionError(_("La date limite de réponse doit être dans le futur."))

    def apply(locked: DerogationRequest) -> None:
        stopped_at = stop_clock(locked)
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
        resume_clock(locked)
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


def record_action(request: DerogationRequest, actor: User, action: str, comment: str) -> None:
    """An audit entry for an action that does not change the request's status (call it
    inside the transaction that performs the action)."""
    record_actions(request, actor, action, [comment])


def record_actions(
    request: DerogationRequest, actor: User, action: str, comments: list[str]
) -> None:
    """One audit entry per comment for actions that do not change the request's status,
    written in one statement (a CSV import of supplies records up to a thousand)."""
    AuditEntry.objects.bulk_create(
        AuditEntry(
            request=request,
            actor=actor,
            action=action,
            from_status=request.status,
            to_status=request.status,
            comment=comment,
        )
        for comment in comments
    )

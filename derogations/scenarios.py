"""Bring a request to any state through the real lifecycle: demo data and tests use it.

Nothing here writes a status: every step is a call to derogations.lifecycle.
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.utils import timezone

from accounts.models import User

from . import calendar, deadlines, lifecycle
from .enums import DecisionKind, Status
from .models import DerogationRequest

GRANT_MOTIVATION = (
    "Considérant le bénéfice significatif attendu, les données de performance fournies "
    "et l'absence d'alternative marquée CE, la dérogation est accordée."
)
REFUSAL_MOTIVATION = (
    "Considérant qu'un dispositif marqué CE répondant au besoin est disponible, "
    "la dérogation est refusée."
)


COMPLEMENT_QUESTIONS = "Merci de transmettre le rapport d'évaluation des performances complet."

# What other apps need done before a proposal, registered in their AppConfig.ready()
# (reviews: a complete evaluation grid, which the lifecycle requires). derogations does
# not import them.
before_proposal: list[Callable[[DerogationRequest, User], None]] = []


@dataclass(frozen=True)
class Cast:
    operator: User
    evaluator: User
    senior: User


def bring_to(request: DerogationRequest, state: str, cast: Cast) -> DerogationRequest:
    """Move a draft along the shortest path of the lifecycle to ``state``."""
    if state != Status.DRAFT:
        _advance(request, Status(state), cast)
    request.refresh_from_db()
    return request


def _advance(req: DerogationRequest, state: Status, cast: Cast) -> None:
    lifecycle.submit(req, cast.operator)
    if state == Status.SUBMITTED:
        return
    if state == Status.INADMISSIBLE:
        lifecycle.declare_inadmissible(req, cast.evaluator, "Pièces essentielles manquantes.")
        return
    if state == Status.WITHDRAWN:
        lifecycle.withdraw(req, cast.operator, "Le patient a été orienté vers un autre centre.")
        return
    lifecycle.declare_admissible(req, cast.evaluator)
    if state == Status.IN_REVIEW:
        return
    if state == Status.AWAITING_COMPLEMENTS:
        lifecycle.request_complements(
            req,
            cast.evaluator,
            COMPLEMENT_QUESTIONS,
            due_date=deadlines.default_complement_due_date(),
        )
        return
    for step in before_proposal:
        step(req, cast.evaluator)
    grant = state != Status.REFUSED
    lifecycle.propose_decision(
        req,
        cast.evaluator,
        kind=DecisionKind.GRANT if grant else DecisionKind.REFUSAL,
        motivation=GRANT_MOTIVATION if grant else REFUSAL_MOTIVATION,
        conditions="Traçabilité des lots ; déclaration de tout incident." if grant else "",
        valid_until=timezone.localdate() + datetime.timedelta(days=180) if grant else None,
    )
    if state == Status.DECISION_PROPOSED:
        return
    lifecycle.validate_decision(req, cast.senior)


@contextmanager
def played_at(moment: datetime.datetime) -> Iterator[None]:
    """Play lifecycle steps at a past moment (demo history only): Django's clock, which
    the lifecycle reads for every date it writes, is set to ``moment`` meanwhile."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def moment_after(start: datetime.datetime, working_days: int) -> datetime.datetime:
    """The same time of day ``working_days`` working days after ``start`` (local time)."""
    local = timezone.localtime(start)
    day = calendar.add_working_days(local.date(), working_days)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def decided_at_past_dates(
    request: DerogationRequest,
    cast: Cast,
    received: datetime.datetime,
    *,
    grant: bool,
    working_days: int,
    stop: tuple[int, int] | None = None,
) -> DerogationRequest:
    """A request received at ``received`` and decided ``working_days`` working days later
    (``stop``: complements asked after that many working days, answered so many later;
    they push the decision back as much). Steps that would be in the future are left
    undone: the request stays in review."""
    now = timezone.now()
    with played_at(received):
        lifecycle.submit(request, cast.operator)
        lifecycle.declare_admissible(request, cast.evaluator)
    stopped = 0
    if stop is not None:
        asked = moment_after(received, stop[0])
        answered = moment_after(asked, stop[1])
        if answered < now:
            with played_at(asked):
                lifecycle.request_complements(
                    request,
                    cast.evaluator,
                    COMPLEMENT_QUESTIONS,
                    due_date=deadlines.default_complement_due_date(),
                )
            with played_at(answered):
                lifecycle.answer_complements(request, cast.operator, "Rapport complet joint.")
            stopped = stop[1]
    decided = moment_after(received, working_days + stopped)
    if decided < now:
        with played_at(decided - datetime.timedelta(hours=3)):
            for step in before_proposal:
                step(request, cast.evaluator)
            lifecycle.propose_decision(
                request,
                cast.evaluator,
                kind=DecisionKind.GRANT if grant else DecisionKind.REFUSAL,
                motivation=GRANT_MOTIVATION if grant else REFUSAL_MOTIVATION,
                conditions="Traçabilité des lots ; déclaration de tout incident." if grant else "",
                valid_until=timezone.localdate() + datetime.timedelta(days=180) if grant else None,
            )
        with played_at(decided):
            lifecycle.validate_decision(request, cast.senior)
    request.refresh_from_db()
    return request

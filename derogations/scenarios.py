"""Bring a request to any state through the real lifecycle: demo data and tests use it.

Nothing here writes a status: every step is a call to derogations.lifecycle.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User

from . import lifecycle
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
            due_date=lifecycle.default_complement_due_date(),
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

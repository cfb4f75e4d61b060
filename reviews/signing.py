""" "À signer": the proposals of decision waiting for a senior evaluator's signature (the
second person of the four-eyes rule), the most urgent and the oldest first, with their age.

A senior sees every pending proposal but their own: a proposal is signed by someone else.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from derogations.enums import DecisionKind, DecisionState, Kind, Urgency
from derogations.models import Decision
from derogations.tables import day, labels, url_maker

PAGE_SIZE = 50


def waiting_proposals(user: User) -> "QuerySet[Decision]":
    """The bare rows: proposals awaiting a signature that ``user`` may give, vital
    urgencies first, then the oldest."""
    vital_first = Case(When(request__urgency=Urgency.VITAL, then=Value(0)), default=Value(1))
    return (
        Decision.objects.filter(state=DecisionState.PROPOSED)
        .exclude(proposed_by=user)
        .order_by(vital_first, "proposed_at", "pk")
    )


def proposal_columns(proposals: "QuerySet[Decision]") -> "QuerySet[Decision]":
    """What a row shows, read with the page's rows in one query."""
    return proposals.only("kind", "proposed_at", "request_id").annotate(
        reference=F("request__reference"),
        request_kind=F("request__kind"),
        urgency=F("request__urgency"),
        device_name=F("request__device_name"),
        operator_name=F("request__organisation__name"),
        target_date=F("request__target_date"),
        proposer_first_name=F("proposed_by__first_name"),
        proposer_last_name=F("proposed_by__last_name"),
        proposer_email=F("proposed_by__email"),
    )


@dataclass(slots=True)
class ProposalRow:
    """A row of "À signer" (reviews/jinja2/reviews/to_sign_table.html prints it)."""

    href: str
    reference: str
    decision: str
    urgency: str
    vital: bool
    device: str
    operator: str
    proposer: str
    proposed_on: str
    age_days: int
    target: str


def proposal_rows(proposals: Iterable[Any], *, today: datetime.date) -> list[ProposalRow]:
    file_url = url_maker("reviews:file")
    kinds, urgencies = labels(DecisionKind), labels(Urgency)
    zone = timezone.get_current_timezone()
    rows = []
    for proposal in proposals:
        proposed_day = timezone.localtime(proposal.proposed_at, zone).date()
        individual = proposal.request_kind == Kind.INDIVIDUAL
        rows.append(
            ProposalRow(
                href=file_url(proposal.request_id) + "#decision",
                reference=proposal.reference or "",
                decision=kinds.get(proposal.kind, proposal.kind),
                urgency=urgencies.get(proposal.urgency, proposal.urgency) if individual else "—",
                vital=individual and proposal.urgency == Urgency.VITAL,
                device=proposal.device_name or "",
                operator=proposal.operator_name,
                proposer=User.display_name(
                    proposal.proposer_first_name,
                    proposal.proposer_last_name,
                    proposal.proposer_email,
                ),
                proposed_on=day(proposal.proposed_at, zone),
                age_days=max((today - proposed_day).days, 0),
                target=day(proposal.target_date),
            )
        )
    return rows

"""The status, derogation and urgency badges of a request, written in Python: list pages show one per
row (an ``{% include %}`` per row cost more than the rest of the row, issue 8). Templates
use them through ``{% load badges %}``."""

import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from . import derogation_states
from .enums import DerogationStatus, Status, Urgency
from .models import Derogation, DerogationRequest

_STATUS_CLASSES: dict[str, str] = {
    Status.GRANTED: " fr-badge--success",
    Status.REFUSED: " fr-badge--error",
    Status.INADMISSIBLE: " fr-badge--error",
    Status.AWAITING_COMPLEMENTS: " fr-badge--warning",
    Status.WITHDRAWN: "",
    Status.DRAFT: "",
}


def status_modifier(status: str, derogation_state: str = "") -> str:
    """The DSFR class that colours a status badge (info unless stated above), with its
    leading space, or "". A granted request whose derogation is no longer in force
    (``derogation_state``) is not shown in green: its derogation's badge says why. The
    Jinja2 tables print the badge themselves with this class (reviews/jinja2/reviews/
    queue_table.html): one call of format_html per row was a tenth of the queue's table."""
    if status == Status.GRANTED and derogation_state not in ("", DerogationStatus.ACTIVE):
        return ""
    return _STATUS_CLASSES.get(status, " fr-badge--info")


def status_badge(status: str, label: object, derogation_state: str = "") -> SafeString:
    """A status with its colour (status_modifier); never colour alone: the label is the
    text of the badge."""
    return format_html(
        '<p class="fr-badge fr-badge--sm fr-badge--no-icon{}">{}</p>',
        status_modifier(status, derogation_state),
        label,
    )


def urgency_badge(request: DerogationRequest | None, label: object = None) -> SafeString:
    """The urgency of an individual request, nothing for a standard one or a global one
    (``label``: the urgency's label when the caller has it, else asked to the request)."""
    if request is None or not request.is_urgent:
        return SafeString("")
    vital = " fr-badge--error" if request.urgency == Urgency.VITAL else ""
    return format_html(
        '<p class="fr-badge fr-badge--sm fr-badge--warning{}">{}</p>',
        vital,
        request.get_urgency_display() if label is None else label,
    )


_DEROGATION_CLASSES: dict[str, str] = {
    DerogationStatus.ACTIVE: " fr-badge--success",
    DerogationStatus.SUSPENDED: " fr-badge--warning",
    DerogationStatus.LIFTED: " fr-badge--error",
    DerogationStatus.EXPIRED: "",
}


def derogation_badge(state: str, label: object) -> SafeString:
    """The state of a request's derogation in force (``derogation_states.badge_label``
    gives its words), beside the request's status; nothing when there is none."""
    if not state:
        return SafeString("")
    return format_html(
        '<p class="fr-badge fr-badge--sm fr-badge--no-icon{}">{}</p>',
        _DEROGATION_CLASSES.get(state, ""),
        label,
    )


def derogation_state_badge(
    derogation: Derogation | None, today: datetime.date | None = None
) -> tuple[str, SafeString]:
    """A derogation's effective state and its badge (with its end date); ("", "") for a
    request without one. Reads only the derogation's status and end date."""
    if derogation is None:
        return "", SafeString("")
    state = derogation_states.effective_state(derogation.status, derogation.valid_until, today)
    return state, derogation_badge(
        state, derogation_states.badge_label(state, derogation.valid_until)
    )


def request_badges(request: DerogationRequest) -> SafeString:
    """A file's header: its status as the operator sees it and, once granted, its
    derogation's state with its end date (the request's ``derogation`` read already)."""
    state, derogation = derogation_state_badge(getattr(request, "derogation", None))
    status = status_badge(request.operator_status, request.get_operator_status_display(), state)
    # The items of the header's DSFR badges group.
    return format_html_join(
        "", "<li>{}</li>", ((badge,) for badge in (status, derogation) if badge)
    )

"""The status and urgency badges of a request, written in Python: list pages show one per
row (an ``{% include %}`` per row cost more than the rest of the row, issue 8). Templates
use them through ``{% load badges %}``."""

from django.utils.html import format_html
from django.utils.safestring import SafeString

from .enums import Status, Urgency
from .models import DerogationRequest

_STATUS_CLASSES: dict[str, str] = {
    Status.GRANTED: " fr-badge--success",
    Status.REFUSED: " fr-badge--error",
    Status.INADMISSIBLE: " fr-badge--error",
    Status.AWAITING_COMPLEMENTS: " fr-badge--warning",
    Status.WITHDRAWN: "",
    Status.DRAFT: "",
}


def status_badge(status: str, label: object) -> SafeString:
    """A status with its colour (info unless stated above); never colour alone: the label
    is the text of the badge."""
    modifier = _STATUS_CLASSES.get(status, " fr-badge--info")
    return format_html(
        '<p class="fr-badge fr-badge--sm fr-badge--no-icon{}">{}</p>', modifier, label
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

"""What the rows of the long lists show, worked out once per row in Python (labels
translated once per table, URLs, dates written): the Jinja2 partials of derogations/jinja2/ only print
it (ARCHITECTURE.md, "Lists and screens")."""

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Choices, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from .badges import derogation_state_badge, status_modifier, urgency_badge
from .enums import Kind, Status, Urgency
from .models import DerogationRequest

_SENTINEL = 2147483647


def url_maker(name: str) -> Callable[[int | str], str]:
    """``reverse(name, args=[key])`` for many pks (or references) at the price of one
    reverse; a text key is quoted as reverse quotes it."""
    before, _sep, after = reverse(name, args=[_SENTINEL]).partition(str(_SENTINEL))

    def url(key: int | str) -> str:
        if isinstance(key, str):
            key = quote(key, safe=RFC3986_SUBDELIMS + "/~:@")
        return f"{before}{key}{after}"

    return url


def day(
    value: datetime.date | datetime.datetime | None, zone: datetime.tzinfo | None = None
) -> str:
    """dd/mm/yyyy (``|date:"d/m/Y"``), a datetime in ``zone`` (default: the current time
    zone; a table asks for it once, not per cell)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, zone).date()
    return _day(value)


@functools.lru_cache(maxsize=4096)
def _day(value: datetime.date) -> str:
    # A list shows few distinct days: strftime once per day, not per cell.
    return value.strftime("%d/%m/%Y")


def shorten(text: object, length: int) -> str:
    """``|truncatechars:length`` (Django's Truncator, "…" included), without its cost for
    a text that is short enough: Truncator never cuts a text of at most ``length``
    characters (combining characters count for nothing)."""
    text = str(text)
    return text if len(text) <= length else Truncator(text).chars(length)


def labels(choices: type[Choices]) -> dict[str, str]:
    """Value → label of a choices enum, translated once for a whole table."""
    return {value: str(label) for value, label in choices.choices}


OPERATOR_ROW_FIELDS = (
    "reference",
    "renewal_of_id",
    "kind",
    "urgency",
    "device_name",
    "device_model",
    "status",
    "submitted_at",
    "target_date",
    "clock_stopped_at",
    "updated_at",
)


def operator_dashboard_columns(requests: QuerySet) -> QuerySet:
    """What a row of "Mes demandes" reads (the long texts of a request stay in the table),
    with its derogation's state and end date (one join, for the page's rows only)."""
    return requests.select_related("derogation").only(
        *OPERATOR_ROW_FIELDS, "derogation__status", "derogation__valid_until"
    )


@dataclass(slots=True)
class OperatorRow:
    """A row of an operator's "Mes demandes" (derogations/jinja2/derogations/dashboard_table.html)."""

    href: str
    title: str
    renewal: bool
    kind: str
    urgency: SafeString
    device: str
    status_css: str  # the badge's colour class (badges.status_modifier)
    status_label: str
    derogation: SafeString
    submitted: str
    target: str
    updated: str


def operator_dashboard_rows(files: Iterable[DerogationRequest]) -> list[OperatorRow]:
    """The rows of an operator's "Mes demandes" (``operator_dashboard_columns``' values)."""
    detail_url = url_maker("derogations:detail")
    kinds, statuses, urgencies = labels(Kind), labels(Status), labels(Urgency)
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    rows = []
    for req in files:
        target_shown = req.target_date and (req.clock_running or req.clock_stopped)
        status = req.operator_status
        state, derogation = derogation_state_badge(getattr(req, "derogation", None), today)
        rows.append(
            OperatorRow(
                href=detail_url(req.pk),
                title=str(req),
                renewal=req.renewal_of_id is not None,
                kind=kinds.get(req.kind, req.kind),
                urgency=urgency_badge(req, urgencies.get(req.urgency, req.urgency))
                if req.is_urgent
                else SafeString(""),
                device=" ".join(filter(None, [req.device_name or "—", req.device_model])),
                status_css=status_modifier(status, state),
                status_label=statuses.get(status, ""),
                derogation=derogation,
                submitted=day(req.submitted_at, zone) or "—",
                target=day(req.target_date) if target_shown else "—",
                updated=day(req.updated_at, zone),
            )
        )
    return rows

"""Rows of the long list pages written in Python (issue 8).

A Django template spends about 0.3 ms per row of the queue (variable lookups, an include,
``{% url %}``, ``{% blocktranslate %}``): 50 rows cost three times a whole trivial page.
These functions write the same markup, every text through ``widgets.escape``, and the
same translatable texts as the templates had (their msgids are unchanged).
"""

import datetime
import functools
from collections.abc import Callable, Iterable

from django.db.models import Choices, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .badges import status_badge, urgency_badge
from .enums import Kind, Status, Urgency
from .models import DerogationRequest
from .widgets import escape

_SENTINEL = 2147483647


def url_maker(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many pks at the price of one reverse."""
    before, _sep, after = reverse(name, args=[_SENTINEL]).partition(str(_SENTINEL))
    return lambda pk: f"{before}{pk}{after}"


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


def labels(choices: type[Choices]) -> dict[str, str]:
    """Value → label of a choices enum, translated once for a whole table."""
    return {value: str(label) for value, label in choices.choices}


def join_rows(rows: Iterable[str]) -> SafeString:
    return SafeString("\n".join(rows))


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
    """What a row of "Mes demandes" reads (the long texts of a request stay in the table)."""
    return requests.only(*OPERATOR_ROW_FIELDS)


def operator_dashboard_rows(files: Iterable[DerogationRequest]) -> SafeString:
    """The rows of an operator's "Mes demandes" (templates/derogations/dashboard.html)."""
    detail_url = url_maker("derogations:detail")
    renewal = format_html('<br><span class="fr-text--xs">{}</span>', _("Renouvellement"))
    kinds, statuses, urgencies = labels(Kind), labels(Status), labels(Urgency)
    zone = timezone.get_current_timezone()
    rows = []
    for req in files:
        target_shown = req.target_date and (req.clock_running or req.clock_stopped)
        urgency = (
            urgency_badge(req, urgencies.get(req.urgency, req.urgency)) if req.is_urgent else ""
        )
        model = f" {escape(req.device_model)}" if req.device_model else ""
        status = req.operator_status
        rows.append(
            f'<tr><td><a href="{detail_url(req.pk)}">{escape(str(req))}</a>'
            f"{renewal if req.renewal_of_id else ''}</td>"
            f"<td>{escape(kinds.get(req.kind, req.kind))}{urgency}</td>"
            f"<td>{escape(req.device_name or '—')}{model}</td>"
            f"<td>{status_badge(status, statuses.get(status, ''))}</td>"
            f"<td>{day(req.submitted_at, zone) or '—'}</td>"
            f"<td>{day(req.target_date) if target_shown else '—'}</td>"
            f"<td>{day(req.updated_at, zone)}</td></tr>"
        )
    return join_rows(rows)

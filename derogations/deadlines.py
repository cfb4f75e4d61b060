"""Target dates of a request and the review clock (working days, Paris time): set at
submission, stopped while complements are awaited, pushed back when they arrive."""

import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.timezone import localtime

from . import calendar
from .enums import Kind, Urgency
from .models import DerogationRequest

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


def start_clock(request: DerogationRequest) -> None:
    """At submission: the target date counts working days from the day of receipt."""
    assert request.submitted_at is not None
    received = _local_day(request.submitted_at)
    request.target_date = calendar.add_working_days(
        received, target_working_days(request.kind, request.urgency)
    )
    request.clock_stopped_at = None


def stop_clock(request: DerogationRequest) -> datetime.datetime:
    request.clock_stopped_at = stopped_at = timezone.now()
    return stopped_at


def resume_clock(request: DerogationRequest) -> None:
    """The working days spent waiting for complements push the target date back."""
    if request.clock_stopped_at is not None and request.target_date is not None:
        lost = calendar.working_days_between(
            _local_day(request.clock_stopped_at), timezone.localdate()
        )
        request.target_date = calendar.add_working_days(request.target_date, lost)
    request.clock_stopped_at = None


# Suggested time to answer a complement request (our choice), in working days.
COMPLEMENT_WORKING_DAYS = 15


def default_complement_due_date(today: datetime.date | None = None) -> datetime.date:
    """The due date suggested to the evaluator: 15 working days from today."""
    return calendar.add_working_days(today or timezone.localdate(), COMPLEMENT_WORKING_DAYS)

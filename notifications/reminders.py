"""Which reminders are due today: written as outbox rows, each once (unique constraints)."""

import datetime

from django.db.models import Count, Prefetch

from accounts.enums import Role
from accounts.models import User
from derogations import reports
from derogations.enums import DerogationStatus, Kind
from derogations.models import Derogation, DerogationRequest

from .models import (
    ENDING_THRESHOLDS,
    REPORT_REMINDER_DAYS,
    RecipientRole,
    Reminder,
    ReminderKind,
)

_ACTIVE_MEMBERS = Prefetch(
    "request__organisation__members",
    queryset=User.objects.filter(is_active=True).only("email", "preferred_language"),
)


def _staff() -> list[tuple[str, str]]:
    """Active evaluators and senior evaluators, with their language."""
    return list(
        User.objects.filter(
            is_active=True, role__in=[Role.EVALUATOR, Role.SENIOR_EVALUATOR]
        ).values_list("email", "preferred_language")
    )


def _threshold(days_left: int) -> str | None:
    for days, kind in ENDING_THRESHOLDS:
        if 0 <= days_left <= days:
            return kind
    return None


def _operator(derogation: Derogation) -> list[tuple[str, str, str]]:
    """The operator's active members (prefetched) and contact address, with their language:
    members first, so that a contact address that is a member's gets their language."""
    request = derogation.request
    operator = [(m.email, m.preferred_language) for m in request.organisation.members.all()]
    operator.append((request.contact_email, "fr"))
    return [(email, language, RecipientRole.OPERATOR) for email, language in operator]


def _reminders(
    kind: str, derogation: Derogation, day: datetime.date, recipients: list[tuple[str, str, str]]
) -> list[Reminder]:
    """One reminder per address (in its normal form, each once)."""
    rows = []
    seen: set[str] = set()
    for email, language, role in recipients:
        key = email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            rows.append(
                Reminder(
                    kind=kind,
                    derogation=derogation,
                    day=day,
                    recipient_email=key,
                    recipient_role=role,
                    language=language,
                )
            )
    return rows


def _report_reminders(today: datetime.date) -> list[Reminder]:
    """To the operator, REPORT_REMINDER_DAYS days or less before a periodic report is due
    and while it has not been received (one reminder per due date: its ``day``)."""
    rows: list[Reminder] = []
    reporting = (
        Derogation.objects.filter(
            request__kind=Kind.GLOBAL,
            status__in=[DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED],
            grant__report_interval_months__isnull=False,
            valid_until__gte=today,
        )
        .select_related("request__organisation", "grant")
        .annotate(reports_received=Count("periodic_reports"))
        .prefetch_related(_ACTIVE_MEMBERS)
    )
    horizon = today + datetime.timedelta(days=REPORT_REMINDER_DAYS)
    for derogation in reporting:
        due = reports.schedule(derogation)
        for number, day in enumerate(due, start=1):
            if today <= day <= horizon and derogation.reports_received < number:
                rows += _reminders(ReminderKind.REPORT_DUE, derogation, day, _operator(derogation))
                break
    return rows


def write_due_reminders(today: datetime.date) -> int:
    """Write today's reminders; those already written are left as they are."""
    staff = _staff()
    rows: list[Reminder] = []
    longest = max(days for days, _kind in ENDING_THRESHOLDS)
    ending = (
        Derogation.objects.filter(
            request__kind=Kind.GLOBAL,
            status=DerogationStatus.ACTIVE,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=longest),
        )
        .select_related("request__organisation")
        .prefetch_related(_ACTIVE_MEMBERS)
    )
    for derogation in ending:
        if derogation.valid_until is None:  # excluded by the query above
            continue
        kind = _threshold((derogation.valid_until - today).days)
        if kind is None:
            continue
        recipients = _operator(derogation) + [(e, lang, RecipientRole.STAFF) for e, lang in staff]
        rows += _reminders(kind, derogation, today, recipients)
    rows += _report_reminders(today)
    if DerogationRequest.objects.overdue(today).exists():
        rows += [
            Reminder(
                kind=ReminderKind.OVERDUE_DIGEST,
                day=today,
                recipient_email=email.lower(),
                recipient_role=RecipientRole.STAFF,
                language=language,
            )
            for email, language in staff
        ]
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return Reminder.objects.count() - before

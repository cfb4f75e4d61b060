"""Which reminders are due today: written as outbox rows, each once (unique constraints)."""

import datetime

from django.db.models import Prefetch

from accounts.enums import Role
from accounts.models import User
from derogations.enums import DerogationStatus, Kind
from derogations.models import Derogation, DerogationRequest

from .models import ENDING_THRESHOLDS, RecipientRole, Reminder, ReminderKind


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
        .prefetch_related(
            Prefetch(
                "request__organisation__members",
                queryset=User.objects.filter(is_active=True).only("email", "preferred_language"),
            )
        )
    )
    for derogation in ending:
        if derogation.valid_until is None:  # excluded by the query above
            continue
        kind = _threshold((derogation.valid_until - today).days)
        if kind is None:
            continue
        request = derogation.request
        # Members first: a contact address that is a member's gets their language.
        operator = [(m.email, m.preferred_language) for m in request.organisation.members.all()]
        operator.append((request.contact_email, "fr"))
        recipients = [(e, lang, RecipientRole.OPERATOR) for e, lang in operator] + [
            (e, lang, RecipientRole.STAFF) for e, lang in staff
        ]
        seen: set[str] = set()
        for email, language, role in recipients:
            key = email.strip().lower()
            if key and key not in seen:
                seen.add(key)
                rows.append(
                    Reminder(
                        kind=kind,
                        derogation=derogation,
                        day=today,
                        recipient_email=key,
                        recipient_role=role,
                        language=language,
                    )
                )
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

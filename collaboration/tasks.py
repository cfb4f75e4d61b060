"""Reminders to experts whose opinion is due soon. Tasks take no model instances."""

import datetime

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.tasks import RETRY_ON_OUTAGE

from . import emails
from .models import ExpertOpinion, ExpertReminder, OpinionStatus

# An expert who has not answered is reminded this many days before the due date (our
# choice), once each: ExpertReminder's unique constraint refuses a second one. The shorter
# delay is tried first: an opinion asked 5 days before its date gets the 2-day reminder
# only, never both on the same day.
REMINDER_DAYS_BEFORE = (2, 7)


def remind_experts(today: datetime.date | None = None) -> int:
    """Queue the reminders due today; returns how many. Running twice (or two beats at
    once) sends each reminder once: the second insert breaks the constraint and is skipped,
    and the email leaves only if its reminder row committed."""
    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_DAYS_BEFORE:
        due = ExpertOpinion.objects.filter(
            status__in=[OpinionStatus.REQUESTED, OpinionStatus.ACCEPTED],
            due_date__gt=today,
            due_date__lte=today + datetime.timedelta(days=days),
            requested_at__date__lt=today,  # not the day it was asked
        ).exclude(reminders__days_before__lte=days)
        for opinion in due.select_related("requested_by"):
            try:
                with transaction.atomic():
                    ExpertReminder.objects.create(opinion=opinion, days_before=days)
                    emails.expert_link(opinion, reminder=True)
            except IntegrityError:
                continue  # another run reminded this expert meanwhile
            sent += 1
    return sent


@shared_task(acks_late=True, **RETRY_ON_OUTAGE)
def remind_experts_due() -> int:
    """Daily (Celery beat)."""
    return remind_experts()

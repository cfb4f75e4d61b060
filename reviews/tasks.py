"""Reminders to operators whose complements are due soon. Tasks take primary keys only."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.emails import send_on_commit
from config.mail import automatic_email, render_parts
from config.tasks import RETRY_ON_OUTAGE
from derogations.models import ComplementRequest

# The operator is reminded this many days before the due date (our choice: D-3).
REMINDER_DAYS_BEFORE = 3


@shared_task(acks_late=True, **RETRY_ON_OUTAGE)
def remind_complements_due() -> int:
    """Daily (Celery beat): one reminder per open complement request due within
    REMINDER_DAYS_BEFORE days. ``reminded_at`` is set under the row lock and the email
    is written in the outbox in the same transaction, so running twice (or two beats)
    sends it once, and an SMTP server down at that moment delays it without losing it."""
    today = timezone.localdate()
    due = list(
        ComplementRequest.objects.open()
        .filter(
            reminded_at__isnull=True,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=REMINDER_DAYS_BEFORE),
        )
        .values_list("pk", flat=True)
    )
    queued = 0
    for pk in due:
        with transaction.atomic():
            # One UPDATE ... WHERE reminded_at IS NULL: it locks the row, and a concurrent
            # run waiting on that lock then finds it reminded and updates nothing.
            claimed = ComplementRequest.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not claimed:
                continue  # another run reminded it meanwhile
            # Written in the outbox in the claim's transaction: sent once committed, retried
            # while the SMTP server refuses it, never twice (as every email of the portal).
            send_on_commit(complement_reminder(pk))
        queued += 1
    return queued


def complement_reminder(complement_request_pk: int) -> EmailMessage:
    """The reminder to the operator, in French (the language of the agency's letters)."""
    round_ = ComplementRequest.objects.select_related("request__organisation").get(
        pk=complement_request_pk
    )
    request = round_.request
    recipient = request.contact_email or request.created_by.email
    with translation.override("fr"):
        context = {
            "round": round_,
            "request": request,
            "file_url": settings.PORTAL_BASE_URL + reverse("derogations:detail", args=[request.pk]),
        }
        subject, text, html = render_parts(
            "emails/complement_reminder_subject.txt", "emails/complement_reminder_body.txt", context
        )
    return automatic_email(subject, text, html, [recipient])

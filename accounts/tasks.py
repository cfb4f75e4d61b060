"""Periodic housekeeping of the accounts app (scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.core.management import call_command

from config.tasks import RETRY_ON_OUTAGE


@shared_task(**RETRY_ON_OUTAGE)
def clear_expired_sessions() -> None:
    """Delete expired sessions (Django's ``clearsessions``): safe to run twice."""
    call_command("clearsessions")

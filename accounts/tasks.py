"""Periodic housekeeping of the accounts app (scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired sessions (Django's ``clearsessions``): safe to run twice."""
    call_command("clearsessions")

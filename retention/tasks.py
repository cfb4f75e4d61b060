"""The nightly retention run (scheduled in CELERY_BEAT_SCHEDULE). Safe to run twice."""

from celery import shared_task

from config.tasks import RETRY_ON_OUTAGE

from . import services


@shared_task(acks_late=True, **RETRY_ON_OUTAGE)
def apply_retention() -> int | None:
    """Apply the retention policy; returns the id of the RetentionRun written."""
    run = services.apply_retention().run
    return run.pk if run is not None else None

"""The task that builds a whole file's ZIP: queued on commit with the export's primary key;
run twice, it does nothing the second time (file_exports.states.start)."""

import logging

from celery import Task, shared_task
from django.conf import settings

from config.tasks import OUTAGES, RETRY_ON_OUTAGE

from . import archive, states

logger = logging.getLogger(__name__)

# Tries after the first one (storage or rendering failure); then the export is failed.
EXPORT_RETRIES = 3


def retry_delay(retries: int) -> int:
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return delays[min(retries, len(delays) - 1)]


@shared_task(bind=True, acks_late=True, **{**RETRY_ON_OUTAGE, "max_retries": EXPORT_RETRIES})
def build_file_export(self: Task, export_pk: int) -> None:
    try:
        archive.build(export_pk)
    except OUTAGES:
        raise  # the database or the broker: Celery's automatic retry (RETRY_ON_OUTAGE)
    except Exception as exc:  # storage, rendering: a few more tries, then a clear message
        logger.warning(
            "File export %s: try %s failed: %r", export_pk, self.request.retries + 1, exc
        )
        if self.request.retries >= EXPORT_RETRIES:
            states.fail(export_pk, exc)
            return
        states.retry_later(export_pk, exc)
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


@shared_task
def purge_expired_exports() -> int:
    """Daily (celery beat): the exports past their availability, files and rows."""
    deleted = states.purge_expired()
    logger.info("%s expired file exports deleted", deleted)
    return deleted

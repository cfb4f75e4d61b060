"""The one place that changes an export's status: queued -> running -> ready, or failed
after the task's last try (each change under the row's lock, in a transaction)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .models import ExportStatus, FileExport

logger = logging.getLogger(__name__)


def start(export_pk: int, total: int) -> FileExport | None:
    """Mark the export running with ``total`` parts to write; None if there is nothing to
    do (already ready, failed for good, or deleted)."""
    with transaction.atomic():
        export = FileExport.objects.select_for_update().filter(pk=export_pk).first()
        if export is None or not export.is_active:
            return None
        export.status = ExportStatus.RUNNING
        export.done, export.total = 0, total
        export.attempts += 1
        export.save(update_fields=["status", "done", "total", "attempts"])
        return export


def progress(export_pk: int, done: int) -> None:
    FileExport.objects.filter(pk=export_pk, status=ExportStatus.RUNNING).update(done=done)


def finish(export_pk: int, archive: File, name: str, sha256: str, size: int) -> None:
    """Store the archive (default storage) and mark the export ready."""
    with transaction.atomic():
        export = FileExport.objects.select_for_update().get(pk=export_pk)
        if export.status != ExportStatus.RUNNING:
            return
        export.archive.save(name, archive, save=False)
        export.status = ExportStatus.READY
        export.sha256, export.size = sha256, size
        export.done = export.total
        export.error = ""
        export.finished_at = timezone.now()
        export.expires_at = export.finished_at + timedelta(hours=settings.PORTAL_FILE_EXPORT_HOURS)
        export.save(
            update_fields=[
                "archive",
                "status",
                "sha256",
                "size",
                "done",
                "error",
                "finished_at",
                "expires_at",
            ]
        )
    logger.info("File export %s ready (%s bytes)", export_pk, size)


def retry_later(export_pk: int, error: Exception) -> None:
    """A try failed and another one will come: back to the queue, the error kept."""
    FileExport.objects.filter(pk=export_pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.QUEUED, error=_describe(error), queued_at=timezone.now()
    )


def fail(export_pk: int, error: Exception) -> None:
    """The last try failed: the person is told and may ask again."""
    FileExport.objects.filter(
        pk=export_pk, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(status=ExportStatus.FAILED, error=_describe(error), finished_at=timezone.now())
    logger.warning("File export %s failed: %s", export_pk, _describe(error))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def purge_expired(now: datetime | None = None) -> int:
    """Delete the exports past their end of availability (whatever their state: one still
    queued then was never built), their archive first: a storage failure leaves the row for
    the next run."""
    expired = FileExport.objects.filter(expires_at__lte=now or timezone.now())
    deleted = 0
    for export in expired.order_by("pk").iterator():
        if export.archive:
            export.archive.delete(save=False)
        export.delete()
        deleted += 1
    return deleted

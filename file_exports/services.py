"""Asking for a whole file: one export per person, file and audience at a time."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from config.tasks import queue_on_commit
from derogations.models import DerogationRequest

from .access import audience_for
from .models import ACTIVE_STATUSES, ExportStatus, FileExport
from .tasks import build_file_export

# A queued export not started after this long was lost on the way to the worker (broker
# outage): asking again queues it once more.
REQUEUE_AFTER = timedelta(minutes=2)


def request_export(req: DerogationRequest, user: User) -> tuple[FileExport, bool]:
    """The person's export being built for this file, or a new one queued after commit
    (created: True). The caller loaded ``req`` through file_exports.access."""
    audience = audience_for(user)
    if audience is None:  # file_exports.access.exportable_requests lets no one else in
        raise PermissionError(user.pk)
    now = timezone.now()
    with transaction.atomic():
        active = FileExport.objects.select_for_update().filter(
            request=req, requested_by=user, audience=audience, status__in=ACTIVE_STATUSES
        )
        export = active.first()
        if export is None:
            try:
                with transaction.atomic():
                    export = FileExport.objects.create(
                        request=req,
                        requested_by=user,
                        audience=audience,
                        expires_at=now + timedelta(hours=settings.PORTAL_FILE_EXPORT_HOURS),
                    )
            except IntegrityError:  # the same click, a moment earlier, in another process
                return active.get(), False
            queue_on_commit(build_file_export, export.pk)
            return export, True
        if export.status == ExportStatus.QUEUED and export.queued_at < now - REQUEUE_AFTER:
            export.queued_at = now
            export.save(update_fields=["queued_at"])
            queue_on_commit(build_file_export, export.pk)
        return export, False

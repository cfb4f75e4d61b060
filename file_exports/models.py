"""The whole file as one download (issue 19): a ZIP holding a PDF summary of the file and
every document in folders, built by a Celery task for one person and one audience (ANSM
staff or the operator: each sees what they may), kept for a few hours, then deleted.

The status of an export is changed only by file_exports.services.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from derogations.models import DerogationRequest


class Audience(models.TextChoices):
    STAFF = "staff", _("ANSM")
    OPERATOR = "operator", _("Opérateur")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En préparation")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec")


ACTIVE_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def export_path(instance: "FileExport", filename: str) -> str:
    """Private prefix, one folder per request, a random name: never the reference."""
    return f"private/exports/{instance.request_id}/{secrets.token_hex(16)}.zip"


class FileExport(models.Model):
    request = models.ForeignKey(
        DerogationRequest, on_delete=models.CASCADE, related_name="+", verbose_name=_("dossier")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    audience = models.CharField(_("destinataire"), max_length=16, choices=Audience.choices)
    status = models.CharField(
        _("état"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    # Progress: the parts written (the summary, then each document) out of all of them.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    archive = models.FileField(upload_to=export_path, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    # When the task was last handed to the broker (a queued export older than that is
    # queued again when its person asks once more: file_exports.services.request_export).
    queued_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("disponible jusqu'au"))

    class Meta:
        verbose_name = _("téléchargement du dossier complet")
        verbose_name_plural = _("téléchargements du dossier complet")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"], name="file_export_expires")]
        constraints = [
            # Asking twice while one is being built reuses it.
            models.UniqueConstraint(
                fields=["request", "audience", "requested_by"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_file_export_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.READY) | (~Q(sha256="") & ~Q(archive="")),
                name="ready_file_export_has_archive",
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="file_export_progress_in_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.get_audience_display()} — {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY and self.expires_at > timezone.now()

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0

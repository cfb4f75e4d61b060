"""What the retention runs did (one row per run) and the drafts whose operator was warned."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from derogations.models import DerogationRequest


class RetentionRun(models.Model):
    """One run of the retention policy (retention.services.apply_retention).

    ``counts`` holds, per kind of data, how many rows were examined, anonymised and deleted:
    ``{"drafts": {"examined": 3, "anonymised": 0, "deleted": 3}, ...}``; ``errors`` the
    batches that failed (kind and message), retried by the next run.
    """

    started_at = models.DateTimeField(_("commencée le"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    counts = models.JSONField(_("décomptes"), default=dict)
    errors = models.JSONField(_("erreurs"), default=list)

    class Meta:
        verbose_name = _("passage de la politique de conservation")
        verbose_name_plural = _("passages de la politique de conservation")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class DraftWarning(models.Model):
    """The operator of a draft inactive for long was told it will be deleted (once per
    period of inactivity: a draft changed after the warning is warned again later)."""

    request = models.OneToOneField(DerogationRequest, on_delete=models.CASCADE, related_name="+")
    warned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("avertissement de suppression d'un brouillon")
        verbose_name_plural = _("avertissements de suppression de brouillons")

    def __str__(self) -> str:
        return f"{self.request_id} {self.warned_at:%Y-%m-%d}"

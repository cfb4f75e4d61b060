"""ANSM-internal records of an evaluation: never shown to the operator or professionals."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from derogations.enums import FOUR_EYES_KINDS, DecisionKind
from derogations.models import DerogationRequest

from .enums import Assessment, BenefitRisk

# The three preponderant criteria (IVDR Art. 54 as applied by ANSM): field prefix, label.
CRITERIA = (
    ("benefit", _("Bénéfice significatif pour le(s) patient(s)")),
    ("data", _("Données de sécurité et de performance")),
    ("alternative", _("Absence d'alternative")),
)


class EvaluationGrid(models.Model):
    """One per request: an assessment and a comment per criterion, a benefit/risk
    conclusion. Saved through reviews.grid.save_grid, which keeps every version."""

    request = models.OneToOneField(
        DerogationRequest, on_delete=models.PROTECT, related_name="evaluation_grid"
    )
    benefit_assessment = models.CharField(
        _("appréciation — bénéfice significatif"),
        max_length=16,
        choices=Assessment.choices,
        default=Assessment.NOT_ASSESSED,
    )
    benefit_comment = models.TextField(_("commentaire — bénéfice significatif"), blank=True)
    data_assessment = models.CharField(
        _("appréciation — données de sécurité et de performance"),
        max_length=16,
        choices=Assessment.choices,
        default=Assessment.NOT_ASSESSED,
    )
    data_comment = models.TextField(
        _("commentaire — données de sécurité et de performance"), blank=True
    )
    alternative_assessment = models.CharField(
        _("appréciation — absence d'alternative"),
        max_length=16,
        choices=Assessment.choices,
        default=Assessment.NOT_ASSESSED,
    )
    alternative_comment = models.TextField(_("commentaire — absence d'alternative"), blank=True)
    benefit_risk = models.CharField(
        _("conclusion bénéfice/risque"),
        max_length=16,
        choices=BenefitRisk.choices,
        default=BenefitRisk.NOT_CONCLUDED,
    )
    conclusion = models.TextField(_("argumentaire de la conclusion"), blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("modifiée par"),
    )

    class Meta:
        verbose_name = _("grille d'évaluation")
        verbose_name_plural = _("grilles d'évaluation")

    def __str__(self) -> str:
        return f"{self.request} v{self.version}"

    def criteria(self) -> list[dict[str, object]]:
        """Per criterion: label, assessment (value and label) and comment, for display."""
        rows = []
        for prefix, label in CRITERIA:
            value = getattr(self, f"{prefix}_assessment")
            rows.append(
                {
                    "label": label,
                    "assessment": value,
                    "assessment_label": Assessment(value).label,
                    "comment": getattr(self, f"{prefix}_comment"),
                }
            )
        return rows


class GridRevision(models.Model):
    """A copy of the grid as each save left it: who changed what, and when."""

    grid = models.ForeignKey(EvaluationGrid, on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "version"], name="unique_grid_revision")
        ]

    def __str__(self) -> str:
        return f"{self.grid.request_id} v{self.version}"


class PrivateNote(models.Model):
    """An evaluator's working note on a file. ANSM staff only: never on an operator's or
    a professional's page, never in a letter or an export leaving ANSM (the staff's own
    whole-file download, file_exports, holds them)."""

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="private_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.request} — {self.author}"


class MotivationTemplateQuerySet(models.QuerySet["MotivationTemplate"]):
    def active(self) -> "MotivationTemplateQuerySet":
        return self.filter(active=True)


class MotivationTemplate(models.Model):
    """A standard wording an evaluator starts a motivation from, then edits."""

    title = models.CharField(_("intitulé"), max_length=200)
    kind = models.CharField(
        _("décision"),
        max_length=16,
        # Templates word the decisions an evaluator proposes: grant or refusal.
        choices=[(k, label) for k, label in DecisionKind.choices if k in FOUR_EYES_KINDS],
    )
    body = models.TextField(_("texte"))
    active = models.BooleanField(_("proposé aux évaluateurs"), default=True)

    objects = MotivationTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("modèle de motivation")
        verbose_name_plural = _("modèles de motivation")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title

"""Working together on a file (issue 19): the thread of messages between the operator's
members and the agency, and the opinions the agency asks of outside experts.

Messages are seen by both sides of the file; expert opinions are ANSM's own and never reach
the operator or the letters unless the evaluator quotes them.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from derogations.models import Attachment, DerogationRequest


class StoredDocument(models.Model):
    """A document checked by derogations.uploads (content type, PDF screen, antivirus),
    stored under a private prefix and served only as a download by our views."""

    file = models.FileField(max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class Message(models.Model):
    """One message of a file's thread, written by a member of the operator or by ANSM."""

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    from_agency = models.BooleanField(_("écrit par l'ANSM"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    # ANSM may ask for an answer by a date: neither a complement request nor a clock stop.
    answer_due = models.DateField(_("réponse attendue avant le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["request", "created_at"], name="message_request_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_due__isnull=True) | Q(from_agency=True),
                name="message_answer_due_by_agency_only",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answer_due__isnull=False),
                name="message_answered_only_if_awaited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def awaits_answer(self) -> bool:
        return self.answer_due is not None and self.answered_at is None


def message_document_path(instance: "MessageDocument", filename: str) -> str:
    return f"private/messages/{instance.message.request_id}/{secrets.token_hex(16)}"


class MessageDocument(StoredDocument):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=message_document_path, max_length=255)

    class Meta:
        verbose_name = _("pièce jointe d'un message")
        verbose_name_plural = _("pièces jointes des messages")
        ordering = ["uploaded_at", "pk"]


class ThreadRead(models.Model):
    """How far a person has read a file's thread: every message after ``last_read`` that
    someone else wrote is unread for them."""

    request = models.ForeignKey(DerogationRequest, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read = models.PositiveBigIntegerField(default=0)  # a Message's pk
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lecture d'un fil")
        verbose_name_plural = _("lectures des fils")
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="thread_read_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.user}"


class OpinionStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    ACCEPTED = "accepted", _("Absence de conflit déclarée, avis attendu")
    DECLINED = "declined", _("Décliné")
    ANSWERED = "answered", _("Avis rendu")


# What the evaluator may share with an expert: summary fields of the request (never the
# pseudonymised patient, the operator's contacts or the professionals named).
SHAREABLE_FIELDS = (
    "device_name",
    "device_model",
    "manufacturer_name",
    "ivd_class",
    "device_type",
    "intended_purpose",
    "analyte_specimen",
    "regulatory_status",
    "justification",
    "expected_benefit",
    "safety_performance_data",
    "alternatives",
    "risks",
    "ce_marking_plan",
    "patient_indication",
    "population",
)


class ExpertOpinion(models.Model):
    """An opinion an evaluator asks of a named expert outside the agency."""

    request = models.ForeignKey(
        DerogationRequest, on_delete=models.PROTECT, related_name="expert_opinions"
    )
    expert_name = models.CharField(_("nom de l'expert"), max_length=200)
    expert_email = models.EmailField(_("courriel de l'expert"))
    speciality = models.CharField(_("spécialité"), max_length=200)
    declared_interests = models.TextField(
        _("liens d'intérêts déclarés"),
        blank=True,
        help_text=_("Ceux que l'expert a déclarés (déclaration publique d'intérêts)."),
    )
    question = models.TextField(_("question posée"))
    due_date = models.DateField(_("avis attendu avant le"))
    shared_fields = models.JSONField(_("champs partagés"), default=list, blank=True)
    shared_attachments = models.ManyToManyField(
        Attachment, blank=True, related_name="+", verbose_name=_("documents partagés")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    status = models.CharField(
        _("état"), max_length=16, choices=OpinionStatus.choices, default=OpinionStatus.REQUESTED
    )
    no_conflict_declared_at = models.DateTimeField(
        _("absence de conflit déclarée le"), null=True, blank=True
    )
    decline_reason = models.TextField(_("motif du refus"), blank=True)
    answer = models.TextField(_("avis"), blank=True)
    closed_at = models.DateTimeField(_("rendu ou décliné le"), null=True, blank=True)

    class Meta:
        verbose_name = _("avis d'expert")
        verbose_name_plural = _("avis d'experts")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OpinionStatus.DECLINED)
                | (~Q(decline_reason="") & Q(closed_at__isnull=False)),
                name="opinion_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=OpinionStatus.ANSWERED)
                | (
                    ~Q(answer="")
                    & Q(closed_at__isnull=False)
                    & Q(no_conflict_declared_at__isnull=False)
                ),
                name="opinion_answered_after_declaration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_name} — {self.request}"

    @property
    def is_open(self) -> bool:
        return self.status in {OpinionStatus.REQUESTED, OpinionStatus.ACCEPTED}


def opinion_document_path(instance: "OpinionDocument", filename: str) -> str:
    return f"private/opinions/{instance.opinion.request_id}/{secrets.token_hex(16)}"


class OpinionDocument(StoredDocument):
    opinion = models.ForeignKey(ExpertOpinion, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=opinion_document_path, max_length=255)

    class Meta:
        verbose_name = _("pièce jointe d'un avis")
        verbose_name_plural = _("pièces jointes des avis")
        ordering = ["uploaded_at", "pk"]


class ExpertReminder(models.Model):
    """A reminder sent to an expert before the due date: one per opinion and delay."""

    opinion = models.ForeignKey(ExpertOpinion, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("relance d'un expert")
        verbose_name_plural = _("relances des experts")
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "days_before"], name="expert_reminder_once_per_delay"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opinion} J-{self.days_before}"

from django.db import models
from django.utils.translation import gettext_lazy as _

from derogations.models import Decision


class RecipientRole(models.TextChoices):
    OPERATOR = "operator", _("Opérateur")
    PRESCRIBER = "prescriber", _("Prescripteur (copie)")
    DIRECTOR = "director", _("Directeur de l'établissement (copie)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")


class Delivery(models.Model):
    """One copy of a decision letter to one recipient: the outbox row of its email.

    Written in the transaction that issues the decision; the task that sends it locks the
    row and marks it sent, so a retried or duplicated task never sends it twice.
    """

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="deliveries")
    recipient_email = models.EmailField(_("destinataire"))
    recipient_role = models.CharField(_("qualité"), max_length=16, choices=RecipientRole.choices)
    status = models.CharField(
        _("état"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "recipient_email"], name="one_delivery_per_recipient"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_created")]

    def __str__(self) -> str:
        return f"{self.recipient_email} ({self.get_status_display()})"

"""Celery tasks: they take primary keys only and can run twice safely."""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from derogations.documents import record_letter
from derogations.models import Incident
from derogations.professionals import magic_link

from .letters import render_decision_letter, verification_url
from .models import Delivery, DeliveryStatus, RecipientRole

logger = logging.getLogger(__name__)

# Temporary failures worth retrying: network, SMTP 4xx, refused connections.
RETRYABLE = (OSError, smtplib.SMTPException)
MAX_RETRIES = 7
# Copies sent to health professionals carry their signed link to the decision.
PROFESSIONAL_ROLES = frozenset({RecipientRole.PRESCRIBER, RecipientRole.DIRECTOR})


def retry_delay(retries: int) -> int:
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return delays[min(retries, len(delays) - 1)]


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def issue_letter(self, decision_pk: int) -> None:  # type: ignore[no-untyped-def]
    """Render the decision letter once, then queue one send per pending copy."""
    try:
        record_letter(decision_pk, render_decision_letter)
    except OSError as exc:  # storage unavailable: try again later
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    pending = Delivery.objects.filter(
        decision_id=decision_pk, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
    ).values_list("pk", flat=True)
    for delivery_pk in pending:
        send_delivery.delay(delivery_pk)


def message_id_for(delivery: Delivery) -> str:
    return f"<letter-{delivery.decision_id}-{delivery.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def build_email(delivery: Delivery) -> EmailMessage:
    decision = delivery.decision
    request = decision.request
    with translation.override("fr"):
        context = {
            "delivery": delivery,
            "decision": decision,
            "request": request,
            "verification_url": verification_url(decision),
            "file_url": settings.PORTAL_BASE_URL + reverse("derogations:detail", args=[request.pk]),
            "professional_url": settings.PORTAL_BASE_URL
            + magic_link(decision, delivery.recipient_email)
            if delivery.recipient_role in PROFESSIONAL_ROLES
            else "",
            "link_days": settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS,
        }
        subject = render_to_string("emails/decision_subject.txt", context).strip()
        body = render_to_string("emails/decision_body.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient_email],
        headers={"Message-ID": message_id_for(delivery)},
    )
    decision.letter.open("rb")
    try:
        message.attach(f"{request.reference}.pdf", decision.letter.read(), "application/pdf")
    finally:
        decision.letter.close()
    return message


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_delivery(self, delivery_pk: int) -> str:  # type: ignore[no-untyped-def]
    """Send one copy. The row stays locked while the SMTP server accepts it, so two
    workers never send the same copy; a copy already sent is skipped."""
    error = None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("decision__request")
            .get(pk=delivery_pk)
        )
        if delivery.status == DeliveryStatus.SENT:
            return "already-sent"
        if not delivery.decision.letter_sha256:
            return "letter-not-ready"  # issue_letter queues this copy again once rendered
        delivery.attempts += 1
        try:
            build_email(delivery).send()
        except RETRYABLE as exc:
            error = exc
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delivery.save(update_fields=["status", "attempts", "last_error"])
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.message_id = message_id_for(delivery)
            delivery.last_error = ""
            delivery.save(
                update_fields=["status", "attempts", "sent_at", "message_id", "last_error"]
            )
    if error is not None:
        logger.warning("Delivery %s failed (attempt %s): %s", delivery_pk, delivery.attempts, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries))
    return "sent"


@shared_task
def sweep_pending(older_than_seconds: int = 120) -> int:
    """Re-queue copies left pending or failed (Redis down at commit, worker lost...)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    decisions = set(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], created_at__lt=cutoff
        ).values_list("decision_id", flat=True)
    )
    for decision_pk in decisions:
        issue_letter.delay(decision_pk)
    return len(decisions)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_incident_alert(self, incident_pk: int) -> str:  # type: ignore[no-untyped-def]
    """Email the vigilance team about a declared incident, once."""
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("request__organisation")
            .get(pk=incident_pk)
        )
        if incident.alert_sent_at is not None:
            return "already-sent"
        review_url = settings.PORTAL_BASE_URL + reverse("reviews:file", args=[incident.request_id])
        with translation.override("fr"):
            context = {"incident": incident, "request": incident.request, "review_url": review_url}
            subject = render_to_string("emails/incident_subject.txt", context).strip()
            body = render_to_string("emails/incident_body.txt", context)
        try:
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[settings.PORTAL_VIGILANCE_EMAIL],
                headers={
                    "Message-ID": f"<incident-{incident.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
                },
            ).send()
        except RETRYABLE as exc:
            error = exc
        else:
            incident.alert_sent_at = timezone.now()
            incident.save(update_fields=["alert_sent_at"])
            return "sent"
    logger.warning("Incident alert %s failed: %s", incident_pk, error)
    raise self.retry(exc=error, countdown=retry_delay(self.request.retries))

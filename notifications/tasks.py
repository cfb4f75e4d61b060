"""Celery tasks: they take primary keys only and can run twice safely."""

import logging
import smtplib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation

from config.faults import checkpoint
from config.mail import automatic_email, render_parts
from config.tasks import MAX_RETRIES, RETRY_ON_OUTAGE, queue_on_commit
from derogations.documents import record_letter, record_union_sheet
from derogations.models import Decision, Incident, UnionNotification

from . import emails, webhooks
from .letters import render_act_letter, render_union_sheet
from .models import AccountEmail, Delivery, DeliveryStatus, Reminder, WebhookDelivery
from .reminders import write_due_reminders

logger = logging.getLogger(__name__)

# Temporary failures worth retrying: network, SMTP 4xx, refused connections.
RETRYABLE = (OSError, smtplib.SMTPException)
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# Copies sent by one task over one SMTP connection (an act with 2,000 recipients: 40 tasks
# that the workers share, instead of 2,000 tasks and 2,000 connections).
DELIVERY_BATCH = 50


def retry_delay(retries: int) -> int:
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return delays[min(retries, len(delays) - 1)]


def _render_letter(act: Decision) -> bytes:
    logger.info("Rendering the letter of act %s (%s)", act.pk, act.kind)
    # Integration tests only: a slow render leaves time to kill the worker in the middle.
    delay = settings.PORTAL_TEST_RENDER_DELAY
    if delay:
        time.sleep(delay)
    checkpoint("render")
    return render_act_letter(act)


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def issue_letter(self: Task, decision_pk: int) -> None:
    """Render the act's letter once (and its Art. 54(2) sheet), then queue one send per
    copy not yet sent."""
    try:
        record_letter(decision_pk, _render_letter)
        sheet = UnionNotification.objects.filter(grant_id=decision_pk).values_list("pk", flat=True)
        for notification_pk in sheet:
            record_union_sheet(notification_pk, render_union_sheet)
    except OSError as exc:  # storage unavailable: try again later
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    pending = list(
        Delivery.objects.filter(decision_id=decision_pk, status__in=UNSENT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=pending).update(queued_at=timezone.now())
    for start in range(0, len(pending), DELIVERY_BATCH):
        send_deliveries.delay(pending[start : start + DELIVERY_BATCH])


def _attempt[Row: (Delivery, Reminder, AccountEmail)](
    queryset: "models.QuerySet[Row]",
    pk: int,
    build: Callable[[Row], EmailMessage],
    ready: Callable[[Row], bool] = lambda row: True,
    connection: Any = None,
) -> tuple[str, Exception | None]:
    """Send the email of one outbox row (over ``connection`` if given, an open SMTP
    connection shared by a batch). The row stays locked while the SMTP server accepts it,
    so two workers never send the same email; a row already sent is skipped. A temporary
    failure is written on the row and returned: ("failed", error)."""
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).get(pk=pk)
        if row.status == DeliveryStatus.SENT:
            return "already-sent", None
        if not ready(row):
            return "not-ready", None
        row.attempts += 1
        message = build(row)
        checkpoint("send")
        message.connection = connection
        try:
            message.send()
        except RETRYABLE as exc:
            row.status = DeliveryStatus.FAILED
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.save(update_fields=["status", "attempts", "last_error"])
            error = exc
        else:
            # Accepted by the SMTP server, not yet recorded: a crash here sends this copy
            # again on retry, with the same Message-ID (the only duplicate possible).
            checkpoint("record")
            row.status = DeliveryStatus.SENT
            row.sent_at = timezone.now()
            row.last_error = ""
            fields = ["status", "attempts", "sent_at", "last_error"]
            if isinstance(row, Delivery):
                row.message_id = message.extra_headers["Message-ID"]
                fields.append("message_id")
            row.save(update_fields=fields)
            return "sent", None
    logger.warning("%s %s failed (attempt %s): %s", type(row).__name__, pk, row.attempts, error)
    return "failed", error


def _send_once[Row: (Delivery, Reminder, AccountEmail)](
    task: Any,
    queryset: "models.QuerySet[Row]",
    pk: int,
    build: Callable[[Row], EmailMessage],
    ready: Callable[[Row], bool] = lambda row: True,
) -> str:
    """One row (_attempt); after a temporary failure the task retries later."""
    outcome, error = _attempt(queryset, pk, build, ready)
    if error is not None:
        raise task.retry(exc=error, countdown=retry_delay(task.request.retries))
    return outcome


class _Letters:
    """The acts of a task's copies, each read once with its request and operator, and its
    letter's PDF read from storage and base64-encoded once: a batch of 50 copies of one act
    reads and encodes them once, not 50 times."""

    def __init__(self) -> None:
        self.acts: dict[int, Decision] = {}
        self.pdfs: dict[int, emails.LetterPdf] = {}

    def act(self, delivery: Delivery) -> Decision:
        if delivery.decision_id not in self.acts:
            self.acts[delivery.decision_id] = Decision.objects.select_related(
                "request__organisation"
            ).get(pk=delivery.decision_id)
        delivery.decision = self.acts[delivery.decision_id]
        return delivery.decision

    def ready(self, delivery: Delivery) -> bool:
        return bool(self.act(delivery).letter_sha256)

    def email(self, delivery: Delivery) -> EmailMessage:
        act = self.act(delivery)
        if act.pk not in self.pdfs:
            with act.letter.open("rb") as handle:
                self.pdfs[act.pk] = emails.letter_pdf(act, handle.read())
        return emails.letter_email(delivery, self.pdfs[act.pk])


def _connection_failed(delivery_pks: list[int], error: Exception) -> None:
    """The batch's SMTP connection could not be opened: every copy not yet sent whose
    letter is ready counts the attempt and shows the error, as a refused send would."""
    updated = (
        Delivery.objects.filter(pk__in=delivery_pks, status__in=UNSENT)
        .exclude(decision__letter_sha256="")
        .update(
            status=DeliveryStatus.FAILED,
            attempts=models.F("attempts") + 1,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
    )
    logger.warning("SMTP connection failed for %s copies: %s", updated, error)


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def send_deliveries(self: Task, delivery_pks: list[int]) -> dict[str, int]:
    """Send copies of letters over one SMTP connection, each as send_delivery would (its
    row locked, marked sent once, same Message-ID). A copy refused for now is marked
    failed and the others still go; then the task retries later, and the copies sent
    meanwhile are skipped."""
    outcomes: dict[str, int] = {}
    unsent = set(
        Delivery.objects.filter(pk__in=delivery_pks, status__in=UNSENT).values_list("pk", flat=True)
    )
    if len(unsent) < len(delivery_pks):
        outcomes["already-sent"] = len(delivery_pks) - len(unsent)
        delivery_pks = [pk for pk in delivery_pks if pk in unsent]
    if not delivery_pks:
        return outcomes  # a duplicate of a batch already sent: no SMTP connection
    letters = _Letters()
    first_error = None
    connection = get_connection()
    try:
        connection.open()
    except RETRYABLE as exc:  # SMTP server down or refusing: each copy records the attempt
        connection.close()
        _connection_failed(delivery_pks, exc)
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    try:
        for delivery_pk in delivery_pks:
            outcome, error = _attempt(
                Delivery.objects.all(),
                delivery_pk,
                letters.email,
                ready=letters.ready,
                connection=connection,
            )
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            first_error = first_error or error
    finally:
        connection.close()
    if first_error is not None:
        raise self.retry(exc=first_error, countdown=retry_delay(self.request.retries))
    return outcomes


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def send_delivery(self: Task, delivery_pk: int) -> str:
    """Send one copy of a letter (issue_letter queues it again if the letter is not ready)."""
    letters = _Letters()
    return _send_once(self, Delivery.objects.all(), delivery_pk, letters.email, ready=letters.ready)


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def send_reminder(self: Task, reminder_pk: int) -> str:
    return _send_once(
        self,
        Reminder.objects.select_related("derogation__request__organisation"),
        reminder_pk,
        emails.reminder_email,
    )


def _account_email(row: AccountEmail) -> EmailMessage:
    return automatic_email(
        row.subject,
        row.body,
        row.html_body,
        [row.recipient_email],
        headers={"Message-ID": f"<account-{row.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"},
    )


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def send_account_email(self: Task, email_pk: int) -> str:
    """Send one account email once; its texts (a link with a token) are blanked once sent."""
    outcome = _send_once(self, AccountEmail.objects.all(), email_pk, _account_email)
    if outcome == "sent":
        AccountEmail.objects.filter(pk=email_pk, status=DeliveryStatus.SENT).update(
            body="", html_body=""
        )
    return outcome


def queue_account_email(message: EmailMessage) -> AccountEmail:
    """Write ``message`` (one recipient, its text and its HTML alternative if any) in the
    outbox in the current transaction and send it after commit: a rolled-back sign-up or
    invitation emails nobody; a broker or SMTP server unavailable at that moment delays
    the email (the task retries, the sweep queues it again), it does not lose it nor fail
    the request."""
    (recipient,) = message.to
    html = [
        content
        for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    row = AccountEmail.objects.create(
        recipient_email=recipient,
        subject=str(message.subject),
        body=str(message.body),
        html_body=html[0] if html else "",
    )
    queue_on_commit(send_account_email, row.pk)
    return row


def _claim_unsent[Row: (Delivery, Reminder, AccountEmail, WebhookDelivery)](
    queryset: "models.QuerySet[Row]", now: datetime, age: int | None
) -> list[int]:
    """The unsent rows due for another try, marked as queued now: unsent ``age`` seconds
    after they were written or last queued (NOTIFICATION_SWEEP_SLOW_AGE seconds once
    refused NOTIFICATION_SWEEP_FAST_ATTEMPTS times). A row locked by a task sending it right now
    is skipped (SKIP LOCKED), and the claim means the next sweeps leave it alone for
    ``age`` seconds: the sweep never races the task that holds the row."""
    due = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_AGE if age is None else age)
    slow = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_SLOW_AGE)
    fast = models.Q(attempts__lt=settings.NOTIFICATION_SWEEP_FAST_ATTEMPTS)
    with transaction.atomic():
        pks = list(
            queryset.select_for_update(skip_locked=True)
            .filter(status__in=UNSENT, created_at__lt=due)
            .filter(models.Q(queued_at__isnull=True) | models.Q(queued_at__lt=due))
            .filter(
                fast
                | models.Q(queued_at__isnull=True, created_at__lt=slow)
                | models.Q(queued_at__lt=slow)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        queryset.filter(pk__in=pks).update(queued_at=now)
    return pks


@shared_task(**RETRY_ON_OUTAGE)
def sweep_pending(older_than_seconds: int | None = None) -> int:
    """Queue again the copies, reminders and account emails left unsent (a broker down at
    commit, a worker lost, a database restart, an SMTP server down...): celery beat runs
    it every NOTIFICATION_SWEEP_INTERVAL seconds. Copies whose letter is ready go straight
    to send_deliveries in batches; the others to issue_letter. Returns the number of acts
    whose copies were queued again."""
    now = timezone.now()
    copies = _claim_unsent(Delivery.objects.all(), now, older_than_seconds)
    by_act: dict[int, list[int]] = {}
    ready: set[int] = set()
    for pk, decision_pk, has_letter in Delivery.objects.filter(pk__in=copies).values_list(
        "pk", "decision_id", "decision__letter_sha256"
    ):
        by_act.setdefault(decision_pk, []).append(pk)
        if has_letter:
            ready.add(decision_pk)
    for decision_pk, pks in by_act.items():
        if decision_pk not in ready:
            issue_letter.delay(decision_pk)
            continue
        for start in range(0, len(pks), DELIVERY_BATCH):
            send_deliveries.delay(pks[start : start + DELIVERY_BATCH])
    for reminder_pk in _claim_unsent(Reminder.objects.all(), now, older_than_seconds):
        send_reminder.delay(reminder_pk)
    for email_pk in _claim_unsent(AccountEmail.objects.all(), now, older_than_seconds):
        send_account_email.delay(email_pk)
    # Webhooks whose back-off has passed (those given up are no longer "unsent").
    webhooks_due = WebhookDelivery.objects.filter(
        models.Q(next_retry_at__isnull=True) | models.Q(next_retry_at__lte=now)
    )
    for webhook_pk in _claim_unsent(webhooks_due, now, older_than_seconds):
        send_webhook.delay(webhook_pk)
    return len(by_act)


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def send_incident_alert(self: Task, incident_pk: int) -> str:
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
            subject, text, html = render_parts(
                "emails/incident_subject.txt", "emails/incident_body.txt", context
            )
        try:
            automatic_email(
                subject,
                text,
                html,
                [settings.PORTAL_VIGILANCE_EMAIL],
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


@shared_task(**RETRY_ON_OUTAGE)
def send_reminders() -> int:
    """Daily (celery beat): global derogations ending in 30 and 7 days (to the operator and
    ANSM staff) and the digest of overdue files (to staff). Each reminder is written once
    per derogation, threshold and recipient (or per day for the digest): running it twice
    sends nothing more. Returns the number of reminders written."""
    with transaction.atomic():
        created = write_due_reminders(timezone.localdate())
        pending = Reminder.objects.filter(status=DeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
        for reminder_pk in pending:
            queue_on_commit(send_reminder, reminder_pk)
    return created


@shared_task(**RETRY_ON_OUTAGE)
def send_inbox_digests() -> int:
    """Daily (celery beat): each person's digest of the inbox items they chose to receive
    that way, once per person and day (notifications.inbox.write_digests); its emails go
    through the outbox after commit. Returns the number of digests written."""
    from .inbox import write_digests

    return write_digests(timezone.localdate())


@shared_task(bind=True, acks_late=True, **RETRY_ON_OUTAGE)
def send_webhook(self: Task, delivery_pk: int) -> str:
    """POST one act to one webhook endpoint (notifications.webhooks.deliver), once; after
    a failure, again after the outbox's back-off. Run inline (no broker: the demo, the
    tests), a failure is not retried inside the web request: the sweep sends it again."""
    outcome = webhooks.deliver(delivery_pk)
    if outcome == "failed" and not self.request.is_eager and self.request.retries < MAX_RETRIES:
        attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_pk)
        raise self.retry(countdown=retry_delay(attempts - 1))  # as webhooks.retry_delay
    return outcome

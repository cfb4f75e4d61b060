"""The retention policy (issue 19, docs/retention.md): one function per kind of data.

Each function selects the expired rows by their dates (indexed columns first), then acts in
batches of settings.RETENTION_BATCH_SIZE rows, each batch in its own transaction whose
statement checks the conditions again (so a run racing another, or a run twice, changes
nothing more). Files leave the storage once their rows' deletion has committed. Nothing
that a derogation still in force needs is touched: a file counts as ended only once its
refusal, withdrawal or inadmissibility is decided, or once its derogation is lifted or past
its end date; a file with an incident not yet acknowledged by ANSM, or renewed by a file
still open or in force, is kept whole.

``apply_retention`` runs every kind and writes one RetentionRun (nothing with ``dry_run``).
"""

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Exists, Model, OuterRef, ProtectedError, Q, QuerySet, RestrictedError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.emails import send_on_commit
from collaboration.models import MessageDocument, OpinionDocument
from config.mail import automatic_email, render_parts
from derogations.enums import DerogationStatus, Status
from derogations.models import (
    Attachment,
    AuditEntry,
    Consent,
    Derogation,
    DerogationRequest,
    Incident,
)
from notifications.models import AccountEmail, Delivery, DeliveryStatus

from .models import DraftWarning, RetentionRun

logger = logging.getLogger(__name__)

# Ended by a decision that grants nothing: the file's clock starts at that decision.
CLOSED_WITHOUT_DEROGATION = [Status.REFUSED, Status.WITHDRAWN, Status.INADMISSIBLE]
OPEN_STATUSES = [
    Status.DRAFT,
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.AWAITING_COMPLEMENTS,
    Status.DECISION_PROPOSED,
]
# The personal data of a file: the pseudonymised patient, the named professionals and the
# contacts. The device, the decision and its motivation are kept.
PERSONAL_FIELDS = (
    "contact_email",
    "patient_reference",
    "patient_age",
    "patient_indication",
    "urgency_reason",
    "prescriber_name",
    "prescriber_email",
    "prescriber_rpps",
    "user_name",
    "user_email",
    "director_name",
    "director_email",
)


@dataclass
class Tally:
    examined: int = 0
    anonymised: int = 0
    deleted: int = 0
    warned: int = 0


@dataclass
class Outcome:
    counts: dict[str, Tally] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    run: RetentionRun | None = None

    def fail(self, kind: str, error: Exception) -> None:
        # The class and the first line only: a database message may quote row values.
        message = str(error).splitlines()[0][:200] if str(error) else ""
        self.errors.append({"kind": kind, "error": f"{type(error).__name__}: {message}"})
        logger.warning("Retention %s: batch failed (%s)", kind, type(error).__name__)


def cutoff(kind: str, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.RETENTION[kind])


def batches(ids: list[int]) -> Iterator[list[int]]:
    size = max(1, settings.RETENTION_BATCH_SIZE)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def ids_of(queryset: QuerySet[DerogationRequest] | QuerySet[Model]) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


# --- Which files have ended, and which are still needed ----------------------------------


def in_force(today: datetime.date) -> Q:
    """Derogations in force (or suspended) on ``today``: an end date still ahead, or none."""
    return Q(status__in=[DerogationStatus.ACTIVE, DerogationStatus.SUSPENDED]) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def closed_before(moment: datetime.datetime) -> QuerySet[DerogationRequest]:
    """Files refused, withdrawn or declared inadmissible before ``moment``."""
    return DerogationRequest.objects.filter(status__in=CLOSED_WITHOUT_DEROGATION).filter(
        Q(decided_at__lt=moment) | Q(decided_at__isnull=True, updated_at__lt=moment)
    )


def still_needed(today: datetime.date) -> Q:
    """A file with an incident ANSM has not acknowledged yet, with its own derogation in
    force, or renewed by a file still open or in force."""
    open_incident = Incident.objects.filter(request=OuterRef("pk"), acknowledged_at__isnull=True)
    own_in_force = Derogation.objects.filter(in_force(today), request=OuterRef("pk"))
    live_renewal = DerogationRequest.objects.filter(renewal_of=OuterRef("pk")).filter(
        Q(status__in=OPEN_STATUSES)
        | Q(pk__in=Derogation.objects.filter(in_force(today)).values("request_id"))
    )
    return Q(Exists(open_incident)) | Q(Exists(own_in_force)) | Q(Exists(live_renewal))


def ended_before(moment: datetime.datetime, now: datetime.datetime) -> QuerySet[DerogationRequest]:
    """Files whose end (decision without derogation, lifting, end date) is before
    ``moment``, and that nothing still needs."""
    day = timezone.localdate(moment)
    ended_derogations = Derogation.objects.filter(
        Q(valid_until__lt=day) | Q(status=DerogationStatus.LIFTED, status_changed_at__lt=moment)
    ).values("request_id")
    return (
        DerogationRequest.objects.filter(
            Q(pk__in=closed_before(moment).values("pk")) | Q(pk__in=ended_derogations)
        )
        .exclude(status__in=OPEN_STATUSES)
        .exclude(still_needed(timezone.localdate(now)))
    )


def delete_files_on_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            # A storage down (OSError, or the S3 client's own errors): the file stays, its
            # row is gone; logged for the operators of the storage, never raised.
            except Exception:  # noqa: BLE001
                logger.warning("Retention: could not delete a stored file", exc_info=True)

    transaction.on_commit(delete)


def blank_in_batches(
    kind: str,
    expired: QuerySet[Model],
    blanks: dict[str, str],
    dry_run: bool,
    tally: Tally,
    outcome: Outcome,
) -> None:
    """Blank ``blanks`` on the rows of ``expired``, a batch per transaction; each UPDATE
    repeats ``expired``'s conditions, so a run racing another changes a row once."""
    ids = ids_of(expired)
    tally.examined += len(ids)
    if dry_run:
        tally.anonymised += len(ids)
        return
    for batch in batches(ids):
        try:
            with transaction.atomic():
                tally.anonymised += expired.filter(pk__in=batch).update(**blanks)
        except DatabaseError as error:
            outcome.fail(kind, error)


# --- One function per kind -------------------------------------------------------------


def request_content(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """Personal data of files ended RETENTION["request_content"] days ago: blanked."""
    has_personal = reduce(or_, (~Q(**{name: ""}) for name in PERSONAL_FIELDS))
    expired = ended_before(cutoff("request_content", now), now).filter(has_personal)
    blank_in_batches(
        "request_content", expired, dict.fromkeys(PERSONAL_FIELDS, ""), dry_run, tally, outcome
    )


def patient_codes(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """Patients' pseudonymous codes (and the free note on what they were told) in consent
    records of files ended RETENTION["patient_codes"] days ago: blanked."""
    ended = ended_before(cutoff("patient_codes", now), now).values("pk")
    expired = Consent.objects.filter(request__in=ended).filter(
        ~Q(patient_code="") | ~Q(information_note="")
    )
    blanks = {"patient_code": "", "information_note": ""}
    blank_in_batches("patient_codes", expired, blanks, dry_run, tally, outcome)


def _delete_documents(
    kind: str,
    expired: "QuerySet[Attachment] | QuerySet[MessageDocument] | QuerySet[OpinionDocument]",
    dry_run: bool,
    tally: Tally,
    outcome: Outcome,
) -> None:
    ids = ids_of(expired)
    tally.examined += len(ids)
    if dry_run:
        tally.deleted += len(ids)
        return
    for batch in batches(ids):
        try:
            with transaction.atomic():
                rows = list(
                    expired.filter(pk__in=batch).select_for_update().values_list("pk", "file")
                )
                expired.filter(pk__in=[pk for pk, _name in rows]).delete()
                tally.deleted += len(rows)
                delete_files_on_commit([name for _pk, name in rows if name])
        except DatabaseError as error:
            outcome.fail(kind, error)


def closed_documents(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """Documents of files refused, withdrawn or inadmissible RETENTION["closed_documents"]
    days ago (their attachments and the documents of their messages and expert opinions):
    rows and stored files deleted. The decision letters are kept."""
    moment = cutoff("closed_documents", now)
    closed = closed_before(moment).exclude(still_needed(timezone.localdate(now))).values("pk")
    kind = "closed_documents"
    _delete_documents(kind, Attachment.objects.filter(request__in=closed), dry_run, tally, outcome)
    _delete_documents(
        kind, MessageDocument.objects.filter(message__request__in=closed), dry_run, tally, outcome
    )
    _delete_documents(
        kind, OpinionDocument.objects.filter(opinion__request__in=closed), dry_run, tally, outcome
    )


def _warn_draft(draft: DerogationRequest, deletion_day: datetime.date) -> None:
    author = draft.created_by
    context = {
        "request": draft,
        "deletion_day": deletion_day,
        "url": settings.PORTAL_BASE_URL + reverse("derogations:edit", args=[draft.pk]),
    }
    with translation.override(author.preferred_language or "fr"):
        subject, text, html = render_parts(
            "emails/retention/draft_warning_subject.txt",
            "emails/retention/draft_warning_body.txt",
            context,
        )
    send_on_commit(automatic_email(subject, text, html, [author.email]))


def drafts(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """Drafts unchanged for RETENTION["drafts"] days: their author is warned
    RETENTION_DRAFT_WARNING_DAYS before (an email through the outbox), then the draft is
    deleted with its documents, once the warning is that old and the draft unchanged since."""
    warning_days = settings.RETENTION_DRAFT_WARNING_DAYS
    warning = datetime.timedelta(days=warning_days)
    moment = cutoff("drafts", now)
    drafts = DerogationRequest.objects.filter(status=Status.DRAFT)
    # Warned after the last change: the warning still holds.
    warned = DraftWarning.objects.filter(
        request=OuterRef("pk"), warned_at__gte=OuterRef("updated_at")
    )
    to_warn = drafts.filter(updated_at__lt=moment + warning).exclude(Exists(warned))
    to_delete = drafts.filter(updated_at__lt=moment).filter(
        Exists(warned.filter(warned_at__lte=now - warning))
    )
    warn_ids = ids_of(to_warn)
    tally.examined = len(warn_ids)
    if dry_run:
        tally.warned = len(warn_ids)
    else:
        for pk in warn_ids:
            try:
                with transaction.atomic():
                    draft = (
                        to_warn.select_related("created_by")
                        .select_for_update(of=("self",))
                        .filter(pk=pk)
                        .first()
                    )
                    if draft is None:
                        continue
                    DraftWarning.objects.update_or_create(
                        request=draft, defaults={"warned_at": now}
                    )
                    deletion_day = timezone.localdate(
                        max(now + warning, draft.updated_at + (now - moment))
                    )
                    _warn_draft(draft, deletion_day)
                    tally.warned += 1
            except DatabaseError as error:
                outcome.fail("drafts", error)
    delete_ids = ids_of(to_delete)
    tally.examined += len(delete_ids)
    if dry_run:
        tally.deleted = len(delete_ids)
        return
    for pk in delete_ids:
        try:
            with transaction.atomic():
                draft = to_delete.select_for_update().filter(pk=pk).first()
                if draft is None:
                    continue
                names = [name for name in draft.attachments.values_list("file", flat=True) if name]
                draft.delete()
                tally.deleted += 1
                delete_files_on_commit(names)
        except (DatabaseError, ProtectedError, RestrictedError) as error:
            # A draft something points to (an audit entry, a message): kept, reported.
            outcome.fail("drafts", error)


def email_texts(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """Texts of the emails sent (or given up) RETENTION["email_texts"] days ago: account
    emails' bodies and the delivery errors blanked; who, when, subject and state kept."""
    moment = cutoff("email_texts", now)
    done = [DeliveryStatus.SENT, DeliveryStatus.FAILED]
    account_emails = AccountEmail.objects.filter(status__in=done, created_at__lt=moment).filter(
        ~Q(body="") | ~Q(html_body="") | ~Q(last_error="")
    )
    deliveries = Delivery.objects.filter(status__in=done, created_at__lt=moment).exclude(
        last_error=""
    )
    for expired, blanks in (
        (account_emails, {"body": "", "html_body": "", "last_error": ""}),
        (deliveries, {"last_error": ""}),
    ):
        blank_in_batches("email_texts", expired, blanks, dry_run, tally, outcome)


def sessions(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """Sessions past their expiry date (SESSION_COOKIE_AGE after their last save): deleted
    (as Django's clearsessions does)."""
    expired = Session.objects.filter(expire_date__lt=now)
    tally.examined = expired.count()
    if dry_run:
        tally.deleted = tally.examined
        return
    try:
        with transaction.atomic():
            tally.deleted = expired.delete()[0]
    except DatabaseError as error:
        outcome.fail("sessions", error)


def audit_trail(now: datetime.datetime, dry_run: bool, tally: Tally, outcome: Outcome) -> None:
    """The audit trail is append-only (the database refuses UPDATE and DELETE to the
    application's role): entries older than RETENTION["audit_trail"] days are counted for
    the archivist, never changed here (docs/retention.md)."""
    tally.examined = AuditEntry.objects.filter(created_at__lt=cutoff("audit_trail", now)).count()


KINDS: dict[str, Callable[[datetime.datetime, bool, Tally, Outcome], None]] = {
    "request_content": request_content,
    "closed_documents": closed_documents,
    "patient_codes": patient_codes,
    "drafts": drafts,
    "email_texts": email_texts,
    "sessions": sessions,
    "audit_trail": audit_trail,
}


def apply_retention(*, dry_run: bool = False, now: datetime.datetime | None = None) -> Outcome:
    """Run every kind; log the counts in a RetentionRun (none with ``dry_run``, which
    counts what a run would do and writes nothing). A kind that fails does not stop the
    others; its error is logged in the run and the next run tries again."""
    now = now or timezone.now()
    outcome = Outcome()
    if not dry_run:
        outcome.run = RetentionRun.objects.create(started_at=now)
    for kind, function in KINDS.items():
        tally = outcome.counts[kind] = Tally()
        try:
            function(now, dry_run, tally, outcome)
        except DatabaseError as error:
            outcome.fail(kind, error)
    if outcome.run is not None:
        outcome.run.counts = {kind: asdict(tally) for kind, tally in outcome.counts.items()}
        outcome.run.errors = outcome.errors
        outcome.run.finished_at = timezone.now()
        outcome.run.save(update_fields=["counts", "errors", "finished_at"])
    logger.info(
        "Retention run%s: %s",
        " (dry run)" if dry_run else "",
        {kind: asdict(tally) for kind, tally in outcome.counts.items()},
    )
    return outcome

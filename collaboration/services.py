"""Use cases of the collaboration on a file. Each runs in one transaction: the row locked,
the rule checked, the rows written, an audit entry on the file (derogations.lifecycle.
record_action), the emails handed to the outbox (sent once committed).

Refusals raise derogations.lifecycle.TransitionError with a French message, which views
show instead of failing (a double submit, a link used twice).
"""

import datetime

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.enums import Role
from accounts.models import User
from derogations import events, lifecycle
from derogations.enums import Status
from derogations.models import Attachment, DerogationRequest
from derogations.uploads import CheckedFile

from . import emails
from .access import may_ask_experts, thread_requests
from .models import (
    SHAREABLE_FIELDS,
    ExpertOpinion,
    Message,
    MessageDocument,
    OpinionDocument,
    OpinionStatus,
    StoredDocument,
    ThreadRead,
)


def _store(document: StoredDocument, checked: CheckedFile) -> None:
    """Write a checked file (copied in chunks), then its row (as derogations.uploads does:
    a rolled-back transaction may leave an unreferenced file, never served)."""
    document.original_name = checked.name
    document.content_type = checked.content_type
    document.size = checked.size
    document.sha256 = checked.sha256
    checked.upload.seek(0)
    document.file.save("upload", checked.upload, save=False)
    document.save()


def _files_note(files: list[CheckedFile]) -> str:
    if not files:
        return ""
    return ngettext(
        "%(count)d pièce jointe : %(names)s",
        "%(count)d pièces jointes : %(names)s",
        len(files),
    ) % {"count": len(files), "names": ", ".join(checked.name for checked in files)}


# --- Messages ------------------------------------------------------------------------------


def _message_recipients(request: DerogationRequest, author: User, from_agency: bool) -> list[User]:
    """Who is emailed a link: ANSM writes to the operator's active members; the operator
    writes to the file's assignee and to the agents who wrote in the thread."""
    if from_agency:
        users = User.objects.filter(
            is_active=True, role=Role.OPERATOR, memberships__organisation=request.organisation_id
        )
    else:
        writers = Message.objects.filter(request=request, from_agency=True).values("author_id")
        users = User.objects.filter(Q(pk__in=writers) | Q(pk=request.assignee_id), is_active=True)
    return list(users.exclude(pk=author.pk).distinct().order_by("pk"))


def post_message(
    request: DerogationRequest,
    author: User,
    body: str,
    files: list[CheckedFile],
    answer_due: datetime.date | None = None,
) -> Message:
    """A message on the file's thread, with its documents; an answer from the operator
    settles the agency's messages that awaited one."""
    if not body.strip():
        raise lifecycle.TransitionError(_("Le message est vide."))
    from_agency = author.is_ansm_staff
    if answer_due is not None and not from_agency:
        raise lifecycle.TransitionError(_("Seule l'ANSM peut demander une réponse avant une date."))
    if answer_due is not None and answer_due < timezone.localdate():
        raise lifecycle.TransitionError(_("La date de réponse attendue est déjà passée."))
    with transaction.atomic():
        locked = (
            thread_requests(author)
            .select_for_update(of=("self",))
            .select_related("organisation")
            .filter(pk=request.pk)
            .first()
        )
        if locked is None:
            raise lifecycle.TransitionError(_("Vous ne pouvez pas écrire sur ce dossier."))
        message = Message.objects.create(
            request=locked, author=author, from_agency=from_agency, body=body,
            answer_due=answer_due,
        )  # fmt: skip
        for checked in files:
            _store(MessageDocument(message=message), checked)
        if not from_agency:
            Message.objects.filter(
                request=locked, from_agency=True, answer_due__isnull=False, answered_at__isnull=True
            ).update(answered_at=message.created_at)
        _mark_read(locked, author, message.pk)
        parts = [_("Message de l'ANSM") if from_agency else _("Message de l'opérateur")]
        if answer_due is not None:
            parts.append(
                _("réponse attendue avant le %(date)s") % {"date": answer_due.strftime("%d/%m/%Y")}
            )
        if files:
            parts.append(_files_note(files))
        lifecycle.record_action(locked, author, "message_sent", " — ".join(parts))
        emails.new_message(message, _message_recipients(locked, author, from_agency))
        if not from_agency and _unattended(locked):
            # Nobody at the agency follows this thread yet: the file's team (or every
            # evaluator) is told in its inbox, emailed a link as each chose.
            events.operator_message_unattended.send(
                sender=DerogationRequest, request=locked, key=str(message.pk)
            )
    return message


def _unattended(request: DerogationRequest) -> bool:
    """No agent wrote in the file's thread and nobody holds the file."""
    return (
        request.assignee_id is None
        and not Message.objects.filter(request=request, from_agency=True).exists()
    )


def set_answer_due(message: Message, actor: User, answer_due: datetime.date | None) -> Message:
    """An agent marks a message the agency sent as awaiting the operator's answer by a
    date, or clears it (``answer_due=None``); an answered message stays as it is."""
    if not actor.is_ansm_staff or not actor.is_active:
        raise lifecycle.TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if answer_due is not None and answer_due < timezone.localdate():
        raise lifecycle.TransitionError(_("La date de réponse attendue est déjà passée."))
    with transaction.atomic():
        locked = (
            Message.objects.select_for_update(of=("self",))
            .select_related("request")
            .filter(pk=message.pk, request__in=thread_requests(actor))
            .first()
        )
        if locked is None:
            raise lifecycle.TransitionError(_("Vous ne pouvez pas écrire sur ce dossier."))
        if not locked.from_agency:
            raise lifecycle.TransitionError(
                _("Seul un message de l'ANSM peut attendre une réponse.")
            )
        if locked.answered_at is not None:
            raise lifecycle.TransitionError(_("L'opérateur a déjà répondu à ce message."))
        if locked.answer_due == answer_due:
            raise lifecycle.TransitionError(_("Action déjà effectuée."))
        locked.answer_due = answer_due
        locked.save(update_fields=["answer_due"])
        sent = timezone.localtime(locked.created_at).strftime("%d/%m/%Y %H:%M")
        if answer_due is None:
            comment = _("Message du %(sent)s : plus de réponse attendue") % {"sent": sent}
        else:
            comment = _("Message du %(sent)s : réponse attendue avant le %(date)s") % {
                "sent": sent,
                "date": answer_due.strftime("%d/%m/%Y"),
            }
        lifecycle.record_action(locked.request, actor, "message_answer_due", comment)
    return locked


def _mark_read(request: DerogationRequest, user: User, up_to: int) -> None:
    read, created = ThreadRead.objects.get_or_create(
        request=request, user=user, defaults={"last_read": up_to}
    )
    if not created and read.last_read < up_to:
        ThreadRead.objects.filter(pk=read.pk, last_read__lt=up_to).update(
            last_read=up_to, read_at=timezone.now()
        )


def mark_read(request: DerogationRequest, user: User, up_to: int) -> None:
    """The user has read the thread up to message ``up_to`` (the last one their page
    showed: a message that arrived since stays unread)."""
    last = Message.objects.filter(request=request).aggregate(last=Max("pk"))["last"] or 0
    with transaction.atomic():
        _mark_read(request, user, min(up_to, last))


def unread_messages(request: DerogationRequest, user: User) -> QuerySet[Message]:
    read = ThreadRead.objects.filter(request=request, user=user).values("last_read").first()
    last_read = read["last_read"] if read else 0
    return Message.objects.filter(request=request, pk__gt=last_read).exclude(author=user)


# --- Expert opinions ------------------------------------------------------------------------


def request_opinion(
    request: DerogationRequest,
    evaluator: User,
    *,
    expert_name: str,
    expert_email: str,
    speciality: str,
    declared_interests: str,
    question: str,
    due_date: datetime.date,
    shared_fields: list[str],
    shared_attachments: list[Attachment],
) -> ExpertOpinion:
    """Ask a named expert for an opinion; the expert is emailed a signed link."""
    if not may_ask_experts(evaluator):
        raise lifecycle.TransitionError(_("Vous n'avez pas le droit d'effectuer cette action."))
    if due_date < timezone.localdate():
        raise lifecycle.TransitionError(_("La date attendue de l'avis est déjà passée."))
    unknown = set(shared_fields) - set(SHAREABLE_FIELDS)
    if unknown or any(attachment.request_id != request.pk for attachment in shared_attachments):
        raise lifecycle.TransitionError(
            _("Seuls des éléments de ce dossier peuvent être partagés.")
        )
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == Status.DRAFT:
            raise lifecycle.TransitionError(_("Ce dossier n'est pas déposé."))
        opinion = ExpertOpinion.objects.create(
            request=locked,
            expert_name=expert_name,
            expert_email=expert_email,
            speciality=speciality,
            declared_interests=declared_interests,
            question=question,
            due_date=due_date,
            shared_fields=[name for name in SHAREABLE_FIELDS if name in shared_fields],
            requested_by=evaluator,
        )
        opinion.shared_attachments.set(shared_attachments)
        lifecycle.record_action(
            locked,
            evaluator,
            "expert_opinion_requested",
            _("Avis demandé à %(name)s (%(speciality)s, %(email)s) avant le %(date)s")
            % {
                "name": expert_name,
                "speciality": speciality,
                "email": expert_email,
                "date": due_date.strftime("%d/%m/%Y"),
            },
        )
        emails.expert_link(opinion)
    return opinion


# How an opinion request moves: action (its audit entry) -> (from, to). The expert acts
# through their link; the audit entry names the evaluator who asked (the expert has no
# account), its comment says the expert did it.
OPINION_TRANSITIONS = {
    "expert_no_conflict": (OpinionStatus.REQUESTED, OpinionStatus.ACCEPTED),
    "expert_declined": (OpinionStatus.REQUESTED, OpinionStatus.DECLINED),
    "expert_opinion_answered": (OpinionStatus.ACCEPTED, OpinionStatus.ANSWERED),
}


def _move(opinion: ExpertOpinion, action: str, comment: str, **fields: object) -> ExpertOpinion:
    """Inside a transaction: lock the opinion, check its state, write it, log it."""
    source, target = OPINION_TRANSITIONS[action]
    locked = (
        ExpertOpinion.objects.select_for_update(of=("self",))
        .select_related("request", "requested_by")
        .get(pk=opinion.pk)
    )
    if locked.status != source:
        raise lifecycle.TransitionError(
            _("Action déjà effectuée : cette demande d'avis est à l'état « %(status)s ».")
            % {"status": locked.get_status_display()}
        )
    locked.status = target
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", *fields])
    lifecycle.record_action(locked.request, locked.requested_by, action, comment)
    return locked


def declare_no_conflict(opinion: ExpertOpinion) -> ExpertOpinion:
    """The expert declares having no conflict of interest with the file: they may answer."""
    comment = _(
        "%(name)s déclare n'avoir aucun conflit d'intérêts avec ce dossier (par son lien)."
    ) % {"name": opinion.expert_name}
    with transaction.atomic():
        return _move(opinion, "expert_no_conflict", comment, no_conflict_declared_at=timezone.now())


def decline_opinion(opinion: ExpertOpinion, reason: str) -> ExpertOpinion:
    """The expert declines (a conflict of interest, or unavailable), with a reason."""
    if not reason.strip():
        raise lifecycle.TransitionError(_("Indiquez le motif du refus."))
    comment = _("%(name)s décline la demande d'avis : %(reason)s") % {
        "name": opinion.expert_name,
        "reason": reason,
    }
    with transaction.atomic():
        locked = _move(
            opinion, "expert_declined", comment, decline_reason=reason, closed_at=timezone.now()
        )
        emails.opinion_closed(locked)
    return locked


def answer_opinion(opinion: ExpertOpinion, answer: str, files: list[CheckedFile]) -> ExpertOpinion:
    """The expert's opinion, with its documents (after declaring no conflict)."""
    if not answer.strip():
        raise lifecycle.TransitionError(_("L'avis est vide."))
    note = _files_note(files)
    comment = _("Avis de %(name)s rendu") % {"name": opinion.expert_name} + (
        f" — {note}" if note else ""
    )
    with transaction.atomic():
        locked = _move(
            opinion, "expert_opinion_answered", comment, answer=answer, closed_at=timezone.now()
        )
        for checked in files:
            _store(OpinionDocument(opinion=locked), checked)
        emails.opinion_closed(locked)
    return locked

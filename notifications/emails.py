"""The emails that carry letters and reminders, in the recipient's language.

Each has a French and an English text template (emails/<name>_body.<fr|en>.txt) and its
HTML twin (.html); the letters they carry are always in French, the language of the act.
Headers common to every email of the portal: config.mail.
"""

import copy
from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation

from config.mail import automatic_email, render_parts
from derogations.models import Decision, DerogationRequest
from derogations.professionals import magic_link

from .letters import file_url, verification_url
from .models import Delivery, RecipientRole, Reminder, ReminderKind

OVERDUE_DIGEST_LIMIT = 200
PROFESSIONAL_ROLES = frozenset(
    {
        RecipientRole.PRESCRIBER,
        RecipientRole.USER,
        RecipientRole.DIRECTOR,
        RecipientRole.KNOWN_PROFESSIONAL,
    }
)


def message_id_for(delivery: Delivery) -> str:
    return f"<letter-{delivery.decision_id}-{delivery.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def _render(name: str, language: str, context: dict[str, object]) -> tuple[str, str, str]:
    """Subject, text and HTML in the recipient's language."""
    with translation.override(language):
        return render_parts(
            f"emails/{name}_subject.{language}.txt", f"emails/{name}_body.{language}.txt", context
        )


class LetterPdf:
    """An act's letter as an email attachment, base64-encoded once for all its copies
    (a batch of 50 copies of one act encodes its PDF once, not 50 times), and the texts
    of its emails rendered once per language and kind of recipient."""

    def __init__(self, filename: str, content: bytes) -> None:
        self.filename = filename
        self.content = content
        self.part = MIMEBase("application", "pdf")
        self.part.set_payload(content)
        encoders.encode_base64(self.part)
        self.part.add_header("Content-Disposition", "attachment", filename=filename)
        # Subject, text and HTML by (language, to the operator, professional link): see
        # letter_email.
        self.texts: dict[tuple[str, bool, str], tuple[str, str, str]] = {}


class LetterEmail(EmailMultiAlternatives):
    """An email carrying an act's letter: ``attachments`` holds (name, PDF, mimetype) as
    for any email, and its MIME message reuses the letter's part encoded once. With an
    HTML alternative: multipart/mixed [multipart/alternative [text, HTML], letter]."""

    def __init__(self, *args: Any, letter: LetterPdf, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.letter = letter
        self.attach(letter.filename, letter.content, "application/pdf")

    def message(self) -> Any:
        # Django inserts a MIMEBase found in ``attachments`` as it is (documented with
        # EmailMessage.attach): a copy of this email lists the letter's shared part where
        # this one lists (name, PDF, mimetype), and Django builds the message from it.
        shared = copy.copy(self)
        shared.attachments = [
            self.letter.part if self.is_letter(attachment) else attachment
            for attachment in self.attachments
        ]
        return super(LetterEmail, shared).message()

    def is_letter(self, attachment: Any) -> bool:
        return (
            isinstance(attachment, tuple)
            and attachment[1] is self.letter.content
            and attachment[0] == self.letter.filename
        )


def letter_pdf(act: Decision, content: bytes) -> LetterPdf:
    return LetterPdf(f"{act.request.reference}-{act.kind}.pdf", content)


def letter_email(delivery: Delivery, letter: bytes | LetterPdf) -> EmailMultiAlternatives:
    """The copy's email with the act's letter (its PDF read from storage by the caller;
    a LetterPdf shared by the act's copies encodes it and renders the texts once)."""
    act = delivery.decision
    request = act.request
    if not isinstance(letter, LetterPdf):
        letter = letter_pdf(act, letter)
    is_operator = delivery.recipient_role == RecipientRole.OPERATOR
    # Copies to health professionals carry their signed link to the act.
    professional_url = (
        settings.PORTAL_BASE_URL + magic_link(act, delivery.recipient_email)
        if delivery.recipient_role in PROFESSIONAL_ROLES
        else ""
    )
    # The texts depend on nothing else: the act's copies of one kind share them.
    key = (delivery.language, is_operator, professional_url)
    if key not in letter.texts:
        letter.texts[key] = _render(
            "act",
            delivery.language,
            {
                "decision": act,
                "request": request,
                "verification_url": verification_url(act),
                "file_url": file_url(request),
                "is_operator": is_operator,
                "professional_url": professional_url,
                "link_days": settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS,
            },
        )
    subject, text, html = letter.texts[key]
    return automatic_email(
        subject,
        text,
        html,
        [delivery.recipient_email],
        headers={"Message-ID": message_id_for(delivery)},
        cls=LetterEmail,
        letter=letter,
    )


def reminder_email(reminder: Reminder) -> EmailMultiAlternatives:
    staff = reminder.recipient_role == RecipientRole.STAFF
    context: dict[str, object] = {"reminder": reminder, "staff": staff}
    if reminder.kind == ReminderKind.OVERDUE_DIGEST:
        overdue = list(
            DerogationRequest.objects.overdue(reminder.day)
            .with_list_relations()
            .order_by("target_date")[:OVERDUE_DIGEST_LIMIT]
        )
        context.update(
            files=[(r, r.days_overdue(reminder.day), _url("reviews:file", r.pk)) for r in overdue],
            queue_url=_url("reviews:queue"),
        )
        name = "overdue_digest"
    else:
        derogation = reminder.derogation
        if derogation is None:  # only the overdue digest has no derogation (DB constraint)
            raise ValueError(f"reminder {reminder.pk} of kind {reminder.kind} has no derogation")
        context.update(
            derogation=derogation,
            request=derogation.request,
            days_left=derogation.days_left(timezone.localdate()),
            url=_url("reviews:file", derogation.request_id)
            if staff
            else file_url(derogation.request),
        )
        name = "ending"
        if reminder.kind == ReminderKind.REPORT_DUE:
            context["url"] = _url("derogations:reports", derogation.request_id)
            name = "report_due"
    subject, text, html = _render(name, reminder.language, context)
    return automatic_email(subject, text, html, [reminder.recipient_email])


def _url(name: str, *args: object) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)

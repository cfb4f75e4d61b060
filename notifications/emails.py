"""The emails that carry letters and reminders, in the recipient's language.

Each has a French and an English template (emails/<name>.<fr|en>.txt); the letters they
carry are always in French, the language of the act.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from derogations.models import DerogationRequest
from derogations.professionals import magic_link

from .letters import file_url, verification_url
from .models import Delivery, RecipientRole, Reminder, ReminderKind

OVERDUE_DIGEST_LIMIT = 200
PROFESSIONAL_ROLES = frozenset(
    {RecipientRole.PRESCRIBER, RecipientRole.USER, RecipientRole.DIRECTOR}
)


def message_id_for(delivery: Delivery) -> str:
    return f"<letter-{delivery.decision_id}-{delivery.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def _render(name: str, language: str, context: dict[str, object]) -> tuple[str, str]:
    with translation.override(language):
        subject = render_to_string(f"emails/{name}_subject.{language}.txt", context)
        body = render_to_string(f"emails/{name}_body.{language}.txt", context)
    return " ".join(subject.split()), body


def letter_email(delivery: Delivery, letter: bytes) -> EmailMessage:
    """The copy's email with the act's letter (its PDF, read from storage by the caller)."""
    act = delivery.decision
    request = act.request
    subject, body = _render(
        "act",
        delivery.language,
        {
            "delivery": delivery,
            "decision": act,
            "request": request,
            "verification_url": verification_url(act),
            "file_url": file_url(request),
            "is_operator": delivery.recipient_role == RecipientRole.OPERATOR,
            # Copies to health professionals carry their signed link to the act.
            "professional_url": settings.PORTAL_BASE_URL + magic_link(act, delivery.recipient_email)
            if delivery.recipient_role in PROFESSIONAL_ROLES
            else "",
            "link_days": settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS,
        },
    )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient_email],
        headers={"Message-ID": message_id_for(delivery)},
    )
    message.attach(f"{request.reference}-{act.kind}.pdf", letter, "application/pdf")
    return message


def reminder_email(reminder: Reminder) -> EmailMessage:
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
    subject, body = _render(name, reminder.language, context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient_email],
    )


def _url(name: str, *args: object) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)

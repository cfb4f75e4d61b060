"""Account emails (verification, invitation, password reset): rendered in the language of
the person who triggers them, sent through Django's email backend once the transaction
that caused them has committed."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse


def absolute_url(viewname: str, *args: object) -> str:
    """Links in emails point at PORTAL_BASE_URL, never at the Host header of the request."""
    return settings.PORTAL_BASE_URL + reverse(viewname, args=args)


def render_email(template: str, context: dict[str, object], to: str) -> EmailMessage:
    """templates/emails/accounts/<template>_subject.txt and _body.txt, in the active language."""
    subject = render_to_string(f"emails/accounts/{template}_subject.txt", context)
    body = render_to_string(f"emails/accounts/{template}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def send_on_commit(message: EmailMessage) -> None:
    """Send after commit: a rolled-back sign-up or invitation emails nobody. A failing SMTP
    server is logged and does not undo the committed change (the person can ask again)."""
    transaction.on_commit(message.send, robust=True)

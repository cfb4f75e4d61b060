"""Account emails (verification, invitation, password reset, second-factor link): rendered
in the language of the person who triggers them, written in the outbox in the transaction
that causes them and sent by a task once it has committed (notifications.AccountEmail)."""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.urls import reverse

from config.mail import automatic_email, render_parts

from . import events
from .throttle import may_email

logger = logging.getLogger(__name__)


def absolute_url(viewname: str, *args: object) -> str:
    """Links in emails point at PORTAL_BASE_URL, never at the Host header of the request."""
    return settings.PORTAL_BASE_URL + reverse(viewname, args=args)


def render_email(template: str, context: dict[str, object], to: str) -> EmailMessage:
    """templates/emails/accounts/<template>_subject.txt, _body.txt and _body.html, in the
    active language (headers: config.mail)."""
    subject, text, html = render_parts(
        f"emails/accounts/{template}_subject.txt", f"emails/accounts/{template}_body.txt", context
    )
    return automatic_email(subject, text, html, [to])


def send_on_commit(message: EmailMessage, *, throttled: bool = False) -> None:
    """Send after commit through the outbox: a rolled-back sign-up or invitation emails
    nobody; an SMTP server down at that moment delays the email, it is not lost (the
    receiver of events.account_email_ready: notifications' outbox). ``throttled``: an email
    anyone may ask for someone else; past the recipient's quota (accounts.throttle.may_email)
    it is not sent."""
    if throttled and not all(may_email(recipient) for recipient in message.to):
        logger.warning("Account email not sent: recipient over its hourly quota")
        return
    if not events.account_email_ready.has_listeners():
        # Without its outbox the email would vanish: fail loudly instead.
        raise ImproperlyConfigured("no receiver of accounts.events.account_email_ready")
    events.account_email_ready.send(sender=EmailMessage, message=message)

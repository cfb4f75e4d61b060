"""What every email of the portal carries, whichever app sends it (accounts,
notifications, reviews).

- ``Date`` in Paris time with its real offset (+0100 or +0200), not UTC written -0000;
- ``Auto-Submitted: auto-generated`` (RFC 3834): every one of them is sent by the portal
  itself, so vacation responders and other robots do not answer it;
- a plain text part, then an HTML part with the same content (multipart/alternative),
  both rendered from templates: ``emails/…_body…txt`` and its twin ending in ``.html``,
  which extends ``emails/base.html`` and is autoescaped.
"""

import datetime
import re
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

_TAG = re.compile(r"^\[[^\]]*\]\s*")


def email_date(moment: datetime.datetime | None = None) -> str:
    """RFC 5322 date of ``moment`` (now by default) in the portal's time zone."""
    moment = moment or timezone.now()
    return format_datetime(moment.astimezone(ZoneInfo(settings.TIME_ZONE)))


def automatic_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Date": email_date(), "Auto-Submitted": "auto-generated", **(headers or {})}


def render_parts(
    subject_template: str, body_template: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """Subject (on one line), text and HTML, in the active language. ``body_template``
    ends with ``.txt``; the HTML template has the same name ending with ``.html`` and
    receives the subject too (its title, and its heading without the "[ANSM]" tag)."""
    subject = " ".join(render_to_string(subject_template, context).split())
    text = render_to_string(body_template, context)
    html_template = body_template.removesuffix(".txt") + ".html"
    heading = _TAG.sub("", subject)  # "[ANSM] Objet" -> "Objet"
    html = render_to_string(html_template, {**context, "subject": subject, "heading": heading})
    return subject, text, html


def automatic_email(
    subject: str,
    text: str,
    html: str,
    to: list[str],
    *,
    headers: dict[str, str] | None = None,
    cls: type[EmailMultiAlternatives] = EmailMultiAlternatives,
    **kwargs: Any,
) -> EmailMultiAlternatives:
    """An email from the portal: text, then HTML (when given), with the headers above and
    ``headers`` (a Message-ID, for one)."""
    message = cls(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=automatic_headers(headers),
        **kwargs,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message

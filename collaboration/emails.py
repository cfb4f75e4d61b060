"""The emails of the collaboration: a link, never the content of a message or an opinion.

Each is rendered in its recipient's language and handed to the outbox in the transaction
that causes it (accounts.emails.send_on_commit: notifications writes it, then sends it once
committed, retried and sent once), so a rolled-back message emails nobody.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.emails import send_on_commit
from accounts.models import User
from config.mail import automatic_email, render_parts

from . import links
from .models import ExpertOpinion, Message


def _send(template: str, context: dict[str, object], to: str, language: str = "fr") -> None:
    with translation.override(language):
        subject, text, html = render_parts(
            f"emails/collaboration/{template}_subject.txt",
            f"emails/collaboration/{template}_body.txt",
            context,
        )
    send_on_commit(automatic_email(subject, text, html, [to]))


def thread_url(request_pk: int) -> str:
    return settings.PORTAL_BASE_URL + reverse("collaboration:thread", args=[request_pk])


def new_message(message: Message, recipients: list[User]) -> None:
    url = thread_url(message.request_id) + "#messages"
    for user in recipients:
        _send(
            "message",
            {"request": message.request, "url": url},
            user.email,
            user.preferred_language or "fr",
        )


def expert_link(opinion: ExpertOpinion, *, reminder: bool = False) -> None:
    context = {
        "opinion": opinion,
        "url": links.link_url(opinion),
        "reminder": reminder,
        "max_age_days": settings.PORTAL_EXPERT_LINK_MAX_AGE_DAYS,
    }
    _send("expert", context, opinion.expert_email)


def opinion_closed(opinion: ExpertOpinion) -> None:
    """Tell the evaluator who asked that the expert answered or declined."""
    evaluator = opinion.requested_by
    url = settings.PORTAL_BASE_URL + reverse("collaboration:opinions", args=[opinion.request_id])
    _send(
        "opinion_closed",
        {"opinion": opinion, "url": url},
        evaluator.email,
        evaluator.preferred_language or "fr",
    )

"""The staff inbox (issue 17): what changed on my files, read or unread, and the emails it
sends: at once, in a daily digest, or none, as each person chose per kind of event on
their email preferences page (a vital urgency is always emailed at once).

Items are posted inside the transaction of the event (a domain event of
``derogations.events``), with their immediate email as an AccountEmail outbox row sent
after commit (notifications.tasks: retried, swept, sent once). The digest runs once a day
(celery beat, ``send_inbox_digests``): one per person and day (unique constraint).

Who receives what:
- a new file of vital urgency (submitted): every active evaluator and senior evaluator;
- the operator's answer to complements: the file's assignee;
- a proposal waiting for signature: every active senior evaluator but its author;
- an incident, a late operator report: the file's assignee and whoever proposed its grant;
- a file moved to a team (issue 19): the new team's members but the one who moved it;
- an operator's message on a file no agent wrote in and nobody holds: the file's team's
  members, or without a team every active evaluator and senior evaluator.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from accounts.enums import Role
from accounts.models import User
from config.mail import automatic_email, render_parts
from derogations.enums import DecisionKind, DecisionState, Kind, Urgency
from derogations.models import AuditEntry, Decision, DerogationRequest, Incident, Team

from .models import (
    ALWAYS_IMMEDIATE,
    DEFAULT_EMAIL_MODES,
    EmailMode,
    EmailPreference,
    InboxDigest,
    InboxItem,
    InboxKind,
)

DIGEST_LIMIT = 200  # items listed in one digest email (the inbox shows them all)


def email_modes(user: User) -> dict[str, str]:
    """Kind → email mode for this person: their choices over the defaults; a vital
    urgency always at once."""
    return _modes(EmailPreference.objects.filter(user=user).values_list("kind", "mode"))


def _modes(chosen: Iterable[tuple[str, str]]) -> dict[str, str]:
    modes = {str(kind): str(mode) for kind, mode in DEFAULT_EMAIL_MODES.items()}
    modes.update(chosen)
    modes.update({str(kind): EmailMode.IMMEDIATE for kind in ALWAYS_IMMEDIATE})
    return modes


def _mode_of_each(users: list[User], kind: str) -> dict[int, str]:
    """The email mode of ``kind`` for each of ``users``: their choices in one query."""
    chosen = dict(
        EmailPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "mode")
    )
    return {user.pk: _modes([(kind, chosen[user.pk])] if user.pk in chosen else [])[kind]
            for user in users}  # fmt: skip


def set_email_modes(user: User, modes: dict[str, str]) -> None:
    """Save this person's choices (the kinds always emailed at once are not stored)."""
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind in ALWAYS_IMMEDIATE:
                continue
            EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"mode": mode})


def _staff() -> "QuerySet[User]":
    return User.objects.filter(
        is_active=True, role__in=[Role.EVALUATOR, Role.SENIOR_EVALUATOR]
    ).order_by("pk")


def post(
    kind: str, request: DerogationRequest, recipients: Iterable[User], *, key: str
) -> list[InboxItem]:
    """Post an event on ``request`` to each recipient's inbox, once per (recipient, kind,
    key): an event posted again is ignored. Call it inside the transaction of the event;
    immediate emails are written in the outbox and sent after commit. Returns the items
    created."""
    from .tasks import queue_account_email

    created = []
    now = timezone.now()
    people = list(
        {user.pk: user for user in recipients if user.is_active and user.is_ansm_staff}.values()
    )
    with transaction.atomic():
        modes = _mode_of_each(people, kind)
        for user in people:
            mode = modes[user.pk]
            item, is_new = InboxItem.objects.get_or_create(
                recipient=user,
                kind=kind,
                key=key,
                defaults={"request": request, "email_mode": mode, "created_at": now},
            )
            if not is_new:
                continue
            if mode == EmailMode.IMMEDIATE:
                item.email = queue_account_email(item_email(item, user))
                item.save(update_fields=["email"])
            created.append(item)
    return created


def _url(name: str, *args: object) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)


def item_email(item: InboxItem, user: User) -> EmailMultiAlternatives:
    """The immediate email of an item, in the recipient's language."""
    with translation.override(user.preferred_language or "fr"):
        subject, text, html = render_parts(
            "emails/inbox_item_subject.txt",
            "emails/inbox_item_body.txt",
            {
                "kind": item.get_kind_display(),
                "request": item.request,
                "vital": item.kind == InboxKind.VITAL_FILE,
                "file_url": _url("reviews:file", item.request_id),
                "inbox_url": _url("notifications:inbox"),
                "preferences_url": _url("notifications:email_preferences"),
            },
        )
    return automatic_email(subject, text, html, [user.email])


# --- Receivers of the domain events (notifications.apps) --------------------------------


def _followers(request: DerogationRequest) -> list[User]:
    """Whom an event on a file concerns: its assignee and whoever proposed its grant."""
    people = []
    if request.assignee_id is not None:
        people.append(User.objects.get(pk=request.assignee_id))
    grant = (
        Decision.objects.filter(request=request, kind=DecisionKind.GRANT)
        .select_related("proposed_by")
        .order_by("-pk")
        .first()
    )
    if grant is not None:
        people.append(grant.proposed_by)
    return people


def on_request_transitioned(
    sender: type, request: DerogationRequest, transition: str, actor: User, **kwargs: object
) -> None:
    if transition == "submit" and request.kind == Kind.INDIVIDUAL:
        if request.urgency == Urgency.VITAL:
            post(InboxKind.VITAL_FILE, request, _staff(), key=f"submit:{request.pk}")
    elif transition == "answer_complements":
        answered = request.complement_requests.order_by("-pk").values_list("pk", flat=True)[:1]
        if request.assignee_id is not None:
            post(
                InboxKind.COMPLEMENTS_ANSWERED,
                request,
                [User.objects.get(pk=request.assignee_id)],
                key=f"complements:{answered[0] if answered else request.pk}",
            )
    elif transition == "propose_decision":
        proposal = (
            Decision.objects.filter(request=request, state=DecisionState.PROPOSED)
            .order_by("-pk")
            .first()
        )
        if proposal is not None:
            seniors = _staff().filter(role=Role.SENIOR_EVALUATOR).exclude(pk=actor.pk)
            post(InboxKind.PROPOSAL_TO_SIGN, request, seniors, key=f"proposal:{proposal.pk}")


def on_incident_declared(sender: type, incident: Incident, **kwargs: object) -> None:
    request = incident.request
    post(InboxKind.INCIDENT, request, _followers(request), key=f"incident:{incident.pk}")


def on_operator_report_late(
    sender: type, request: DerogationRequest, key: str, **kwargs: object
) -> None:
    """derogations.events.operator_report_late: posted once per ``key`` (the report)."""
    post(InboxKind.REPORT_LATE, request, _followers(request), key=f"report:{key}")


def _team_members(team_id: int) -> "QuerySet[User]":
    return _staff().filter(teams=team_id)


def on_request_moved_to_team(
    sender: type, request: DerogationRequest, team: Team, actor: User, **kwargs: object
) -> None:
    """derogations.events.request_moved_to_team: once per move (its audit entry)."""
    move = AuditEntry.objects.filter(request=request, action="move_to_team").order_by("-pk")
    key = f"team:{move.values_list('pk', flat=True).first() or team.pk}"
    post(InboxKind.FILE_MOVED, request, _team_members(team.pk).exclude(pk=actor.pk), key=key)


def on_operator_message_unattended(
    sender: type, request: DerogationRequest, key: str, **kwargs: object
) -> None:
    """derogations.events.operator_message_unattended: posted once per message."""
    people = _team_members(request.team_id) if request.team_id is not None else _staff()
    post(InboxKind.OPERATOR_MESSAGE, request, people, key=f"message:{key}")


# --- Daily digest -----------------------------------------------------------------------


def write_digests(today: datetime.date) -> int:
    """Write today's digest of each person with unread items waiting for one (their
    email mode was "digest" when posted): one per person and day, whatever the number of
    runs. Returns the number of digests written."""
    from .tasks import queue_account_email

    written = 0
    waiting = (
        InboxItem.objects.filter(email_mode=EmailMode.DIGEST, digested_on__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user in User.objects.filter(pk__in=waiting, is_active=True).order_by("pk"):
        with transaction.atomic():
            digest, is_new = InboxDigest.objects.get_or_create(recipient=user, day=today)
            if not is_new:
                continue
            due = InboxItem.objects.select_for_update().filter(
                recipient=user, email_mode=EmailMode.DIGEST, digested_on__isnull=True
            )
            items = list(
                due.filter(read_at__isnull=True)
                .select_related("request")
                .order_by("created_at", "pk")[:DIGEST_LIMIT]
            )
            due.update(digested_on=today)
            if not items:
                continue
            digest.email = queue_account_email(_digest_email(user, items, today))
            digest.save(update_fields=["email"])
            written += 1
    return written


def _digest_email(
    user: User, items: list[InboxItem], today: datetime.date
) -> EmailMultiAlternatives:
    with translation.override(user.preferred_language or "fr"):
        subject, text, html = render_parts(
            "emails/inbox_digest_subject.txt",
            "emails/inbox_digest_body.txt",
            {
                "today": today,
                "items": [
                    (item.get_kind_display(), item.request, _url("reviews:file", item.request_id))
                    for item in items
                ],
                "inbox_url": _url("notifications:inbox"),
                "preferences_url": _url("notifications:email_preferences"),
            },
        )
    return automatic_email(subject, text, html, [user.email])

"""Professionals who use a derogated device join its derogation from the public registry
(issue 16).

A visitor gives a professional email and a facility (name and FINESS) on the derogation's
registry page; the portal emails a signed, expiring link to that address, and nothing else.
Following the link (and confirming, since GET never writes) makes that address a known
professional of the derogation: it opens the grant in the professionals' space (consents,
incidents) and receives every later act (notifications.receivers.recipients_for).

The page answers the same whether the address is already known or not; the emails a
visitor can cause are throttled per client address and per recipient like the account
emails (accounts.throttle).
"""

from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import emails, throttle
from accounts.email_addresses import normalise_email
from accounts.models import User

from . import professionals
from .enums import DerogationStatus
from .incidents import link_actor
from .lifecycle import TransitionError, record_action
from .models import Decision, Derogation, DerogationRequest, KnownProfessional

JOIN_SALT = "derogations.joining.link"
# A join link is short-lived: it only proves that the visitor reads this mailbox.
JOIN_LINK_MAX_AGE_HOURS = 48
ACTION = "professional_joined"


class InvalidJoinLink(Exception):
    """The link was altered or has expired, or its derogation may no longer be joined."""


@dataclass(frozen=True)
class JoinRequest:
    """What a join link carries: the derogation, the address it was sent to, the facility."""

    derogation: Derogation
    email: str
    facility_name: str
    facility_finess: str


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=JOIN_SALT)


def refusal(derogation: Derogation) -> str | None:
    """Why nobody may join this derogation now, in French; None if they may."""
    status = derogation.effective_status()
    if status == DerogationStatus.LIFTED:
        return _("Cette dérogation a été levée : il n'est plus possible de s'y inscrire.")
    if status == DerogationStatus.EXPIRED:
        return _("Cette dérogation a expiré : il n'est plus possible de s'y inscrire.")
    return None


def join_token(derogation: Derogation, email: str, facility_name: str, finess: str) -> str:
    return _signer().sign_object(
        {"g": derogation.pk, "e": normalise_email(email), "n": facility_name, "f": finess}
    )


def read_join_link(token: str) -> JoinRequest:
    try:
        payload = _signer().unsign_object(token, max_age=JOIN_LINK_MAX_AGE_HOURS * 3600)
        pk, email = int(payload["g"]), str(payload["e"])
        name, finess = str(payload["n"]), str(payload["f"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidJoinLink from None
    derogation = (
        Derogation.objects.select_related("request__organisation", "grant").filter(pk=pk).first()
    )
    if derogation is None or refusal(derogation) is not None:
        raise InvalidJoinLink
    return JoinRequest(derogation, email, name, finess)


def ask_to_join(
    http_request: HttpRequest,
    derogation: Derogation,
    *,
    email: str,
    facility_name: str,
    facility_finess: str,
) -> throttle.MailLocked | None:
    """Email the join link to ``email`` once committed; MailLocked when this client asked
    for too many emails. Past the recipient's quota nothing is sent, and the caller says the
    same as when it is (accounts.emails.send_on_commit)."""
    locked = throttle.take_client_mail_quota(http_request)
    if locked is not None:
        return locked
    token = join_token(derogation, email, facility_name, facility_finess)
    context: dict[str, object] = {
        "link": emails.absolute_url("derogations:join_link", token),
        "reference": derogation.request.reference,
        "hours": JOIN_LINK_MAX_AGE_HOURS,
    }
    with transaction.atomic():
        emails.send_on_commit(
            emails.render_email("join_derogation", context, normalise_email(email)),
            throttled=True,
        )
    return None


def confirm_join(joining: JoinRequest, actor: User | None) -> KnownProfessional:
    """Make the link's address a known professional of its derogation (once: following
    the link again changes nothing), with an entry in the file's timeline."""
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=joining.derogation.request_id)
        derogation = Derogation.objects.get(pk=joining.derogation.pk)
        reason = refusal(derogation)
        if reason is not None:
            raise TransitionError(reason)
        known, created = KnownProfessional.objects.get_or_create(
            derogation=derogation,
            email=joining.email,
            defaults={
                "facility_name": joining.facility_name,
                "facility_finess": joining.facility_finess,
            },
        )
        if created:
            record_action(
                locked,
                actor or link_actor(),
                ACTION,
                _("%(email)s (%(facility)s, FINESS %(finess)s) s'est inscrit comme utilisateur.")
                % {
                    "email": known.email,
                    "facility": known.facility_name,
                    "finess": known.facility_finess,
                },
            )
    return known


def open_grant(http_request: HttpRequest, known: KnownProfessional) -> Decision:
    """Keep in the session the professionals' space link of the derogation's grant for
    this known professional (as a signed link of an emailed copy would)."""
    grant = Decision.objects.get(pk=known.derogation.grant_id)
    return professionals.remember_link(http_request, professionals.link_token(grant, known.email))


def known_professional(request_id: int, email: str) -> KnownProfessional | None:
    """The join record of this address on the derogation of this request, if any."""
    return KnownProfessional.objects.filter(
        derogation__request_id=request_id, email=normalise_email(email)
    ).first()


# The file page lists at most this many known professionals, the earliest first.
STAFF_LIST_LIMIT = 200


def shown_to_staff(derogation: Derogation | None) -> list[KnownProfessional]:
    """The known professionals of a derogation for the agency's file page (one query; one
    row more than the limit tells the page that more exist)."""
    if derogation is None:
        return []
    return list(
        KnownProfessional.objects.filter(derogation=derogation).order_by("joined_at", "pk")[
            : STAFF_LIST_LIMIT + 1
        ]
    )

"""The professionals' space: which decisions a health professional may open, and how.

Two ways in: an account (role professional; see access.professional_requests), or the
signed, expiring link sent with the copy of a decision. A link is bound to one decision
and one email address: it opens that decision only, never another one.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from accounts.email_addresses import normalise_email
from accounts.models import User

from . import access
from .enums import PUBLIC_ACT_KINDS, DecisionState
from .models import Consent, Decision, Derogation

LINK_SALT = "derogations.professionals.link"
SESSION_KEY = "professional_links"
LINKS_IN_SESSION = 20


class InvalidLink(Exception):
    """The link was altered, has expired, or no longer names this professional."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def link_max_age() -> int:
    """Seconds a link stays valid (settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS)."""
    return int(settings.PORTAL_PROFESSIONAL_LINK_MAX_AGE_DAYS) * 86400


def link_token(decision: Decision, email: str) -> str:
    return _signer().sign_object({"d": decision.pk, "e": normalise_email(email)})


def magic_link(decision: Decision, email: str) -> str:
    """The absolute path (prefix it with settings.PORTAL_BASE_URL) of the signed link that
    opens this decision for the professional who receives it at ``email``."""
    return reverse("derogations:pro_link", args=[link_token(decision, email)])


def concerned_emails(decision: Decision) -> set[str]:
    """The professionals' addresses a copy of this decision goes to."""
    req = decision.request
    return {
        normalise_email(e)
        for e in (req.prescriber_email, req.user_email, req.director_email)
        if e.strip()
    }


def read_link(token: str) -> tuple[Decision, str]:
    """The decision and email a link was made for; InvalidLink if it must not open."""
    try:
        payload = _signer().unsign_object(token, max_age=link_max_age())
        decision_pk, email = int(payload["d"]), str(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink from None
    decision = (
        Decision.objects.filter(pk=decision_pk, state=DecisionState.ISSUED)
        .select_related("request__organisation")
        .first()
    )
    if decision is None or email not in concerned_emails(decision):
        raise InvalidLink
    return decision, email


def remember_link(http_request: HttpRequest, token: str) -> Decision:
    """Check the link and keep it in the session: it then opens its decision's pages."""
    decision, _email = read_link(token)
    links = dict(http_request.session.get(SESSION_KEY, {}))
    http_request.session.cycle_key()  # new rights in this session: a new session key
    links.pop(str(decision.pk), None)
    links[str(decision.pk)] = token
    # The most recent links only: an anonymous session stays small (accounts/sessions.py).
    http_request.session[SESSION_KEY] = dict(list(links.items())[-LINKS_IN_SESSION:])
    return decision


@dataclass(frozen=True)
class Access:
    """Who opens a decision: their account, or the email a signed link was sent to."""

    decision: Decision
    user: User | None
    email: str


def account_decisions(user: User) -> QuerySet[Decision]:
    """Issued decisions on the requests that concern this professional's account."""
    return Decision.objects.filter(
        state=DecisionState.ISSUED,
        kind__in=PUBLIC_ACT_KINDS,
        request__in=access.professional_requests(user),
    )


def open_decision(http_request: HttpRequest, decision_pk: int) -> Access | None:
    """The access to this decision, or None (the view then answers 404)."""
    user = http_request.user
    if user.is_authenticated and user.is_professional:
        decision = (
            account_decisions(user).select_related("request__organisation").filter(pk=decision_pk)
        ).first()
        if decision is not None:
            return Access(decision, user, user.email)
    token = http_request.session.get(SESSION_KEY, {}).get(str(decision_pk))
    if token is None:
        return None
    try:
        decision, email = read_link(token)
    except InvalidLink:
        return None
    if decision.pk != decision_pk:
        return None
    return Access(decision, None, email)


def derogation_of(decision: Decision) -> "Derogation | None":
    """The derogation in force on this decision's request (None after a refusal)."""
    return Derogation.objects.filter(request_id=decision.request_id).first()


def role_of(decision: Decision, user: User | None, email: str) -> str:
    """In which capacity this professional receives the decision (for display)."""
    from django.utils.translation import gettext as _

    req = decision.request
    email = normalise_email(email)
    if email == normalise_email(req.prescriber_email) or (
        user is not None and user.rpps and user.rpps == req.prescriber_rpps
    ):
        return _("Prescripteur")
    if email == normalise_email(req.user_email):
        return _("Utilisateur du dispositif")
    if email == normalise_email(req.director_email):
        return _("Directeur d'établissement")
    return _("Professionnel de l'établissement")


def record_consent(
    opened: Access, *, informed_on: "datetime.date", consented_on: "datetime.date"
) -> Consent:
    """Record that the patient was informed and consented. No patient identity is stored:
    the request's pseudonymised reference is the only link to the patient."""
    return Consent.objects.create(
        request_id=opened.decision.request_id,
        informed_on=informed_on,
        consented_on=consented_on,
        professional=opened.user,
        professional_email=opened.email,
    )

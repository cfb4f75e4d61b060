"""The signed, expiring link an expert receives: it opens one opinion request (and so one
file), nothing else; no account is needed. The row decides what the link still allows
(once the opinion is given or declined, the page says so)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import ExpertOpinion

LINK_SALT = "collaboration.expert-link"


class InvalidLink(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=LINK_SALT)


def link_max_age() -> int:
    """Seconds a link stays valid (settings.PORTAL_EXPERT_LINK_MAX_AGE_DAYS)."""
    return int(settings.PORTAL_EXPERT_LINK_MAX_AGE_DAYS) * 86400


def link_token(opinion: ExpertOpinion) -> str:
    return _signer().sign_object({"o": opinion.pk, "e": opinion.expert_email.lower()})


def link_url(opinion: ExpertOpinion) -> str:
    """The absolute link emailed to the expert."""
    return settings.PORTAL_BASE_URL + reverse("collaboration:expert", args=[link_token(opinion)])


def read_link(token: str) -> ExpertOpinion:
    """The opinion a link was made for; InvalidLink (expired or not) if it must not open."""
    try:
        payload = _signer().unsign_object(token, max_age=link_max_age())
        opinion_pk, email = int(payload["o"]), str(payload["e"])
    except signing.SignatureExpired:
        raise InvalidLink(expired=True) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvalidLink from None
    opinion = (
        ExpertOpinion.objects.filter(pk=opinion_pk)
        .select_related("request__organisation", "requested_by")
        .first()
    )
    # An opinion whose expert address was corrected since: the old link no longer opens it.
    if opinion is None or opinion.expert_email.lower() != email:
        raise InvalidLink
    return opinion

"""Signed references carried by the links we email.

A link holds a signed primary key (django.core.signing, one salt per purpose); the row it
points to decides whether it may still be used, so that a link works once:
- email verification: the account must still be unverified, and the link is at most
  ACCOUNT_VERIFICATION_MAX_AGE seconds old;
- invitation: the invitation must still be pending and before its expiry date.
Password reset links are Django's own (PasswordResetTokenGenerator).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

VERIFICATION_SALT = "accounts.email-verification"
INVITATION_SALT = "accounts.invitation"


@dataclass(frozen=True)
class Unsigned:
    """What a link said: the primary key it carries, or why it cannot be read."""

    pk: int | None
    expired: bool = False

    @property
    def forged(self) -> bool:
        return self.pk is None and not self.expired


def _read(token: str, salt: str, max_age: int | None) -> Unsigned:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        return Unsigned(pk=None, expired=True)
    except signing.BadSignature:
        return Unsigned(pk=None)
    return Unsigned(pk=value) if isinstance(value, int) else Unsigned(pk=None)


def verification_token(user_pk: int) -> str:
    return signing.dumps(user_pk, salt=VERIFICATION_SALT)


def read_verification_token(token: str) -> Unsigned:
    return _read(token, VERIFICATION_SALT, settings.ACCOUNT_VERIFICATION_MAX_AGE)


def invitation_token(invitation_pk: int) -> str:
    return signing.dumps(invitation_pk, salt=INVITATION_SALT)


def read_invitation_token(token: str) -> Unsigned:
    # The invitation row holds its own expiry date (a renewed invitation gets a new one).
    return _read(token, INVITATION_SALT, None)

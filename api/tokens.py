"""Personal access tokens: created on the profile page, shown once, stored hashed.

A token reads ``dmdiv_<prefix>_<secret>``: the prefix finds the row, the secret's SHA-256
is compared in constant time. Staff tokens open the agency's files: creating one asks for a
second-factor code again, whatever the session already passed.
"""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import second_factor
from accounts.models import User

from .models import ApiToken, TokenScope

TOKEN_PREFIX = "dmdiv_"  # noqa: S105  (the public marker of a token, not a secret)
LIFETIMES_DAYS = (30, 90, 365)


class TokenRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def needs_second_factor(user: User) -> bool:
    return second_factor.is_mandatory_for(user)


def create_token(
    user: User, *, name: str, scope: str, days: int, code: str = ""
) -> tuple[ApiToken, str]:
    """A new token and its full value (the only time it is known)."""
    if not (user.is_active and (user.is_operator or user.is_ansm_staff)):
        raise TokenRefused(_("Vous n'avez pas le droit d'effectuer cette action."))
    if days not in LIFETIMES_DAYS or scope not in TokenScope.values or not name.strip():
        raise TokenRefused(_("Vérifiez le nom, les droits et la durée du jeton."))
    if needs_second_factor(user) and second_factor.verify(user, code) is None:
        raise TokenRefused(
            _(
                "Code de double authentification incorrect ou déjà utilisé : le jeton n'est pas créé."
            )
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        secret_sha256=_digest(secret),
        scope=scope,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


def revoke(user: User, token_pk: int) -> bool:
    """Revoke one of the user's tokens; False when it was not theirs or already revoked."""
    with transaction.atomic():
        return bool(
            ApiToken.objects.filter(pk=token_pk, user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        )


def authenticate(value: str) -> ApiToken | None:
    """The usable token this value is, with its active user; None otherwise."""
    if not value.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, secret = value.removeprefix(TOKEN_PREFIX).partition("_")
    if not prefix or not secret or len(value) > 200:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(prefix=prefix, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_sha256, _digest(secret)):
        return None
    return token

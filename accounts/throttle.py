"""Brute-force protection of the sign-in forms (OWASP Authentication Cheat Sheet, "account
lockout"): lockout by (account, client address) and by address, and a slower back-off per
account.

- (account, address): after LOGIN_THROTTLE_LIMITS["account-address"] failures (5), that
  client may not try that account for LOGIN_THROTTLE_LOCKOUT_SECONDS (15 min). Someone who
  knows a senior evaluator's address cannot lock her out from her own computer.
- account, from every address: after LOGIN_THROTTLE_LIMITS["account"] failures (20), each new
  attempt must wait 1, 2, 4... seconds after the last failure, at most
  LOGIN_THROTTLE_ACCOUNT_BACKOFF_MAX_SECONDS (60): a distributed guess is slowed down to a
  crawl, while the owner waits at most a minute, never a quarter of an hour.
- address: after LOGIN_THROTTLE_LIMITS["address"] failures (30) on any accounts, that client
  is locked out for the lockout time.
A counter starts afresh after the lockout time without failure.

Each attempt first *reserves* a failure on the account's and the address's counters (rows
of LoginThrottle, locked with SELECT ... FOR UPDATE in one transaction) and only then is the
password (or the TOTP code) checked; a success gives the reservation back. So however many
attempts run in parallel, at most the configured limit of them get their password checked
before the lockout. A locked account or address is refused without checking anything.
Limits: settings.LOGIN_THROTTLE_LIMITS (failures) and LOGIN_THROTTLE_LOCKOUT_SECONDS.

Emails a visitor can make the portal send (sign-up, "already registered", verification
again, password reset, invitations) are counted in the same table, per recipient and per
client address, over a window (settings.EMAIL_THROTTLE_LIMITS and
EMAIL_THROTTLE_WINDOW_SECONDS): past the recipient's quota the email is silently not sent
(the page says the same either way: no account is revealed); past the client's quota the
form says, in French, how long to wait.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from .email_addresses import normalise_email
from .models import LoginThrottle

ACCOUNT = "account"
ACCOUNT_ADDRESS = "account-address"
ADDRESS = "address"
MAIL_RECIPIENT = "mail-recipient"
MAIL_CLIENT = "mail-client"


@dataclass(frozen=True)
class Locked:
    seconds: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        return ngettext(
            "Trop de tentatives de connexion infructueuses. Par sécurité, la connexion est "
            "bloquée pendant encore %(minutes)d minute. Réessayez ensuite ; si vous avez "
            "oublié votre mot de passe, réinitialisez-le.",
            "Trop de tentatives de connexion infructueuses. Par sécurité, la connexion est "
            "bloquée pendant encore %(minutes)d minutes. Réessayez ensuite ; si vous avez "
            "oublié votre mot de passe, réinitialisez-le.",
            minutes,
        ) % {"minutes": minutes}


def address_of(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: a client chooses X-Forwarded-For. Behind a reverse proxy, the proxy
    # must set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips with a trusted proxy).
    if request is None:
        return "unknown"
    return request.META.get("REMOTE_ADDR") or "unknown"


def keys_for(request: HttpRequest | None, account: str) -> list[tuple[str, str]]:
    account, address = normalise_email(account)[:254], address_of(request)
    return [
        (ACCOUNT_ADDRESS, f"{address} {account}"[:254]),
        (ACCOUNT, account),
        (ADDRESS, address),
    ]


def _wait(row: LoginThrottle, elapsed: float) -> float:
    """Seconds this counter still refuses attempts (0: none)."""
    limit = settings.LOGIN_THROTTLE_LIMITS[row.scope]
    if row.scope == ACCOUNT:
        beyond = row.failures - limit
        if beyond < 0:
            return 0
        backoff = min(settings.LOGIN_THROTTLE_ACCOUNT_BACKOFF_MAX_SECONDS, 2 ** min(beyond, 20))
        return max(0, backoff - elapsed)
    if row.failures >= limit:
        return max(0, settings.LOGIN_THROTTLE_LOCKOUT_SECONDS - elapsed)
    return 0


def reserve(keys: list[tuple[str, str]]) -> Locked | None:
    """Count this attempt as a failure in advance, or say how long the lockout lasts."""
    lockout = settings.LOGIN_THROTTLE_LOCKOUT_SECONDS
    now = timezone.now()
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(scope=scope, key=key) for scope, key in keys], ignore_conflicts=True
        )
        wanted = Q()
        for scope, key in keys:
            wanted |= Q(scope=scope, key=key)
        rows = list(
            LoginThrottle.objects.select_for_update()
            .filter(wanted)
            .order_by("scope", "key")  # always the same lock order: no deadlock
        )
        waits = []
        for row in rows:
            elapsed = (now - row.last_failure_at).total_seconds() if row.last_failure_at else 0
            if row.last_failure_at and elapsed >= lockout:
                row.failures = 0  # the lockout (or the counting window) is over
            if wait := _wait(row, elapsed):
                waits.append(wait)
        if waits:
            return Locked(seconds=max(1, math.ceil(max(waits))))
        for row in rows:
            row.failures += 1
            row.last_failure_at = now
            row.save(update_fields=["failures", "last_failure_at"])
    return None


def succeeded(keys: list[tuple[str, str]]) -> None:
    """The check passed: the account (from everywhere and from this address) starts afresh,
    the address gets its reservation back."""
    with transaction.atomic():
        for scope, key in keys:
            for row in LoginThrottle.objects.select_for_update().filter(scope=scope, key=key):
                row.failures = max(0, row.failures - 1) if scope == ADDRESS else 0
                row.save(update_fields=["failures"])


# --- Emails sent on a visitor's request -------------------------------------------------


@dataclass(frozen=True)
class MailLocked:
    seconds: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        return ngettext(
            "Trop de demandes d'envoi de courriel depuis votre connexion. Réessayez dans "
            "%(minutes)d minute.",
            "Trop de demandes d'envoi de courriel depuis votre connexion. Réessayez dans "
            "%(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


def _take_mail_quota(scope: str, key: str) -> MailLocked | None:
    """Count one email for this key in the current window (row locked), or say how long
    until the window ends. ``last_failure_at`` holds the window's start for these scopes."""
    limit = settings.EMAIL_THROTTLE_LIMITS[scope]
    window = settings.EMAIL_THROTTLE_WINDOW_SECONDS
    now = timezone.now()
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(scope=scope, key=key)], ignore_conflicts=True
        )
        row = LoginThrottle.objects.select_for_update().get(scope=scope, key=key)
        if row.last_failure_at is None or (now - row.last_failure_at).total_seconds() >= window:
            row.failures, row.last_failure_at = 0, now
        if row.failures >= limit:
            elapsed = (now - row.last_failure_at).total_seconds()
            return MailLocked(seconds=max(1, math.ceil(window - elapsed)))
        row.failures += 1
        row.save(update_fields=["failures", "last_failure_at"])
    return None


def take_client_mail_quota(request: HttpRequest) -> MailLocked | None:
    """One more email asked from this client address; MailLocked when over its quota."""
    return _take_mail_quota(MAIL_CLIENT, address_of(request))


def may_email(recipient: str) -> bool:
    """One more email to this address; False (send nothing) when over its quota."""
    return _take_mail_quota(MAIL_RECIPIENT, normalise_email(recipient)[:254]) is None

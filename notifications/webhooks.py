"""Webhooks (issue 20): each act on an organisation's files POSTed to the URL it registered.

- Registered, rotated and disabled by the organisation's admins (``register``, ``rotate``,
  ``set_active``), from the operator space or the API.
- Each issued act writes one WebhookDelivery per active endpoint in the act's transaction
  (``on_decision_issued``; unique per act and endpoint), sent after commit by
  notifications.tasks.send_webhook (``deliver``), retried with the outbox's back-off and
  queued again by the outbox's sweep; given up after WEBHOOK_MAX_ATTEMPTS attempts.
- Signed like Stripe's: ``X-DMDIV-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<body>" with the secret>``; ``Idempotency-Key`` is the delivery's id, the same on
  every attempt, so a receiver can ignore a repeat (docs/api.md shows how to verify).
- SSRF: the host is resolved at send time and every address must be public (no private,
  loopback, link-local, reserved or multicast address, unless WEBHOOK_ALLOW_LOOPBACK allows
  loopback for tests and the demo); the connection goes to the address checked (no second
  resolution), no redirect is followed, timeouts are short, at most 1 KB of the answer is
  kept.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from config.tasks import queue_on_commit
from derogations.models import Decision

from .models import WebhookDelivery, WebhookEndpoint, WebhookStatus

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-DMDIV-Signature"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class WebhookRefused(Exception):
    """A URL or an address the portal will not POST to; ``message`` is in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- The endpoint: register, rotate, disable -----------------------------------------------


def check_url(url: str) -> str:
    """The URL as it will be used, or WebhookRefused: https, a host name, no user or
    password; http only to loopback where WEBHOOK_ALLOW_LOOPBACK allows it. (The host's
    addresses are checked again at each send: DNS may change.)"""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookRefused(_("Cette adresse n'est pas une URL valide.")) from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise WebhookRefused(
            _("Indiquez une adresse complète, par exemple https://exemple.fr/dmdiv.")
        )
    if parts.username or parts.password:
        raise WebhookRefused(_("L'adresse ne doit pas contenir d'identifiant ni de mot de passe."))
    loopback_allowed = settings.WEBHOOK_ALLOW_LOOPBACK and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback_allowed):
        raise WebhookRefused(_("L'adresse doit commencer par https://."))
    if port == 0:
        raise WebhookRefused(_("Cette adresse n'est pas une URL valide."))
    if parts.fragment:
        raise WebhookRefused(_("L'adresse ne doit pas contenir de fragment (#…)."))
    if host == "localhost" and not settings.WEBHOOK_ALLOW_LOOPBACK:
        raise WebhookRefused(_("Cette adresse n'est pas une adresse publique : envoi refusé."))
    _check_literal_address(host)
    return url


def _check_literal_address(host: str) -> None:
    """A host written as an IP address must be a public one (or loopback if allowed)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    _check_address(address)


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if address.is_loopback and settings.WEBHOOK_ALLOW_LOOPBACK:
        return
    if not address.is_global or address.is_multicast:
        raise WebhookRefused(
            _("L'adresse %(address)s n'est pas une adresse publique : envoi refusé.")
            % {"address": address}
        )


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def register(organisation: Organisation, actor: User, url: str) -> tuple[WebhookEndpoint, str]:
    """Create the organisation's endpoint, or change its URL (keeping its secret), and
    enable it. Returns the endpoint and its secret if it was just created (shown once),
    else ""."""
    url = check_url(url)
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update().filter(organisation=organisation).first()
        )
        if endpoint is None:
            secret = new_secret()
            endpoint = WebhookEndpoint.objects.create(
                organisation=organisation, url=url, secret=secret, created_by=actor
            )
            logger.info("Webhook of organisation %s registered by %s", organisation.pk, actor.pk)
            return endpoint, secret
        endpoint.url = url
        endpoint.is_active = True
        endpoint.save(update_fields=["url", "is_active"])
    logger.info("Webhook of organisation %s changed by %s", organisation.pk, actor.pk)
    return endpoint, ""


def rotate(endpoint: WebhookEndpoint, actor: User) -> str:
    """A new secret, at once (the next deliveries, retries included, are signed with it)."""
    secret = new_secret()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        secret=secret, secret_rotated_at=timezone.now()
    )
    logger.info(
        "Webhook secret of organisation %s rotated by %s", endpoint.organisation_id, actor.pk
    )
    return secret


def set_active(endpoint: WebhookEndpoint, actor: User, active: bool) -> bool:
    """Enable or disable the endpoint; False if it already was (a double submit)."""
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=not active).update(
        is_active=active
    )
    logger.info(
        "Webhook of organisation %s active=%s by %s", endpoint.organisation_id, active, actor.pk
    )
    return bool(changed)


def delivery_log(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The last 100 deliveries with their act, newest first (two queries)."""
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("decision__request")
        .only(
            "status",
            "attempts",
            "http_status",
            "duration_ms",
            "next_retry_at",
            "sent_at",
            "created_at",
            "last_error",
            "decision__kind",
            "decision__issued_at",
            "decision__request__reference",
        )  # fmt: skip
        .order_by("-pk")[:100]
    )


# --- Writing the outbox rows ----------------------------------------------------------------


def on_decision_issued(sender: type, decision: Decision, **kwargs: object) -> None:
    """derogations.events.decision_issued: one delivery per active endpoint of the file's
    organisation, in the act's transaction; sent once committed."""
    from .tasks import send_webhook

    endpoint_ids = list(
        WebhookEndpoint.objects.filter(
            organisation_id=decision.request.organisation_id, is_active=True
        ).values_list("pk", flat=True)
    )
    if not endpoint_ids:
        return
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint_id=pk, decision=decision) for pk in endpoint_ids],
        ignore_conflicts=True,
    )
    for pk in WebhookDelivery.objects.filter(
        decision=decision, endpoint_id__in=endpoint_ids, status=WebhookStatus.PENDING
    ).values_list("pk", flat=True):
        queue_on_commit(send_webhook, pk)


# --- The payload and its signature ----------------------------------------------------------


def payload(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the act and its file, links to the API; no personal data."""
    act = delivery.decision
    request = act.request
    base = settings.PORTAL_BASE_URL
    body = {
        "id": delivery.pk,
        "type": f"act.{act.kind}",
        "act": {
            "id": act.pk,
            "kind": act.kind,
            "issued_at": act.issued_at.isoformat() if act.issued_at else None,
            "verification_code": act.verification_code,
            "letter": base + reverse("api:act_letter", args=[request.pk, act.pk]),
        },
        "request": {
            "id": request.pk,
            "reference": request.reference,
            "status": request.status,
            "url": base + reverse("api:request", args=[request.pk]),
            "acts": base + reverse("api:acts", args=[request.pk]),
        },
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-DMDIV-Signature header's value."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (docs/api.md): the signature matches and is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


# --- Sending --------------------------------------------------------------------------------


def resolve(host: str, port: int) -> str:
    """The host's first address once every address it resolves to is allowed."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise WebhookRefused(_("Le nom %(host)s ne se résout pas.") % {"host": host}) from exc
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        _check_address(ipaddress.ip_address(address.split("%", 1)[0]))
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked, not to a second resolution of the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection(
            (self.address, self.port), timeout=settings.WEBHOOK_CONNECT_TIMEOUT
        )
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS, the certificate checked against the host name."""

    default_port = 443  # the Host header without ":443"

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


@dataclass
class Outcome:
    ok: bool
    http_status: int | None = None
    excerpt: str = ""
    error: str = ""


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url``: one attempt, no redirect followed, 2xx is success."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(host, port)
    except WebhookRefused as refused:
        return Outcome(ok=False, error=refused.message)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, address, timeout=settings.WEBHOOK_TOTAL_TIMEOUT)
    deadline = time.monotonic() + settings.WEBHOOK_TOTAL_TIMEOUT
    try:
        connection.request("POST", path, body=body, headers=headers)
        if connection.sock is not None:
            connection.sock.settimeout(max(0.1, deadline - time.monotonic()))
        response = connection.getresponse()
        excerpt = response.read(settings.WEBHOOK_RESPONSE_KEPT).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:1000])
    finally:
        connection.close()
    ok = 200 <= response.status < 300
    error = "" if ok else _("Réponse HTTP %(code)s") % {"code": response.status}
    return Outcome(ok=ok, http_status=response.status, excerpt=excerpt, error=error)


def retry_delay(attempts: int) -> int:
    """The outbox's back-off: the n-th failure waits NOTIFICATION_RETRY_DELAYS[n-1]."""
    delays = settings.NOTIFICATION_RETRY_DELAYS
    return int(delays[min(max(attempts - 1, 0), len(delays) - 1)])


def deliver(delivery_pk: int) -> str:
    """One attempt at a delivery: "sent", "already-sent", "failed" (retry after
    ``next_retry_at``), "abandoned" (WEBHOOK_MAX_ATTEMPTS reached) or "inactive". The row
    stays locked during the POST, so two workers never send it together; one sent is never
    sent again."""
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "decision__request")
            .get(pk=delivery_pk)
        )
        if row.status == WebhookStatus.SENT:
            return "already-sent"
        if row.status == WebhookStatus.ABANDONED:
            return "abandoned"
        if not row.endpoint.is_active:
            return "inactive"
        body = payload(row)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "DMDIV-Webhooks/1",
            "Idempotency-Key": str(row.pk),
            "X-DMDIV-Event": f"act.{row.decision.kind}",
            SIGNATURE_HEADER: sign(row.endpoint.secret, timestamp, body),
        }
        started = time.monotonic()
        outcome = post(row.endpoint.url, body, headers)
        row.attempts += 1
        row.duration_ms = int((time.monotonic() - started) * 1000)
        row.http_status = outcome.http_status
        row.response_excerpt = outcome.excerpt
        row.last_error = outcome.error
        if outcome.ok:
            row.status = WebhookStatus.SENT
            row.sent_at = timezone.now()
            row.next_retry_at = None
        elif row.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            row.status = WebhookStatus.ABANDONED
            row.next_retry_at = None
        else:
            row.status = WebhookStatus.FAILED
            row.next_retry_at = timezone.now() + timedelta(seconds=retry_delay(row.attempts))
        row.save(
            update_fields=[
                "status", "attempts", "duration_ms", "http_status", "response_excerpt",
                "last_error", "sent_at", "next_retry_at",
            ]
        )  # fmt: skip
    if row.status != WebhookStatus.SENT:
        logger.warning("Webhook delivery %s: %s (attempt %s)", row.pk, row.last_error, row.attempts)
    return str(row.status)

"""Webhooks (issue 20) against a real HTTP receiver on 127.0.0.1 (http.server in a thread):
one POST per act with a valid signature, a retry after a 500, nothing sent twice, private
addresses refused. Tasks run inline after commit (the sweep's retry is called by hand)."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from derogations.enums import DecisionKind
from derogations.models import Decision
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from notifications.tasks import sweep_pending
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """Records each POST (headers and body); answers the statuses queued in ``answers``
    (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.requests.append((dict(self.headers), self.rfile.read(length)))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"x" * 5000)  # longer than what the log keeps

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/dmdiv?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(org_a, operator_a, receiver):
    endpoint, secret = webhooks.register(org_a, operator_a, receiver.url)
    assert secret.startswith("whsec_")
    return endpoint


def test_one_signed_post_per_act(endpoint, receiver, draft_a, evaluator):
    factories.awaiting_complements(draft_a, evaluator)  # acknowledgment, complement request
    draft_a.refresh_from_db()
    acts = list(Decision.objects.filter(request=draft_a).order_by("pk"))
    assert [act.kind for act in acts] == [
        DecisionKind.ACKNOWLEDGMENT,
        DecisionKind.COMPLEMENT_REQUEST,
    ]
    assert len(receiver.requests) == 2
    secret = WebhookEndpoint.objects.get().secret
    for (headers, body), act in zip(receiver.requests, acts, strict=True):
        assert webhooks.verify(secret, headers[webhooks.SIGNATURE_HEADER], body)
        assert not webhooks.verify("whsec_other", headers[webhooks.SIGNATURE_HEADER], body)
        data = json.loads(body)
        delivery = WebhookDelivery.objects.get(decision=act)
        assert headers["Idempotency-Key"] == str(delivery.pk) == str(data["id"])
        assert data["type"] == f"act.{act.kind}"
        assert data["act"]["verification_code"] == act.verification_code
        assert data["request"]["reference"] == draft_a.reference
        assert data["request"]["url"].endswith(f"/api/v1/requests/{draft_a.pk}/")
        # No personal data: neither the patient's reference nor the contacts.
        assert draft_a.contact_email not in body.decode()
        assert delivery.status == WebhookStatus.SENT
        assert delivery.http_status == 200
        assert delivery.attempts == 1
        assert len(delivery.response_excerpt) == 1024
    # The sender run again (a duplicated task, the sweep): nothing sent twice.
    for delivery in WebhookDelivery.objects.all():
        assert webhooks.deliver(delivery.pk) == "already-sent"
    sweep_pending(older_than_seconds=0)
    assert len(receiver.requests) == 2


def test_a_500_is_retried_with_back_off_then_sent_once(endpoint, receiver, draft_a):
    receiver.answers = [500]
    factories.submitted(draft_a)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.FAILED
    assert (delivery.attempts, delivery.http_status) == (1, 500)
    assert delivery.last_error == "Réponse HTTP 500"
    assert delivery.next_retry_at > timezone.now()
    # Not before its back-off: the sweep leaves it.
    sweep_pending(older_than_seconds=0)
    assert len(receiver.requests) == 1
    WebhookDelivery.objects.update(next_retry_at=timezone.now() - timedelta(seconds=1))
    sweep_pending(older_than_seconds=0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.http_status) == (
        WebhookStatus.SENT,
        2,
        200,
    )
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first[1] == second[1]  # the same body, so the same Idempotency-Key
    assert first[0]["Idempotency-Key"] == second[0]["Idempotency-Key"]
    sweep_pending(older_than_seconds=0)
    assert len(receiver.requests) == 2


def test_given_up_after_the_last_attempt(endpoint, receiver, draft_a, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answers = [503, 503, 503]
    factories.submitted(draft_a)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.deliver(delivery.pk) == WebhookStatus.ABANDONED
    assert webhooks.deliver(delivery.pk) == "abandoned"
    assert len(receiver.requests) == 2


def test_an_inactive_endpoint_gets_nothing(endpoint, receiver, draft_a, operator_a):
    assert webhooks.set_active(endpoint, operator_a, False)
    assert not webhooks.set_active(endpoint, operator_a, False)
    factories.submitted(draft_a)
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


def test_a_rotated_secret_signs_the_next_deliveries(endpoint, receiver, draft_a, operator_a):
    old = endpoint.secret
    new = webhooks.rotate(endpoint, operator_a)
    assert new != old
    factories.submitted(draft_a)
    ((headers, body),) = receiver.requests
    assert webhooks.verify(new, headers[webhooks.SIGNATURE_HEADER], body)
    assert not webhooks.verify(old, headers[webhooks.SIGNATURE_HEADER], body)


def test_an_old_signature_is_refused():
    body = b'{"id": 1}'
    header = webhooks.sign("whsec_x", int(timezone.now().timestamp()) - 600, body)
    assert not webhooks.verify("whsec_x", header, body)


@pytest.mark.parametrize(
    "url",
    [
        "http://exemple.fr/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://user:pw@exemple.fr/hook",
        "ftp://exemple.fr/",
        "exemple.fr",
    ],
)
def test_urls_refused_when_registered(url):
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.check_url(url)


def test_loopback_only_where_the_setting_allows_it(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:8000/", "https://127.0.0.1/", "https://localhost/"):
        with pytest.raises(webhooks.WebhookRefused):
            webhooks.check_url(url)
    # A name that resolves to loopback is refused at send time.
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.resolve("localhost", 443)
    assert webhooks.check_url("https://exemple.fr/hook") == "https://exemple.fr/hook"


def test_a_private_address_is_refused_at_send_time(endpoint, receiver, draft_a, settings):
    """The URL was accepted; the address its host resolves to when sending is not."""
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    factories.submitted(draft_a)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookStatus.FAILED
    assert delivery.http_status is None
    assert "n'est pas une adresse publique" in delivery.last_error
    assert receiver.requests == []


def test_no_redirect_followed(endpoint, receiver, draft_a):
    receiver.answers = [302]
    factories.submitted(draft_a)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.http_status) == (WebhookStatus.FAILED, 302)
    assert len(receiver.requests) == 1

"""Webhooks on the real stack (PostgreSQL, Redis, a Celery worker process): an act is POSTed
to a real receiver on 127.0.0.1, a 500 is retried by the worker after its back-off, the
receiver gets each act once it has answered 2xx, each time with a valid signature."""

import time

import pytest

from derogations.enums import DecisionKind
from derogations.models import Decision
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookStatus
from tests import factories
from tests.integration.conftest import wait_until
from tests.notifications.test_webhooks import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker_env():
    return {"WEBHOOK_ALLOW_LOOPBACK": "1"}


def test_an_act_reaches_the_receiver_once_after_a_500(celery_worker, org_a, operator_a):
    receiver = Receiver()
    try:
        receiver.answers = [500]
        _endpoint, secret = webhooks.register(org_a, operator_a, receiver.url)
        req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
        factories.submitted(req)
        act = Decision.objects.get(request=req, kind=DecisionKind.ACKNOWLEDGMENT)
        wait_until(
            lambda: WebhookDelivery.objects.filter(
                decision=act, status=WebhookStatus.SENT
            ).exists(),
            60,
        )
        time.sleep(3)  # a duplicate would come now (NOTIFICATION_RETRY_DELAYS of the worker)
        assert len(receiver.requests) == 2
        keys = {headers["Idempotency-Key"] for headers, _body in receiver.requests}
        assert keys == {str(WebhookDelivery.objects.get(decision=act).pk)}
        for headers, body in receiver.requests:
            assert webhooks.verify(secret, headers[webhooks.SIGNATURE_HEADER], body)
        delivery = WebhookDelivery.objects.get(decision=act)
        assert (delivery.attempts, delivery.http_status) == (2, 200)
    finally:
        receiver.close()

"""Redis stopped and started again in the middle of the work, on the real stack.

Redis runs as in production (append-only file, no eviction), on its own port and directory
for this test, which restarts it three times:
1. with acts committed and their tasks queued, before any worker took them: the AOF keeps
   the queue, and the worker started afterwards issues every copy;
2. while the worker is idle: it reconnects by itself and issues the next act;
3. while an act is committed (Redis down then): the act stands, its copies wait as pending
   rows, and the sweep (celery beat, every 5 seconds) sends them once Redis is back.
Every copy of every act reaches its recipient exactly once.
"""

import collections
import time

import pytest
import redis

from derogations import followup, lifecycle
from derogations.enums import DecisionKind
from derogations.models import AuditEntry, Decision
from notifications.models import Delivery, DeliveryStatus
from notifications.tasks import sweep_pending
from tests import factories
from tests.harness import free_port, stop_process
from tests.integration.conftest import (
    RedisServer,
    messages_about,
    start_worker,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def restartable_redis(tmp_path):
    server = RedisServer(tmp_path / "redis", free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(restartable_redis):
    """This module's own Redis (the session's one is never restarted)."""
    return restartable_redis.url


def _all_sent(act: Decision) -> bool:
    return not Delivery.objects.filter(decision=act).exclude(status=DeliveryStatus.SENT).exists()


def _restart(server: RedisServer) -> None:
    server.stop()
    server.start()


def test_redis_restarts_lose_no_act_and_send_each_copy_once(
    restartable_redis, smtp_sink, celery_broker_settings, tmp_path, org_a
):
    server = restartable_redis
    client = redis.Redis.from_url(server.url)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}

    # 1. Two acts committed, their tasks queued; no worker yet. Redis restarts.
    factories.operator_of(org_a, email="qualite@labo.example")
    req = factories.RequestFactory(organisation=org_a)
    evaluator = factories.UserFactory(evaluator=True)
    factories.proposed(req, evaluator)
    senior = factories.UserFactory(senior=True)
    grant = lifecycle.validate_decision(req, senior)
    queued = client.lrange("celery", 0, -1)
    assert len(queued) == 2  # the acknowledgment's letter and the grant's
    _restart(server)
    assert client.lrange("celery", 0, -1) == queued  # kept by the append-only file
    assert client.config_get("appendonly") == {"appendonly": "yes"}

    worker = start_worker(worker_env(server.url, smtp_sink.port, {}), tmp_path / "worker.log")
    try:
        ack = Decision.objects.get(request=req, kind=DecisionKind.ACKNOWLEDGMENT)
        wait_until(lambda: _all_sent(ack) and _all_sent(grant), 90)

        # 2. The worker is idle: Redis restarts, the worker reconnects by itself.
        _restart(server)
        suspension = followup.suspend(req, evaluator, "Deux incidents graves sur le lot 42.")
        wait_until(lambda: _all_sent(suspension), 90)

        # 3. Redis is down when the act commits: the act stands, its copies wait.
        server.stop()
        resumption = followup.resume(req, senior, "Lot 42 rappelé, cause corrigée.")
        assert AuditEntry.objects.filter(request=req, action="resume").count() == 1
        deliveries = Delivery.objects.filter(decision=resumption)
        assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
        server.start()
        assert sweep_pending(older_than_seconds=0) == 1  # what celery beat runs
        wait_until(lambda: _all_sent(resumption), 90)
        time.sleep(2)  # leave room for a duplicate to show up, if the code could send one
    finally:
        stop_process(worker.process, timeout=30)

    for act in (ack, grant, suspension, resumption):
        copies = collections.Counter(m["To"] for m in messages_about(smtp_sink, act))
        expected = set(
            Delivery.objects.filter(decision=act).values_list("recipient_email", flat=True)
        )
        assert set(copies) == expected and len(expected) >= 2, (act.kind, copies)
        assert set(copies.values()) == {1}, (act.kind, copies)

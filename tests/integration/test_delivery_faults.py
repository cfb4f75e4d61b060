"""Faults on the real stack: the SMTP server refuses mail for a while."""

import time

import pytest

from derogations import lifecycle
from notifications.models import Delivery, DeliveryStatus
from tests import factories
from tests.integration.conftest import messages_about, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_refused_mail_is_marked_failed_retried_and_sent_once(celery_worker, smtp_sink, org_a):
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, factories.UserFactory(evaluator=True))
    smtp_sink.refuse = True  # 451 4.3.0 try again later

    decision = lifecycle.validate_decision(req, factories.UserFactory(senior=True))
    deliveries = Delivery.objects.filter(decision=decision)
    expected = deliveries.count()
    assert expected >= 4
    wait_until(lambda: deliveries.filter(status=DeliveryStatus.FAILED).count() == expected)
    failed = deliveries.first()
    assert "451" in failed.last_error
    assert smtp_sink.messages() == []

    smtp_sink.refuse = False
    wait_until(lambda: deliveries.filter(status=DeliveryStatus.SENT).count() == expected)
    time.sleep(2)  # leave room for a duplicate to show up, if the code could send one
    received = [m["To"] for m in messages_about(smtp_sink, decision)]
    assert sorted(received) == sorted(deliveries.values_list("recipient_email", flat=True))
    for delivery in deliveries:
        assert delivery.attempts >= 2 and delivery.last_error == ""


def test_decision_survives_unreachable_broker_and_copies_go_out_after_sweep(
    celery_worker, smtp_sink, celery_broker_settings, redis_server, org_a
):
    """Redis cannot be reached when the decision commits: the decision stands, its copies
    wait as pending rows, and the periodic sweep sends each of them once Redis answers."""
    from kombu import pools

    from notifications.tasks import sweep_pending
    from tests.harness import free_port
    from tests.integration.conftest import _reset_broker_pools

    app = celery_broker_settings
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, factories.UserFactory(evaluator=True))
    # The acknowledgment of receipt went out while Redis was up.
    wait_until(
        lambda: (
            not Delivery.objects.filter(decision__request=req)
            .exclude(status=DeliveryStatus.SENT)
            .exists()
        )
    )

    _reset_broker_pools(app, pools)
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    decision = lifecycle.validate_decision(req, factories.UserFactory(senior=True))
    req.refresh_from_db()
    assert req.status == "granted"
    deliveries = Delivery.objects.filter(decision=decision)
    expected = deliveries.count()
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    time.sleep(3)
    assert messages_about(smtp_sink, decision) == []

    _reset_broker_pools(app, pools)
    app.conf.broker_url = redis_server  # Redis is reachable again
    assert sweep_pending(older_than_seconds=0) == 1  # what celery beat runs every 5 seconds
    wait_until(lambda: deliveries.filter(status=DeliveryStatus.SENT).count() == expected)
    time.sleep(2)
    received = sorted(m["To"] for m in messages_about(smtp_sink, decision))
    assert received == sorted(deliveries.values_list("recipient_email", flat=True))


def test_a_refused_smtp_connection_is_retried_and_recorded_then_each_copy_sent_once(
    request, transactional_db, redis_server, celery_broker_settings, tmp_path, org_a
):
    """No SMTP server listens when the copies go: the batch's connection is refused. Each
    copy counts the attempt and shows the error, the task retries with its back-off, and
    once a server listens on that port every copy is sent, once."""
    from tests.harness import free_port, stop_process
    from tests.integration.conftest import (
        _redis_command,
        redis_port,
        smtp_sink_class,
        start_worker,
        worker_env,
    )

    port = free_port()  # the SMTP server's port, closed for now
    _redis_command(redis_port(redis_server), "FLUSHALL")
    log_path = tmp_path / "celery-worker.log"
    request.node.celery_worker_log = log_path  # shown with a failure (conftest hook)
    worker = start_worker(worker_env(redis_server, port, {}), log_path)
    sink = None
    try:
        req = factories.RequestFactory(organisation=org_a)
        factories.proposed(req, factories.UserFactory(evaluator=True))
        decision = lifecycle.validate_decision(req, factories.UserFactory(senior=True))
        deliveries = Delivery.objects.filter(decision=decision)
        expected = deliveries.count()
        assert expected >= 4
        wait_until(
            lambda: (
                deliveries.filter(status=DeliveryStatus.FAILED, attempts__gte=1).count() == expected
            ),
            timeout=30,
        )
        for delivery in deliveries.all():
            assert "ConnectionRefusedError" in delivery.last_error, delivery.last_error

        sink = smtp_sink_class()(port, tmp_path / "mail").start()  # the server is back
        wait_until(lambda: deliveries.filter(status=DeliveryStatus.SENT).count() == expected)
        time.sleep(2)  # leave room for a duplicate to show up, if the code could send one
        received = sorted(m["To"] for m in messages_about(sink, decision))
        assert received == sorted(deliveries.values_list("recipient_email", flat=True))
        for delivery in deliveries.all():
            assert delivery.attempts >= 2 and delivery.last_error == ""
    finally:
        stop_process(worker.process, timeout=30)
        if sink is not None:
            sink.stop()


def test_an_act_and_an_account_email_commit_while_the_broker_is_down(
    celery_broker_settings, redis_server, org_a, operator_a, senior, caplog
):
    """Redis refuses connections when the senior signs a decision and when someone asks
    for a password reset: both commit, each person gets the usual page, the rows wait for
    the sweep; the outage is logged as a warning naming the sweep, not as an error."""
    import json
    import logging

    import redis
    from django.urls import reverse
    from kombu import pools

    from derogations.enums import DecisionState
    from derogations.models import Decision
    from notifications.models import AccountEmail
    from notifications.tasks import sweep_pending
    from tests.conftest import client_for
    from tests.harness import free_port
    from tests.integration.conftest import _redis_command, _reset_broker_pools, redis_port

    app = celery_broker_settings
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, factories.UserFactory(evaluator=True))
    proposal = Decision.objects.get(request=req, state=DecisionState.PROPOSED)
    _redis_command(redis_port(redis_server), "FLUSHALL")
    _reset_broker_pools(app, pools)
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    with caplog.at_level(logging.WARNING):
        client = client_for(senior)
        response = client.post(reverse("reviews:validate", args=[req.pk]))
        assert response.status_code == 302
        assert client.get(response.url).status_code == 200
        reset = client_for(None).post("/compte/mot-de-passe/oublie/", {"email": operator_a.email})
        assert reset.status_code == 302
    req.refresh_from_db()
    assert req.status == "granted"
    deliveries = Delivery.objects.filter(decision=proposal)
    assert deliveries.count() >= 4
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    # The password reset's (the proposal also emailed the senior's inbox, before the outage).
    (email,) = AccountEmail.objects.filter(recipient_email=operator_a.email)
    assert email.status == DeliveryStatus.PENDING
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    warnings = [r.getMessage() for r in caplog.records if "left for the sweep" in r.getMessage()]
    assert len(warnings) == 2, warnings

    _reset_broker_pools(app, pools)
    app.conf.broker_url = redis_server  # Redis answers again: the sweep queues both
    sweep_pending(older_than_seconds=0)
    queued = [
        (headers["task"], headers["argsrepr"])
        for headers in (
            json.loads(raw)["headers"]
            for raw in redis.Redis.from_url(redis_server).lrange("celery", 0, -1)
        )
    ]
    assert ("notifications.tasks.issue_letter", f"({proposal.pk},)") in queued
    assert ("notifications.tasks.send_account_email", f"({email.pk},)") in queued

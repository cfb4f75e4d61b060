"""PostgreSQL loses the connection of a web request in the middle of a transition.

The test holds a lock on the outbox table, so that the senior's "sign the decision" request
stops inside its transaction after it has written the new status, the issued act, the
derogation and the audit entry; then it terminates that request's backend from its own
connection (pg_terminate_backend), as a database restart or a network cut would.
"""

import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from derogations.enums import DecisionState, Status
from derogations.models import AuditEntry, Decision, Derogation, DerogationRequest
from notifications.models import Delivery
from tests import factories
from tests.conftest import client_for
from tests.integration.conftest import _missing, _redis_command, redis_port, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The statement the transition reaches last: writing the act's copies in the outbox.
BLOCKED_QUERY = 'INSERT INTO "notifications_delivery"%'


def _queued_letters(redis_url: str, decision_pk: int) -> int:
    """issue_letter tasks for this act waiting in Redis (no worker runs here)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    count = 0
    for raw in client.lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == "notifications.tasks.issue_letter" and headers["argsrepr"] == (
            f"({decision_pk},)"
        ):
            count += 1
    return count


def _blocked_backend(cursor) -> int:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while True:
        # pg_stat_activity is read once per transaction unless its snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            [BLOCKED_QUERY],
        )
        row = cursor.fetchone()
        if row:
            return row[0]
        if time.monotonic() > deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid, state, wait_event_type, left(query, 200) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchall()
            for other in others:  # do not leave the request waiting for ever
                cursor.execute("SELECT pg_terminate_backend(%s)", [other[0]])
            raise TimeoutError(f"the transition did not reach the outbox: {others}")
        time.sleep(0.05)


def test_connection_lost_mid_transition_leaves_nothing_and_a_retry_succeeds_once(
    celery_broker_settings, redis_server, org_a, senior
):
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: run scripts/test.sh")
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, factories.UserFactory(evaluator=True))
    proposal = Decision.objects.get(request=req, state=DecisionState.PROPOSED)
    _redis_command(redis_port(redis_server), "FLUSHALL")
    client = client_for(senior)
    url = reverse("reviews:validate", args=[req.pk])
    outcome: dict[str, object] = {}

    def sign() -> None:  # the senior's request, on its own database connection
        try:
            outcome["response"] = client.post(url)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            outcome["error"] = exc

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE notifications_delivery IN SHARE ROW EXCLUSIVE MODE")
        thread = threading.Thread(target=sign)
        thread.start()
        backend = _blocked_backend(cursor)
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    thread.join(30)
    assert "error" not in outcome, outcome.get("error")
    response = outcome["response"]

    # A clear French page, not a raw 500 traceback.
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "Votre dernière action n'a pas été enregistrée" in page
    assert "Traceback" not in page
    # The transition is entirely absent.
    assert DerogationRequest.objects.get(pk=req.pk).status == Status.DECISION_PROPOSED
    assert Decision.objects.get(pk=proposal.pk).state == DecisionState.PROPOSED
    assert not AuditEntry.objects.filter(request=req, action="grant").exists()
    assert not Derogation.objects.filter(request=req).exists()
    assert not Delivery.objects.filter(decision=proposal).exists()
    assert _queued_letters(redis_server, proposal.pk) == 0

    # The senior tries again: it is signed once; a third click changes nothing.
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert DerogationRequest.objects.get(pk=req.pk).status == Status.GRANTED
    assert Decision.objects.get(pk=proposal.pk).state == DecisionState.ISSUED
    assert AuditEntry.objects.filter(request=req, action="grant").count() == 1
    assert Derogation.objects.filter(request=req).count() == 1
    assert Delivery.objects.filter(decision=proposal).count() >= 4
    assert _queued_letters(redis_server, proposal.pk) == 1


def _stop_database() -> str:
    """Point the default connection at a loopback port where nothing listens, as if
    PostgreSQL were stopped. Returns the real port, for _restart_database."""
    from tests.harness import free_port

    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    return port


def _restart_database(port: str) -> None:
    connection.close()
    connection.settings_dict["PORT"] = port


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("anonymous", "/registre/"),
        ("operator", "/"),
        ("operator", "/demandes/"),
        ("evaluator", "/instruction/"),
        ("senior", "/registre/"),
    ],
)
def test_every_page_answers_a_french_503_while_the_database_is_stopped(
    role, path, operator_a, evaluator, senior
):
    """Signed in or not: loading the session's user (accounts.SecondFactorMiddleware),
    not only the view, fails; every request gets the French 503 page, never a 500."""
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: run scripts/test.sh")
    user = {"operator": operator_a, "evaluator": evaluator, "senior": senior}.get(role)
    # What a web server sends (the test client would re-raise the logged exception).
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    port = _stop_database()
    try:
        response = client.get(path)
    finally:
        _restart_database(port)
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "<h1>" in page  # the portal's page, not a bare text
    assert "Server Error" not in page and "Traceback" not in page
    assert "INVALID_TEMPLATE_VARIABLE" not in page


def test_a_task_retries_on_its_own_while_the_database_is_stopped(
    request, transactional_db, redis_server, celery_broker_settings, tmp_path
):
    """The worker's PostgreSQL does not answer when an email's task runs: the task retries
    with its back-off (Celery's autoretry), and sends the email once PostgreSQL is back."""
    from notifications.models import AccountEmail, DeliveryStatus
    from notifications.tasks import send_account_email
    from tests.harness import TcpProxy, free_port, stop_process
    from tests.integration.conftest import (
        _database_url,
        smtp_sink_class,
        start_worker,
        worker_env,
    )

    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: run scripts/test.sh")
    row = AccountEmail.objects.create(
        recipient_email="quelqu.un@example.org", subject="Essai", body="Bonjour"
    )
    port, stopped = int(connection.settings_dict["PORT"]), free_port()
    database_url = _database_url().replace(f":{port}/", f":{stopped}/")
    sink = smtp_sink_class()(free_port(), tmp_path / "mail").start()
    _redis_command(redis_port(redis_server), "FLUSHALL")
    log_path = tmp_path / "celery-worker.log"
    request.node.celery_worker_log = log_path  # shown with a failure (conftest hook)
    worker = start_worker(
        worker_env(redis_server, sink.port, {"DATABASE_URL": database_url}), log_path
    )
    proxy = None
    try:
        send_account_email.delay(row.pk)
        wait_until(lambda: "retry: Retry in" in worker.log(), timeout=30)
        assert "OperationalError" in worker.log()
        proxy = TcpProxy(stopped, port).start()  # PostgreSQL answers again on that port
        wait_until(
            lambda: AccountEmail.objects.get(pk=row.pk).status == DeliveryStatus.SENT, timeout=30
        )
        assert [m["To"] for m in sink.messages()] == ["quelqu.un@example.org"]
    finally:
        stop_process(worker.process, timeout=30)
        if proxy is not None:
            proxy.stop()
        sink.stop()

"""Acts on the real stack (Redis, a Celery worker process, an SMTP sink, PostgreSQL).

The worker renders letters slowly here (PORTAL_TEST_RENDER_DELAY, read by the task from
the worker's own settings), so that the test can kill it in the middle of a render."""

import collections
import hashlib
import os
import signal
import time

import pytest

from derogations import followup, lifecycle
from derogations.enums import DecisionKind
from derogations.models import Decision
from notifications.models import Delivery, DeliveryStatus
from notifications.tasks import sweep_pending
from tests import factories
from tests.email_checks import check_email
from tests.harness import stop_process
from tests.integration.conftest import messages_about, start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RENDER_DELAY = 4  # seconds the test worker sleeps before each render


@pytest.fixture
def celery_worker_env():
    return {"PORTAL_TEST_RENDER_DELAY": str(RENDER_DELAY), "CELERY_VISIBILITY_TIMEOUT": "3"}


def _all_sent(act) -> bool:
    return not Delivery.objects.filter(decision=act).exclude(status=DeliveryStatus.SENT).exists()


def _assert_each_copy_once(sink, act) -> list:
    messages = messages_about(sink, act)
    counts = collections.Counter(m["To"] for m in messages)
    expected = set(Delivery.objects.filter(decision=act).values_list("recipient_email", flat=True))
    assert set(counts) == expected, (counts, expected)
    assert all(n == 1 for n in counts.values()), counts
    return messages


def test_killing_the_worker_mid_render_still_sends_each_copy_once(celery_worker, smtp_sink, org_a):
    factories.operator_of(org_a, email="ra@labo.example")
    req = factories.RequestFactory(organisation=org_a)
    factories.proposed(req, factories.UserFactory(evaluator=True))
    grant = lifecycle.validate_decision(req, factories.UserFactory(senior=True))

    # The worker takes the grant's letter and sleeps before rendering it: kill it there,
    # the whole process group at once (main process and its prefork child).
    wait_until(lambda: f"Rendering the letter of act {grant.pk} " in celery_worker.log(), 90)
    os.killpg(celery_worker.process.pid, signal.SIGKILL)
    celery_worker.process.wait()
    grant.refresh_from_db()
    assert grant.letter_sha256 == ""  # nothing was stored by the killed render
    assert messages_about(smtp_sink, grant) == []

    # A new worker: the unacknowledged task comes back (visibility timeout), and the beat
    # sweep queues it once more; the row locks make both harmless.
    env = {**celery_worker.env, "PORTAL_TEST_RENDER_DELAY": "0"}
    restarted = start_worker(env, celery_worker.log_path)
    try:
        time.sleep(1)
        sweep_pending(older_than_seconds=0)
        wait_until(lambda: _all_sent(grant), 120)
        time.sleep(3)  # leave room for a duplicate to show up, if the code could send one
        messages = _assert_each_copy_once(smtp_sink, grant)
    finally:
        stop_process(restarted.process, timeout=30)
    grant = Decision.objects.get(pk=grant.pk)
    assert len(messages) == Delivery.objects.filter(decision=grant).count() >= 5
    with grant.letter.open("rb") as handle:
        stored = handle.read()
    assert hashlib.sha256(stored).hexdigest() == grant.letter_sha256
    for message in messages:  # the stored file is what was sent
        attachment = next(message.iter_attachments())
        assert hashlib.sha256(attachment.get_content()).hexdigest() == grant.letter_sha256
    ack = Decision.objects.get(request=req, kind=DecisionKind.ACKNOWLEDGMENT)
    _assert_each_copy_once(smtp_sink, ack)


def test_suspension_letter_reaches_every_previous_recipient_once(celery_worker, smtp_sink, org_a):
    colleague = factories.operator_of(org_a, email="parti@labo.example")
    req = factories.RequestFactory(organisation=org_a)
    evaluator = factories.UserFactory(evaluator=True)
    factories.proposed(req, evaluator)
    grant = lifecycle.validate_decision(req, factories.UserFactory(senior=True))
    wait_until(lambda: _all_sent(grant), 120)
    grant_recipients = sorted(m["To"] for m in _assert_each_copy_once(smtp_sink, grant))
    assert colleague.email in grant_recipients and req.prescriber_email in grant_recipients
    colleague.memberships.all().delete()  # left the operator since: still told

    suspension = followup.suspend(req, evaluator, "Deux incidents graves sur le lot 42.")
    wait_until(lambda: _all_sent(suspension), 120)
    time.sleep(2)
    messages = _assert_each_copy_once(smtp_sink, suspension)
    assert sorted(m["To"] for m in messages) == grant_recipients
    # As the SMTP server received them: Date in Paris time, Auto-Submitted, the text then
    # the HTML, the letter attached, the Message-ID recorded on the copy.
    languages = dict(
        Delivery.objects.filter(decision=suspension).values_list("message_id", "language")
    )
    for message in messages:
        checked = check_email(message, language=languages[message["Message-ID"]])
        (letter,) = checked.message.iter_attachments()
        assert letter.get_content_type() == "application/pdf"

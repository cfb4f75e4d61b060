"""A worker crash at each step of a letter, on the real stack: nothing lost, nothing sent twice.

Each act's letter goes through four steps (config/faults.py): render it, store it, send each
copy over SMTP, record the copy as sent. The worker of this module stops at one of them (a
fault-injection checkpoint, active only in this worker) and the test kills either its
prefork pool child (the main process replaces it and hands the task back to Redis at once:
reject_on_worker_lost) or the whole worker, main process and child (a new worker takes the
unacknowledged task back from Redis once its visibility timeout has passed).

After recovery, every act has one letter, and every recipient got its copy once; the one
exception is a kill between the SMTP server's acceptance and the commit of the record: that
copy is sent twice, with the same Message-ID (so the recipient's mail client shows it once).

One worker serves the whole module: killing a child leaves it running, and a killed worker
is replaced by the one that recovers its task.
"""

import collections
import hashlib
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings

from config.faults import STEPS
from derogations import lifecycle
from derogations.enums import DecisionKind
from derogations.models import Decision
from notifications.models import Delivery, DeliveryStatus
from tests import factories
from tests.harness import free_port, stop_process
from tests.integration.conftest import (
    _redis_command,
    messages_about,
    redis_port,
    smtp_sink_class,
    start_worker,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 3  # seconds: short here, so that a killed worker's task comes back soon


class Stack:
    """The module's SMTP sink and worker; `worker` changes when a test replaces it."""

    def __init__(self, sink, env: dict, log_path: Path, checkpoints: Path) -> None:
        self.sink = sink
        self.env = env
        self.log_path = log_path
        self.checkpoints = checkpoints
        self.worker = None

    def start_worker(self) -> None:
        self.worker = start_worker(self.env, self.log_path)


@pytest.fixture(scope="module")
def stack(django_db_setup, redis_server, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("crashes")
    checkpoints = workdir / "checkpoints"
    checkpoints.mkdir()
    sink = smtp_sink_class()(free_port(), workdir / "mail").start()
    _redis_command(redis_port(redis_server), "FLUSHALL")  # no task left over by a previous module
    env = worker_env(
        redis_server,
        sink.port,
        {
            "PORTAL_FAULT_CHECKPOINT_DIR": str(checkpoints),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            # A worker killed while restoring would block restores for 5 minutes.
            "CELERY_UNACKED_MUTEX_EXPIRE": "2",
        },
    )
    result = Stack(sink, env, workdir / "celery-worker.log", checkpoints)
    try:
        result.start_worker()
        yield result
    finally:
        if result.worker is not None:
            stop_process(result.worker.process, timeout=30)
        sink.stop()


@pytest.fixture
def crash_stack(request, stack, transactional_db, celery_broker_settings):
    request.node.celery_worker_log = stack.log_path  # shown with a failure (conftest hook)
    # Each test starts afresh: references restart with the emptied tables, so an earlier
    # test's messages and letter files would look like this one's.
    for leftover in [*stack.checkpoints.iterdir(), *stack.sink.paths()]:
        leftover.unlink()
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "letters", ignore_errors=True)
    return stack


def _reached_pid(marker: Path) -> int:
    """The pid the checkpoint wrote (the file may be created a moment before it is written)."""
    wait_until(lambda: marker.exists() and marker.read_text().strip() != "", 90)
    return int(marker.read_text())


def _letter_files(act: Decision) -> list[Path]:
    """The act's letter files (a second one would get a random suffix: name_abc1234.pdf)."""
    stem = f"{act.request.reference}-{act.kind}-{act.pk}"
    root = Path(settings.MEDIA_ROOT) / "letters"
    return sorted([*root.rglob(f"{stem}.pdf"), *root.rglob(f"{stem}_*.pdf")])


@pytest.mark.parametrize("kill", ["child", "worker"])
@pytest.mark.parametrize("step", STEPS)
def test_crash_at_each_step_loses_nothing_and_sends_each_copy_once(crash_stack, step, kill, org_a):
    stack = crash_stack
    factories.operator_of(org_a, email=f"collegue-{step}-{kill}@labo.example")
    req = factories.RequestFactory(organisation=org_a)
    hold = stack.checkpoints / f"{step}.hold"
    hold.touch()
    log_start = len(stack.log_path.read_text(errors="replace"))

    lifecycle.submit(req, req.created_by)  # the acknowledgment of receipt: one act
    act = Decision.objects.get(request=req, kind=DecisionKind.ACKNOWLEDGMENT)
    deliveries = Delivery.objects.filter(decision=act)
    recipients = sorted(deliveries.values_list("recipient_email", flat=True))
    assert len(recipients) >= 2

    pid = _reached_pid(stack.checkpoints / f"{step}.reached")
    worker = stack.worker
    assert pid != worker.process.pid  # the task runs in a pool child
    if kill == "child":
        os.kill(pid, signal.SIGKILL)
    else:
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        stack.worker = None
    hold.unlink()  # later arrivals at this step pass through
    if step in ("render", "store"):
        act.refresh_from_db()
        assert act.letter_sha256 == ""  # the killed transaction stored nothing
    if kill == "worker":
        stack.start_worker()

    wait_until(
        lambda: not deliveries.exclude(status=DeliveryStatus.SENT).exists(),
        90,
    )
    time.sleep(1)  # leave room for a duplicate to show up, if the code could send one

    act.refresh_from_db()
    log = stack.log_path.read_text(errors="replace")[log_start:]
    renders = log.count(f"Rendering the letter of act {act.pk} ")
    # Rendered again only when the crash came before the letter was stored and recorded.
    assert renders == (2 if step in ("render", "store") else 1), renders
    files = _letter_files(act)
    assert len(files) == 1, files  # one letter, even when a crash left a half-done one
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == act.letter_sha256
    messages = messages_about(stack.sink, act)
    by_recipient = collections.defaultdict(list)
    for message in messages:
        by_recipient[message["To"]].append(message)
        attachment = next(message.iter_attachments())  # the stored letter is what was sent
        assert hashlib.sha256(attachment.get_content()).hexdigest() == act.letter_sha256
    assert sorted(by_recipient) == recipients
    copies = collections.Counter({to: len(ms) for to, ms in by_recipient.items()})
    if step == "record":
        # Accepted by the SMTP server, killed before the commit: that copy went twice.
        (twice, count), *others = copies.most_common()
        assert count == 2 and all(n == 1 for _, n in others), copies
        assert len({m["Message-ID"] for m in by_recipient[twice]}) == 1
    else:
        assert set(copies.values()) == {1}, copies
    for delivery in deliveries:  # the recorded Message-ID is the one every copy carried
        sent_ids = {m["Message-ID"] for m in by_recipient[delivery.recipient_email]}
        assert sent_ids == {delivery.message_id}

"""Target 6: the fan-out of a lifting to 2,000 recipients, against a bare smtplib loop.

A real stack on loopback: redis-server, the SMTP sink of scripts/smtp_sink.py (aiosmtpd,
its own process, one .eml file per message) and 2 Celery workers (``celery -A config
worker``, concurrency 1 each) on the benchmark's PostgreSQL. A granted global derogation
gets 2,000 recipients of its grant (Delivery rows already sent, as after the grant); a
senior lifts it through derogations.lifecycle, which queues the letter after commit. Timed
from the lift until every copy is marked sent. Then every Message-ID in the sink must be
there exactly once, and the workers' logs must show one render of the letter (target 5:
never one per recipient). The bare loop then sends the very same messages (built by
notifications.emails beforehand) over one smtplib connection to the same sink: compared
once with the sending alone, once with the building of each message added (the work a
sender without queue nor database does).
"""

import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from bench.measure import Row, yes_no
from derogations import followup
from derogations.enums import DerogationStatus, Kind
from derogations.models import Derogation
from notifications import emails
from notifications.models import Delivery, DeliveryStatus, RecipientRole
from tests.harness import free_port, stop_process, wait_for_port

from . import Context

RECIPIENTS = 2_000
WORKERS = 2
BOUND = 0.5
ROOT = Path(__file__).resolve().parents[2]
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


def _start(command: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own command lines)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _wait_for_log(path: Path, text: str, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while text not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{path.name}: no {text!r}\n{path.read_text(errors='replace')}")
        time.sleep(0.2)


def _use_broker(url: str) -> None:
    """This process queues tasks on the benchmark's Redis instead of running them inline."""
    from kombu import pools

    from config.celery import app

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
    app.conf.broker_url = url
    app.conf.task_always_eager = False


def _message_ids(maildir: Path) -> Counter[bytes]:
    ids: Counter[bytes] = Counter()
    for path in maildir.glob("*.eml"):
        with open(path, "rb") as handle:
            found = MESSAGE_ID.search(handle.read(4096))
        ids[found[1] if found else b"?"] += 1
    return ids


def _recipients(derogation: Derogation) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            decision_id=derogation.grant_id,
            recipient_email=f"etablissement{n:05d}@bench.example",
            recipient_role=RecipientRole.FACILITY,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
        for n in range(RECIPIENTS)
    )


def run(ctx: Context) -> list[Row]:
    derogation = (
        Derogation.objects.select_related("request")
        .filter(
            request__kind=Kind.GLOBAL,
            status=DerogationStatus.ACTIVE,
            valid_until__gt=timezone.localdate(),
        )
        .first()
    )
    if derogation is None:
        raise RuntimeError("no active global derogation: run bench/generate.py first")
    senior = User.objects.get(pk=ctx.generator.seniors[0])
    _recipients(derogation)
    with tempfile.TemporaryDirectory(prefix="bench-fanout-", dir=ROOT / "var") as tmp:
        work = Path(tmp)
        maildir = work / "mail"
        processes = []
        try:
            redis_port, smtp_port = free_port(), free_port()
            redis = _start(
                [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1",
                 "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                work / "redis.log",
            )  # fmt: skip
            processes.append(redis)
            sink = _start(
                [sys.executable, "scripts/smtp_sink.py", "--port", str(smtp_port),
                 "--maildir", str(maildir)],
                work / "sink.log",
            )  # fmt: skip
            processes.append(sink)
            wait_for_port(redis_port, process=redis)
            wait_for_port(smtp_port, process=sink)
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "REDIS_URL": redis_url,
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
                "PYTHONUNBUFFERED": "1",
            }
            logs = []
            for n in range(WORKERS):
                name = f"bench-{n}-{uuid.uuid4().hex[:6]}@localhost"
                log = work / f"worker-{n}.log"
                worker = _start(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
                     "--concurrency=1", "-l", "info", "-n", name, "--without-gossip",
                     "--without-mingle", "--without-heartbeat"],
                    log, env,
                )  # fmt: skip
                processes.append(worker)
                logs.append((log, name, worker))
            for log, name, worker in logs:
                _wait_for_log(log, f"{name} ready.", worker)
            _use_broker(redis_url)

            before = time.perf_counter()
            lifting = followup.lift(derogation.request, senior, "Levée (banc d'essai).")
            copies = Delivery.objects.filter(decision=lifting)
            total = copies.count()
            deadline = time.monotonic() + 900
            while copies.filter(status=DeliveryStatus.SENT).count() < total:
                if time.monotonic() > deadline:
                    raise RuntimeError("fan-out: copies still unsent after 900 s")
                time.sleep(0.1)
            fanout_s = time.perf_counter() - before
            ids = _message_ids(maildir)
            renders = sum(
                log.read_text(errors="replace").count(f"Rendering the letter of act {lifting.pk} ")
                for log, _name, _worker in logs
            )
            expected = {emails.message_id_for(d).encode() for d in copies}

            lifting.refresh_from_db()
            with lifting.letter.open("rb") as handle:
                pdf = handle.read()
            rows = list(copies.select_related("decision__request__organisation"))

            def build(delivery: Delivery) -> bytes:  # as Django's SMTP backend serialises
                return emails.letter_email(delivery, pdf).message().as_bytes(linesep="\r\n")

            before = time.perf_counter()
            messages = [(d.recipient_email, build(d)) for d in rows]
            build_s = time.perf_counter() - before
            before = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
                for recipient, data in messages:
                    smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [recipient], data)
            bare_s = time.perf_counter() - before
            received = len(list(maildir.glob("*.eml")))
        finally:
            for process in reversed(processes):
                stop_process(process)
    once = set(ids) == expected and all(n == 1 for n in ids.values())
    size_kb = sum(len(data) for _r, data in messages) / len(messages) / 1024
    rows = []
    for loop, seconds in (
        ("messages built beforehand", bare_s),
        ("building each message (notifications.emails) as it goes", build_s + bare_s),
    ):
        ratio = seconds / fanout_s  # rates: total / fanout_s against total / seconds
        rows.append(
            Row(
                f"6 fan-out of a lifting to {total:,} recipients, {WORKERS} Celery workers, "
                f"against a bare smtplib loop {loop}",
                f"{total / fanout_s:.0f} msg/s ({fanout_s:.1f} s from the lift) = {ratio:.0%} "
                f"of the loop ({total / seconds:.0f} msg/s, {size_kb:.0f} KB each)",
                f"≥ {BOUND:.0%}",
                yes_no(ratio >= BOUND),
            )
        )
    return [
        *rows,
        Row(
            "6 fan-out: every copy delivered once",
            f"{len(ids):,} Message-IDs for {total:,} copies, at most "
            f"{max(ids.values(), default=0)} each; sink total {received:,} with the loop's",
            "each once",
            yes_no(once and received == 2 * total),
        ),
        Row(
            "5 one render per act (the lifting's letter)",
            f"{renders} render(s) for {total:,} copies",
            "1, never per recipient",
            yes_no(renders == 1),
        ),
    ]

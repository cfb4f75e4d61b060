"""Target 6: the fan-out of liftings to 2,000 recipients, against a bare smtplib loop, in
alternating blocks: 4 rounds of 500 recipients, each a lifting (A) then the loop sending
that lifting's very messages (B), A, B, A, B... in one run; ratio of the median rates.

A real stack on loopback: redis-server, the SMTP sink of scripts/smtp_sink.py (aiosmtpd,
its own process, one .eml file per message) and 2 Celery workers (``celery -A config
worker``, concurrency 1 each) on the benchmark's PostgreSQL. A granted global derogation
gets 2,000 recipients of its grant (Delivery rows already sent, as after the grant); a
senior lifts it through derogations.followup, which queues the letter after commit. Timed
from the lift until every copy is marked sent (a round; each round lifts another
derogation). Then every Message-ID in the sink must be
there exactly once, and the workers' logs must show one render of the letter (target 5:
never one per recipient). After each round the bare loop sends the very same messages
(built by notifications.emails beforehand) over one smtplib connection to the same sink:
compared once with the sending alone, once with the building of each message added (the
work a sender without queue nor database does). Run one after the other, the two series
had moved apart with the machine's load (56 % then 41 % of the loop on a busy machine).

"""

import os
import re
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
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
ROUNDS = 4  # A, B, A, B...: each round a lifting to RECIPIENTS / ROUNDS, then the loop
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


def _message_ids(paths: Iterable[Path]) -> Counter[bytes]:
    ids: Counter[bytes] = Counter()
    for path in paths:
        with open(path, "rb") as handle:
            found = MESSAGE_ID.search(handle.read(4096))
        ids[found[1] if found else b"?"] += 1
    return ids


def _recipients(derogation: Derogation, count: int) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            decision_id=derogation.grant_id,
            recipient_email=f"etablissement{derogation.pk}-{n:05d}@bench.example",
            recipient_role=RecipientRole.FACILITY,
            status=DeliveryStatus.SENT,
            sent_at=timezone.now(),
        )
        for n in range(count)
    )


def _lift_and_wait(derogation: Derogation, senior: User) -> tuple[object, float]:
    """A: the lifting, timed until every copy is marked sent."""
    before = time.perf_counter()
    lifting = followup.lift(derogation.request, senior, "Levée (banc d'essai).")
    copies = Delivery.objects.filter(decision=lifting)
    total = copies.count()
    deadline = time.monotonic() + 900
    while copies.filter(status=DeliveryStatus.SENT).count() < total:
        if time.monotonic() > deadline:
            raise RuntimeError("fan-out: copies still unsent after 900 s")
        time.sleep(0.05)
    return lifting, time.perf_counter() - before


def _loop(lifting, port: int) -> tuple[int, float, float, int]:  # type: ignore[no-untyped-def]
    """B: the lifting's messages built (timed), then sent over one smtplib connection
    (timed). (copies, build seconds, send seconds, bytes)."""
    lifting.refresh_from_db()
    with lifting.letter.open("rb") as handle:
        pdf = handle.read()
    rows = list(
        Delivery.objects.filter(decision=lifting).select_related("decision__request__organisation")
    )

    def build(delivery: Delivery) -> bytes:  # as Django's SMTP backend serialises
        return emails.letter_email(delivery, pdf).message().as_bytes(linesep="\r\n")

    before = time.perf_counter()
    messages = [(d.recipient_email, build(d)) for d in rows]
    build_s = time.perf_counter() - before
    before = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, data in messages:
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [recipient], data)
    send_s = time.perf_counter() - before
    return len(rows), build_s, send_s, sum(len(data) for _r, data in messages)


def run(ctx: Context) -> list[Row]:
    derogations = list(
        Derogation.objects.select_related("request")
        .filter(
            request__kind=Kind.GLOBAL,
            status=DerogationStatus.ACTIVE,
            valid_until__gt=timezone.localdate(),
        )
        .order_by("pk")[:ROUNDS]
    )
    if len(derogations) < ROUNDS:
        raise RuntimeError(f"fan-out: {ROUNDS} active global derogations needed")
    senior = User.objects.get(pk=ctx.generator.seniors[0])
    per_round = RECIPIENTS // ROUNDS
    for derogation in derogations:
        _recipients(derogation, per_round)
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

            liftings, fanout_rates, send_rates, build_rates, sizes = [], [], [], [], []
            ids: Counter[bytes] = Counter()
            seen: set[Path] = set()
            for derogation in derogations:  # A, B, A, B...
                lifting, fanout_s = _lift_and_wait(derogation, senior)
                copies = Delivery.objects.filter(decision=lifting).count()
                settled = time.monotonic() + 10  # the sink writes a file once it accepted
                while len(delivered := set(maildir.glob("*.eml")) - seen) < copies:
                    if time.monotonic() > settled:
                        break
                    time.sleep(0.05)
                ids += _message_ids(delivered)
                copies, build_s, send_s, size = _loop(lifting, smtp_port)
                seen = set(maildir.glob("*.eml"))
                liftings.append(lifting)
                fanout_rates.append(copies / fanout_s)
                send_rates.append(copies / send_s)
                build_rates.append(copies / (build_s + send_s))
                sizes.append(size / copies)
                print(
                    f"  round: {copies} copies, fan-out {copies / fanout_s:.0f} msg/s, "
                    f"loop {copies / send_s:.0f} msg/s ({copies / (build_s + send_s):.0f} "
                    "building)",
                    flush=True,
                )
            renders = {
                lifting.pk: sum(
                    log.read_text(errors="replace").count(
                        f"Rendering the letter of act {lifting.pk} "
                    )
                    for log, _name, _worker in logs
                )
                for lifting in liftings
            }
            copies_all = Delivery.objects.filter(decision__in=liftings)
            expected = {emails.message_id_for(d).encode() for d in copies_all}
            total = len(expected)
            received = len(list(maildir.glob("*.eml")))
        finally:
            for process in reversed(processes):
                stop_process(process)
    once = set(ids) == expected and all(n == 1 for n in ids.values())
    fanout = statistics.median(fanout_rates)
    rows = []
    for loop, rates in (
        ("messages built beforehand", send_rates),
        ("building each message (notifications.emails) as it goes", build_rates),
    ):
        ratio = fanout / statistics.median(rates)
        rows.append(
            Row(
                f"6 fan-out of {ROUNDS} liftings to {per_round:,} recipients each, {WORKERS} "
                f"Celery workers, against a bare smtplib loop {loop}, alternating",
                f"{fanout:.0f} msg/s (median of {ROUNDS} rounds) = {ratio:.0%} of the loop "
                f"({statistics.median(rates):.0f} msg/s, "
                f"{statistics.median(sizes) / 1024:.0f} KB each)",
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
            "5 one render per act (the liftings' letters)",
            f"{sorted(renders.values())} render(s) for {ROUNDS} liftings",
            "1 each, never per recipient",
            yes_no(all(n == 1 for n in renders.values())),
        ),
    ]

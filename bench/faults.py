"""Issue 21: every letter's copies delivered within 30 s after a fault ends, exactly once.

Normally started by ``bash bench/faults.sh [--acts 4] [--outage 10] [--faults ...]``, which
brings a throw-away PostgreSQL up and down around it. The stack is production-shaped, on
loopback: production settings, PostgreSQL reached as the restricted application role,
Redis with its append-only file, a Celery worker and celery beat (the database scheduler,
the sweep every NOTIFICATION_SWEEP_INTERVAL seconds), the SMTP sink of
scripts/smtp_sink.py. For each fault: issue ``--acts`` follow-up acts (a suspension or a
resumption of a granted derogation: one letter to each of its five or six recipients),
inject the fault, end it after ``--outage`` seconds, then wait for every copy in the sink:

    worker-kill9   the worker (main process and pool child) killed with SIGKILL just
                   after the acts commit; started again (the fault ends when it is ready)
    redis-stop     Redis stopped (SIGTERM) before the acts commit, started again
    redis-kill     Redis killed (SIGKILL) just after the acts commit, started again
    smtp-down      the SMTP server stopped before the acts commit, started again
    pg-restart     PostgreSQL stopped (fast shutdown) just after the acts commit, started
                   again

Prints, per fault: copies delivered / expected, duplicates by Message-ID and by (act,
recipient), seconds from the end of the fault to the last copy, PASS when all arrived
within the bound with no duplicate. Figures, not assertions: the exit status is 0.
"""

import argparse
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAULTS = ("worker-kill9", "redis-stop", "redis-kill", "smtp-down", "pg-restart")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*<letter-(\d+)-(\d+)@", re.MULTILINE | re.IGNORECASE)
PGBIN = "/usr/lib/postgresql/15/bin"
READY_TIMEOUT = 180  # Django and WeasyPrint imports on a loaded 2-core machine


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Recovery from faults (issue 21)")
    parser.add_argument("--acts", type=int, default=4, help="acts issued per fault")
    parser.add_argument("--outage", type=float, default=10, help="seconds each fault lasts")
    parser.add_argument("--bound", type=float, default=30, help="seconds allowed after a fault")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait at most")
    parser.add_argument("--faults", default=",".join(FAULTS), help=", ".join(FAULTS))
    return parser.parse_args()


@dataclass
class Stack:
    """The services and processes of the run, and how to break and mend each."""

    workdir: Path
    database_url: str  # the application role
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    redis: object = None
    sink: object = None

    def launch(self, name: str, command: list[str]) -> None:
        with open(self.workdir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603 (our own command lines)
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def start_worker(self) -> None:
        marker = f"worker-{time.monotonic_ns()}"
        self.launch(
            "worker",
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
                "--concurrency", "1", "-n", f"{marker}@localhost",
            ],
        )  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT
        while f"{marker}@localhost ready." not in self.log("worker"):
            if self.processes["worker"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker not ready:\n{self.log('worker')[-3000:]}")
            time.sleep(0.1)

    def start_beat(self) -> None:
        self.launch(
            "beat",
            [
                sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                "-S", "django", "--pidfile", str(self.workdir / "beat.pid"),
            ],
        )  # fmt: skip

    def kill_worker(self) -> None:
        """SIGKILL to the worker's whole process group: main process and pool child."""
        process = self.processes.pop("worker")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        from tests.harness import stop_process

        for name in ("beat", "worker"):
            process = self.processes.pop(name, None)
            if process is not None:
                stop_process(process, timeout=30)
        for service in (self.sink, self.redis):
            if service is not None:
                service.stop()


def pg_ctl(*args: str) -> None:
    """pg_ctl on the throw-away cluster of scripts/pg_tmp.sh (its state file)."""
    state = dict(
        line.split("=", 1)
        for line in (ROOT / os.environ["PG_TMP_STATE"]).read_text().splitlines()
        if "=" in line
    )
    folder, port = state["PG_TMP_DIR"], state["PG_TMP_PORT"]
    options = (  # as scripts/pg_tmp.sh starts it
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    command = ["runuser", "-u", "postgres", "--", f"{PGBIN}/pg_ctl", "-D", f"{folder}/data"]
    if args[0] == "start":
        command += ["-l", f"{folder}/server.log", "-o", options]
    subprocess.run([*command, "-w", "-s", *args], check=True)  # noqa: S603


def environment(stack: Stack, redis_url: str, smtp_port: int) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH"}
    tuning = ("NOTIFICATION_SWEEP_", "CELERY_")  # e.g. NOTIFICATION_SWEEP_INTERVAL=300
    return {
        **{
            key: value for key, value in os.environ.items() if key in keep or key.startswith(tuning)
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_HTTPS": "0",
        "PORTAL_ALLOW_NO_ANTIVIRUS": "1",  # no upload here: the worker scans nothing
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DJANGO_STORAGE": "file",
        "PORTAL_VAR_DIR": str(stack.workdir / "var"),
        "MEDIA_ROOT": str(stack.workdir / "media"),
        "PORTAL_BASE_URL": "http://127.0.0.1:8000",
        "PYTHONUNBUFFERED": "1",
    }


# --- Data ---------------------------------------------------------------------------------


def granted_files(count: int):  # type: ignore[no-untyped-def]
    """``count`` granted individual requests of one operator with three members, and the
    two evaluators who follow them up."""
    from derogations import lifecycle
    from tests import factories

    organisation = factories.OrganisationFactory()
    for n in range(3):
        factories.operator_of(organisation, email=f"membre{n}@fabricant.example")
    evaluator = factories.UserFactory(evaluator=True)
    senior = factories.UserFactory(senior=True)
    files = []
    for _n in range(count):
        request = factories.RequestFactory(organisation=organisation)
        factories.proposed(request, evaluator)
        lifecycle.validate_decision(request, senior)
        files.append(request)
    return files, evaluator, senior


def issue_acts(files, evaluator, senior) -> list[int]:  # type: ignore[no-untyped-def]
    """One follow-up act per file: a suspension, or a resumption of a suspended one."""
    from derogations import followup
    from derogations.enums import DerogationStatus
    from derogations.models import Derogation

    acts = []
    for request in files:
        status = Derogation.objects.get(request=request).status
        if status == DerogationStatus.SUSPENDED:
            act = followup.resume(request, senior, "Cause corrigée, lots vérifiés.")
        else:
            act = followup.suspend(request, evaluator, "Incident grave sur un lot.")
        acts.append(act.pk)
    return acts


def expected_copies(acts: list[int]) -> dict[tuple[int, int], str]:
    """(act, delivery) -> recipient of every copy of these acts."""
    from notifications.models import Delivery

    return {
        (decision, pk): email
        for pk, decision, email in Delivery.objects.filter(decision__in=acts).values_list(
            "pk", "decision_id", "recipient_email"
        )
    }


def received(maildir: Path) -> Counter[tuple[int, int]]:
    found: Counter[tuple[int, int]] = Counter()
    for path in maildir.glob("*.eml"):
        match = MESSAGE_ID.search(path.read_bytes())
        if match:
            found[(int(match.group(1)), int(match.group(2)))] += 1
    return found


# --- Faults -------------------------------------------------------------------------------


def run_fault(name: str, stack: Stack, data, args) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Inject ``name`` around the issue of the acts; returns the moment it ended."""
    from django.db import connections

    files, evaluator, senior = data
    started = time.monotonic()
    if name == "redis-stop":
        stack.redis.stop()
    elif name == "smtp-down":
        stack.sink.stop()
    acts = issue_acts(files, evaluator, senior)
    issued = time.monotonic()
    if name == "worker-kill9":
        stack.kill_worker()
    elif name == "redis-kill":
        stack.redis.process.kill()
        stack.redis.process.wait()
        stack.redis.process = None
    elif name == "pg-restart":
        connections.close_all()
        pg_ctl("stop", "-m", "fast")
    time.sleep(max(0.0, args.outage - (time.monotonic() - started)))
    if name == "worker-kill9":
        stack.start_worker()
    elif name in ("redis-stop", "redis-kill"):
        stack.redis.start()
    elif name == "smtp-down":
        stack.sink.start()
    elif name == "pg-restart":
        pg_ctl("start")
    ended = time.monotonic()
    return {"acts": acts, "issued": issued - started, "ended": ended, "outage": ended - started}


def measure(name: str, fault: dict, stack: Stack, args) -> dict[str, object]:  # type: ignore[no-untyped-def]
    expected = expected_copies(fault["acts"])
    deadline = fault["ended"] + args.wait
    last_new, seen = fault["ended"], 0
    while time.monotonic() < deadline:
        got = received(stack.sink.maildir)
        count = len(set(expected) & set(got))
        if count > seen:
            seen, last_new = count, time.monotonic()
        if count == len(expected):
            break
        time.sleep(0.25)
    time.sleep(3)  # room for a duplicate to show up
    got = received(stack.sink.maildir)
    mine = {key: n for key, n in got.items() if key in expected}
    by_recipient = Counter()
    for (act, delivery), n in mine.items():
        by_recipient[(act, expected[(act, delivery)])] += n
    delivered = len(mine)
    dup_ids = sum(n - 1 for n in mine.values() if n > 1)
    dup_recipients = sum(n - 1 for n in by_recipient.values() if n > 1)
    seconds = last_new - fault["ended"] if delivered == len(expected) else None
    ok = seconds is not None and seconds <= args.bound and not dup_ids and not dup_recipients
    return {
        "fault": name,
        "delivered": f"{delivered}/{len(expected)}",
        "dup_ids": dup_ids,
        "dup_recipients": dup_recipients,
        "outage": f"{fault['outage']:.1f}",
        "seconds": "-" if seconds is None else f"{max(seconds, 0):.1f}",
        "result": "PASS" if ok else "FAIL",
    }


def table(rows: list[dict[str, object]]) -> str:
    header = {
        "fault": "fault",
        "delivered": "delivered",
        "dup_ids": "dup Message-ID",
        "dup_recipients": "dup (act, recipient)",
        "outage": "fault lasted s",
        "seconds": "s to last copy after end",
        "result": "result",
    }
    cells = [header, *rows]
    widths = {key: max(len(str(c[key])) for c in cells) for key in header}
    lines = [" | ".join(str(c[key]).ljust(widths[key]) for key in header) for c in cells]
    lines.insert(1, "-+-".join("-" * widths[key] for key in header))
    return "\n".join(lines)


def main() -> None:
    args = parse()
    chosen = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = set(chosen) - set(FAULTS)
    if unknown:
        sys.exit(f"faults: unknown {sorted(unknown)}; choose among {list(FAULTS)}")
    sys.path.insert(0, str(ROOT))
    from tests.harness import free_port
    from tests.services import RedisServer, smtp_sink_class

    workdir = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    stack = Stack(workdir, database_url=os.environ["APP_DATABASE_URL"])
    try:
        stack.redis = RedisServer(workdir / "redis", free_port()).start()
        stack.sink = smtp_sink_class()(free_port(), workdir / "mail").start()
        stack.env = environment(stack, stack.redis.url, stack.sink.port)
        # This process issues the acts as the owner of the tables (it also migrates).
        os.environ.update({**stack.env, "DATABASE_URL": os.environ["DATABASE_URL"]})
        import django

        django.setup()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's every command
        from django.conf import settings
        from django.core.management import call_command

        from derogations.enums import DecisionKind
        from derogations.models import Decision

        call_command("migrate", "--noinput", verbosity=0)
        call_command("grant_app_role", "portal_app", verbosity=0)
        stack.start_worker()
        stack.start_beat()
        data = granted_files(args.acts)
        print(
            f"faults: {args.acts} acts per fault, each fault {args.outage:.0f} s, sweep every "
            f"{settings.NOTIFICATION_SWEEP_INTERVAL} s (rows unsent "
            f"{settings.NOTIFICATION_SWEEP_AGE} s), bound {args.bound:.0f} s; logs in {workdir}",
            flush=True,
        )
        grants = expected_copies(
            list(
                Decision.objects.filter(request__in=data[0], kind=DecisionKind.GRANT).values_list(
                    "pk", flat=True
                )
            )
        )
        while len(set(grants) & set(received(stack.sink.maildir))) < len(grants):
            time.sleep(0.5)  # the grants' copies first: the stack works
        rows = []
        for name in chosen:
            fault = run_fault(name, stack, data, args)
            row = measure(name, fault, stack, args)
            rows.append(row)
            print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            for process_name in ("worker", "beat"):
                process = stack.processes.get(process_name)
                if process is not None and process.poll() is not None:
                    print(f"  {process_name} exited ({process.returncode}): started again")
                    (stack.start_worker if process_name == "worker" else stack.start_beat)()
        print(table(rows))
        print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

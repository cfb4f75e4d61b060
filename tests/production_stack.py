"""The portal as it is deployed, started for the browser tests: production settings,
static files collected by the manifest storage used in production and served by gunicorn,
a Celery worker and beat on a real Redis, the SMTP sink, a ClamAV daemon, and PostgreSQL
reached as the restricted application role (audit table: INSERT and SELECT only).

It runs on the pytest-django test database, so what a test writes (transactional_db) is
what gunicorn and the worker read. One stack serves the whole session
(tests/e2e/conftest.py, fixture ``portal``).

    stack = ProductionStack(workdir, database_url=..., media_root=...).start()
    stack.url          # http://127.0.0.1:PORT
    stack.sink         # the SMTP sink (scripts/smtp_sink.py) the worker sends to
    stack.stop()

The collected static files are what `manage.py collectstatic` writes with the production
settings; `scripts/test.sh` starts that collection in the background before pytest and
passes its folder in PORTAL_TEST_COLLECTED_STATIC (a `.done` file beside it marks the end),
so that its half-minute runs while the first tests do. Without it, the stack collects them.
"""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from tests.clamav import start_clamd
from tests.harness import free_port, stop_process, wait_for_port
from tests.services import RedisServer, smtp_sink_class

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 180  # Django + WeasyPrint imports of three processes on a 2-core machine
COLLECT_TIMEOUT = 600


class ProductionStack:
    def __init__(self, workdir: Path, *, database_url: str, media_root: str) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.media_root = media_root
        self.web_port = free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis: RedisServer | None = None
        self.sink = None
        self.clamd = None

    # --- Environment --------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """What scripts/stack.sh writes in var/stack/env, for this stack's ports."""
        keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH"}
        return {
            **{key: value for key, value in os.environ.items() if key in keep},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no HTTPS redirect, no secure-only cookies.
            "DJANGO_HTTPS": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.sink.port}",
            "CLAMAV_URL": self.clamd.url,
            "DJANGO_STORAGE": "file",
            "PORTAL_VAR_DIR": str(self.workdir / "var"),
            "MEDIA_ROOT": self.media_root,
            "PORTAL_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
        }

    # --- Start and stop -----------------------------------------------------------------

    def start(self) -> "ProductionStack":
        self.secret_key = secrets.token_urlsafe(64)
        (self.workdir / "var").mkdir(parents=True, exist_ok=True)
        try:
            self.redis = RedisServer(self.workdir / "redis", free_port()).start()
            self.sink = smtp_sink_class()(free_port(), self.workdir / "mail").start()
            self.clamd = start_clamd(self.workdir / "clamd")
            self._static_files()
            self._launch(
                "worker",
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
                    "--concurrency", "1", "-n", f"production-{self.web_port}@localhost",
                ],
            )  # fmt: skip
            self._launch(
                "beat",
                [
                    sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                    "-S", "django", "--pidfile", str(self.workdir / "beat.pid"),
                ],
            )  # fmt: skip
            self._launch(
                "web",
                [
                    sys.executable, "-m", "gunicorn", "config.wsgi:application",
                    "--bind", f"127.0.0.1:{self.web_port}", "--workers", "2",
                    "--control-socket", str(self.workdir / "gunicorn.ctl"),
                ],
            )  # fmt: skip
            wait_for_port(self.web_port, timeout=READY_TIMEOUT, process=self.processes["web"])
            self._wait_for_log("worker", "ready.")
        except BaseException:
            self.stop()
            raise
        return self

    def _static_files(self) -> None:
        """The collected files of the production storage, in this stack's STATIC_ROOT."""
        target = self.workdir / "var" / "staticfiles"
        prepared = os.environ.get("PORTAL_TEST_COLLECTED_STATIC")
        if prepared:
            done = Path(prepared + ".done")
            deadline = time.monotonic() + COLLECT_TIMEOUT
            while not done.exists():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"collectstatic into {prepared} did not finish")
                time.sleep(0.5)
            if done.read_text().strip() != "0":
                raise RuntimeError(f"collectstatic into {prepared} failed: see {prepared}.log")
            target.symlink_to(prepared, target_is_directory=True)
            return
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.environment(),
            check=True,
        )

    def _launch(self, name: str, command: list[str]) -> None:
        with open(self.log_path(name), "ab") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_for_log(self, name: str, text: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while text not in self.log(name):
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited:\n{self.log(name)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not ready in time:\n{self.log(name)}")
            time.sleep(0.2)

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def log(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for name in ("web", "beat", "worker"):
            process = self.processes.pop(name, None)
            if process is not None:
                stop_process(process, timeout=30)
        for service in (self.clamd, self.sink, self.redis):
            if service is not None:
                service.stop()

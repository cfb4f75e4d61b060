"""Fixtures that run the real thing: a Redis server, an SMTP sink and a Celery worker
process that shares the pytest-django test database (PostgreSQL).

    def test_x(celery_worker, smtp_sink): ...   # data committed: transactional_db

`celery_worker` switches the Celery app of this process to the test's Redis too, so that
tasks sent by the code under test reach the worker.
"""

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.harness import free_port, stop_process
from tests.services import RedisServer, _missing, _redis_command, smtp_sink_class

ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_TIMEOUT = 120  # Django + WeasyPrint imports on a 2-core machine


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """URL (redis://127.0.0.1:PORT/0) of a throw-away redis-server, for the session."""
    server = RedisServer(tmp_path_factory.mktemp("redis"), free_port()).start()
    try:
        yield server.url
    finally:
        server.stop()


# --- SMTP sink ------------------------------------------------------------------------
@pytest.fixture
def smtp_sink(tmp_path):
    """An SMTP server on 127.0.0.1:<sink.port>; sink.messages(), sink.wait_for(n),
    sink.refuse = True to answer 451 (temporary failure)."""
    sink = smtp_sink_class()(free_port(), tmp_path / "mail").start()
    try:
        yield sink
    finally:
        sink.stop()


# --- Celery ---------------------------------------------------------------------------
@pytest.fixture
def celery_broker_settings(redis_server):
    """Make this process's Celery app send tasks to the test Redis, not run them inline."""
    from kombu import pools

    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _reset_broker_pools(app, pools)
    app.conf.broker_url = redis_server
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        _reset_broker_pools(app, pools)
        app.conf.update(saved)


def _reset_broker_pools(app, pools) -> None:
    # Connections and producers are pooled per broker URL: drop them when it changes.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    name: str
    log_path: Path
    env: dict

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        _missing(
            "the Celery worker needs the test database on PostgreSQL: "
            "run scripts/test.sh (or set DATABASE_URL)"
        )
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_env():
    """Extra environment of the test worker; a test module may override this fixture
    (e.g. PORTAL_TEST_RENDER_DELAY to slow letter rendering down)."""
    return {}


def redis_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def worker_env(redis_url: str, smtp_port: int, extra: dict) -> dict:
    """The environment of a test worker: the test's database, Redis, SMTP sink and media."""
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test_worker",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def start_worker(env: dict, log_path: Path) -> CeleryWorker:
    """Start a `celery -A config worker` process (its own process group) and wait until
    it is ready."""
    name = f"integration-{uuid.uuid4().hex[:8]}@localhost"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
        "--concurrency=1", "-l", "info", "-n", name,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    worker = CeleryWorker(process, name, log_path, env)
    deadline = time.monotonic() + WORKER_READY_TIMEOUT
    while f"{name} ready." not in worker.log():
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited:\n{worker.log()}", pytrace=False)
        if time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"Celery worker not ready in time:\n{worker.log()}", pytrace=False)
        time.sleep(0.2)
    return worker


@pytest.fixture
def celery_worker(
    request,
    transactional_db,
    redis_server,
    smtp_sink,
    celery_broker_settings,
    celery_worker_env,
    tmp_path,
):
    """A real `celery -A config worker` process on the test database, Redis and SMTP sink.

    Requests `transactional_db`: what the test writes is committed, so the worker sees it.
    """
    _redis_command(redis_port(redis_server), "FLUSHALL")  # no task left over by a previous test
    env = worker_env(redis_server, smtp_sink.port, celery_worker_env)
    log_path = tmp_path / "celery-worker.log"
    request.node.celery_worker_log = log_path  # shown with a failure (hook below)
    worker = start_worker(env, log_path)
    try:
        yield worker
    finally:
        stop_process(worker.process, timeout=30)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    log_path = getattr(item, "celery_worker_log", None)
    if report.failed and log_path is not None and Path(log_path).exists():
        report.sections.append(("Celery worker log", Path(log_path).read_text(errors="replace")))
    return report


def messages_about(sink, act) -> list:
    """The messages the sink received for this act (its kind is in the subject)."""
    label = str(act.get_kind_display())
    return [
        m
        for m in sink.messages()
        if label in m["Subject"] and act.request.reference in m["Subject"]
    ]


def wait_until(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.2)

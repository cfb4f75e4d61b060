"""Target 7: a gunicorn worker's resident memory after N mixed requests.

gunicorn runs 1 sync worker on loopback with bench.settings; a plain http.client loop
sends the queue pages, the dashboard, the trivial page and hello-world in turn, with the
session cookies of an evaluator and of an operator; then VmRSS is read from
/proc/<worker>/status.
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from bench.measure import Row, yes_no

from . import Context, dashboard, queue

BOUND_MB = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"gunicorn master {master} has workers {children}")
    return int(children[0])


def _wait_up(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _paths(ctx: Context) -> list[tuple[str, str]]:
    """(path, session cookie) in the order they are sent."""
    evaluator = ctx.client(ctx.evaluator).cookies[settings.SESSION_COOKIE_NAME].value
    operator = ctx.client(ctx.operator).cookies[settings.SESSION_COOKIE_NAME].value
    queue_url = reverse("reviews:queue")
    dashboard_url = reverse("derogations:dashboard")
    paths = [
        (f"{queue_url}?{urlencode(p)}" if p else queue_url, evaluator) for p in queue.PAGES.values()
    ]
    paths += [
        (f"{dashboard_url}?{urlencode(p)}" if p else dashboard_url, operator)
        for p in dashboard.PAGES.values()
    ]
    paths += [(f"{queue_url}?page=3", evaluator), (f"{dashboard_url}?page=2", operator)]
    paths += [(reverse("bench_trivial"), evaluator), (reverse("bench_hello"), "")]
    return paths


def run(ctx: Context) -> list[Row]:
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
         "--log-level", "warning", "config.wsgi:application"],
        env=env,
    )  # fmt: skip
    try:
        _wait_up(port)
        worker = _worker_pid(server.pid)
        paths = _paths(ctx)
        statuses: dict[int, int] = {}
        before = time.perf_counter()
        start_kb = 0
        for i in range(ctx.mixed_requests):
            path, session = paths[i % len(paths)]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"} if session else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if i == len(paths) - 1:
                start_kb = _rss_kb(worker)  # every page seen once
        seconds = time.perf_counter() - before
        rss_kb = _rss_kb(worker)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if set(statuses) != {200}:
        raise RuntimeError(f"unexpected statuses from gunicorn: {statuses}")
    rss_mb = rss_kb / 1024
    return [
        Row(
            f"7 gunicorn worker RSS after {ctx.mixed_requests:,} mixed requests",
            f"{rss_mb:.0f} MB (after one of each: {start_kb / 1024:.0f} MB; "
            f"{ctx.mixed_requests / seconds:.0f} req/s)",
            f"< {BOUND_MB} MB",
            yes_no(rss_mb < BOUND_MB),
        )
    ]

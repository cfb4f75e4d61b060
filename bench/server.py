"""gunicorn on loopback with bench.settings, for the targets measured over HTTP (3, 7)."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.harness import free_port, stop_process, wait_for_port


@dataclass
class Server:
    port: int
    workers: list[int]  # pids

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _wait_workers(master: int, count: int, seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) == count:
            return [int(pid) for pid in children]
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn master {master} did not start {count} workers")


@contextmanager
def gunicorn(workers: int) -> Iterator[Server]:
    """Sync workers (gunicorn's default), bench.settings, warnings only."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
        "config.wsgi:application",
    ]  # fmt: skip
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 (ours)
    try:
        wait_for_port(port, process=process)
        yield Server(port, _wait_workers(process.pid, workers))
    finally:
        stop_process(process)

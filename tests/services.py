"""Real services on loopback ports for the tests: a throw-away Redis server and the SMTP
sink of scripts/smtp_sink.py. Used by tests/integration and the production stack
(tests/production_stack.py)."""

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from functools import cache
from pathlib import Path

import pytest

from tests.harness import stop_process, wait_for_port

ROOT = Path(__file__).resolve().parents[1]


def _missing(reason: str) -> None:
    """Skip locally; in CI (where scripts/bootstrap.sh installs everything) fail."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _redis_command(port: int, *args: str) -> bytes:
    """Send one command to Redis (RESP) and return the first line of the answer."""
    payload = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(payload.encode())
        return sock.recv(1024).split(b"\r\n", 1)[0]


class RedisServer:
    """A throw-away redis-server configured as in production (scripts/stack.sh,
    docker-compose.yml): append-only file on, never evicting a key. It can be stopped and
    started again on the same port and directory, keeping what its AOF holds."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir = workdir
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        executable = shutil.which("redis-server")
        if executable is None:
            _missing("redis-server is not installed (scripts/bootstrap.sh installs it)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            executable, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
            "--save", "", "--appendonly", "yes", "--maxmemory-policy", "noeviction",
            "--daemonize", "no",
        ]  # fmt: skip
        with open(self.workdir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, timeout=30, process=self.process)
            deadline = time.monotonic() + 30
            while _redis_command(self.port, "PING") != b"+PONG":  # not while loading the AOF
                if time.monotonic() > deadline:
                    raise TimeoutError("redis-server does not answer PING")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM: Redis writes its AOF to disk and exits."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@cache
def smtp_sink_class():
    spec = importlib.util.spec_from_file_location("smtp_sink", ROOT / "scripts" / "smtp_sink.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SmtpSink

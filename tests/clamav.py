"""A real ClamAV daemon (clamd, Debian's clamav-daemon) on a loopback port, with a signature
database written here: no freshclam, no network. Used by tests/security."""

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness import free_port, stop_process, wait_for_port

# The EICAR anti-virus test file, assembled at run time so that no file of the repository
# is itself flagged by the antivirus of a developer's machine.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"
# A project-specific test signature: any file containing these bytes is "malicious".
PORTAL_MARKER = b"PORTAL-TEST-MALWARE-MARKER-7f3a9c"
# Largest stream our test daemon reads (StreamMaxLength).
STREAM_MAX_BYTES = 1024 * 1024
CLAMD_READY_TIMEOUT = 60


def write_signatures(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    # .hdb: MD5 of a whole file; .ndb: a body pattern anywhere in any file type.
    (directory / "portal-test.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Portal.Test.EICAR-File\n"  # noqa: S324 (ClamAV's own hash format)
    )
    (directory / "portal-test.ndb").write_text(
        f"Portal.Test.EICAR-String:0:*:{EICAR.hex()}\n"
        f"Portal.Test.Marker:0:*:{PORTAL_MARKER.hex()}\n"
    )


@dataclass
class Clamd:
    process: subprocess.Popen
    port: int
    workdir: Path

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        path = self.workdir / "clamd.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_clamd(workdir: Path) -> Clamd:
    executable = shutil.which("clamd") or "/usr/sbin/clamd"
    if not Path(executable).exists():
        raise FileNotFoundError("clamd is not installed (scripts/bootstrap.sh installs it)")
    write_signatures(workdir / "db")
    port = free_port()
    config = workdir / "clamd.conf"
    config.write_text(
        "Foreground yes\n"
        f"DatabaseDirectory {workdir / 'db'}\n"
        "TCPAddr 127.0.0.1\n"
        f"TCPSocket {port}\n"
        f"StreamMaxLength {STREAM_MAX_BYTES}\n"
        f"LogFile {workdir / 'clamd.log'}\n"
        f"PidFile {workdir / 'clamd.pid'}\n"
    )
    with open(workdir / "clamd.out", "wb") as out:
        process = subprocess.Popen(
            [executable, "--config-file", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, timeout=CLAMD_READY_TIMEOUT, process=process)
    except (TimeoutError, RuntimeError):
        stop_process(process)
        raise
    return Clamd(process, port, workdir)

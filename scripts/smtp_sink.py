"""A tiny SMTP sink: every message received is written as a .eml file in a folder.

From the command line (scripts/stack.sh runs it this way):

    python scripts/smtp_sink.py --port 1025 --maildir var/stack/mail

In-process, from tests:

    sink = SmtpSink(port, maildir).start()
    ...
    sink.messages()      # list of email.message.EmailMessage received so far
    sink.wait_for(2)     # until at least 2 messages arrived (or TimeoutError)
    sink.refuse = True   # answer "451 4.3.0 try again later" until set back to False
    sink.stop()
"""

import argparse
import email
import email.policy
import itertools
import signal
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.sink.refuse:
            return "451 4.3.0 try again later"
        path = self.sink._store(envelope.original_content or envelope.content)
        return f"250 2.0.0 stored as {path.name}"


class SmtpSink:
    def __init__(self, port: int, maildir: str | Path, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.maildir = Path(maildir)
        self.refuse = False
        self._sequence = itertools.count(1)
        self._controller: Controller | None = None

    def start(self) -> "SmtpSink":
        self.maildir.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, server_hostname="smtp-sink"
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _store(self, data: bytes) -> Path:
        # Names sort in arrival order; written to a temporary name then renamed, so a
        # reader never sees half a message.
        name = f"{time.time_ns()}-{next(self._sequence):06d}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.maildir / f".{name}.tmp"
        tmp.write_bytes(data)
        return tmp.rename(self.maildir / name)

    def paths(self) -> list[Path]:
        return sorted(self.maildir.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in self.paths()
        ]

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.paths()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"SMTP sink received {len(self.paths())} message(s), "
                    f"expected at least {count} within {timeout} s"
                )
            time.sleep(0.1)
        return self.messages()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", default="var/stack/mail")
    args = parser.parse_args()

    # Block the stop signals before the server thread starts, then wait for one.
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    sink = SmtpSink(args.port, args.maildir, host=args.host).start()
    print(f"SMTP sink on {args.host}:{args.port}, writing to {sink.maildir}", flush=True)
    signal.sigwait(stop_signals)
    sink.stop()


if __name__ == "__main__":
    main()

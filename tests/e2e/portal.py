"""The portal a browser test talks to, and the mailbox where its emails arrive.

Two kinds, one interface, so that the same journeys run on both (fixture ``portal`` in
tests/e2e/conftest.py):

- development: pytest-django's live server in the test process (test settings, static files
  from the finders, tasks run inline, emails in ``django.core.mail.outbox``);
- production: tests/production_stack.py (production settings, collected static files,
  gunicorn, a Celery worker on Redis, emails through SMTP to the sink). There, letters and
  emails come from another process a moment after the page that caused them: the mailbox
  and the letters are waited for, never for a fixed time.
"""

import re
import time
from dataclasses import dataclass
from email.message import EmailMessage

from django.core import mail

from derogations.models import Decision

WAIT_SECONDS = 60


@dataclass
class Portal:
    url: str
    stack: object | None = None  # tests.production_stack.ProductionStack

    @property
    def production(self) -> bool:
        return self.stack is not None

    # --- Mail ---------------------------------------------------------------------------

    def emails(self) -> list[tuple[list[str], str]]:
        """(recipients, plain text) of every email sent during the test so far."""
        if self.stack is None:
            return [(list(message.to), message.body) for message in mail.outbox]
        return [(_recipients(message), _text(message)) for message in self.stack.sink.messages()]

    def emailed_path(self, to: str, pattern: str) -> str:
        """The path of the first link matching ``pattern`` in the emails sent to ``to``,
        waiting for it to arrive."""
        deadline = time.monotonic() + (WAIT_SECONDS if self.production else 0)
        while True:
            for recipients, body in self.emails():
                if to in recipients:
                    found = re.search(r"https?://[^/\s]+(" + pattern + ")", body)
                    if found:
                        return found.group(1)
            if time.monotonic() >= deadline:
                raise AssertionError(f"no mail to {to} with a link {pattern}")
            time.sleep(0.2)

    # --- Letters ------------------------------------------------------------------------

    def wait_for_letter(self, decision: Decision) -> None:
        """Until the decision's letter is rendered (by the worker, in production)."""
        deadline = time.monotonic() + (WAIT_SECONDS if self.production else 0)
        while not Decision.objects.filter(pk=decision.pk).exclude(letter_sha256="").exists():
            if time.monotonic() >= deadline:
                raise AssertionError(f"the letter of decision {decision.pk} was not rendered")
            time.sleep(0.2)


def _recipients(message: EmailMessage) -> list[str]:
    return [address.addr_spec for address in message["To"].addresses]


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""

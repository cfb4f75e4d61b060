"""Account emails go through the outbox (notifications.AccountEmail): written with the
change that causes them, sent after commit, kept and sent later when the SMTP server is
down (here: a real SMTP connection to a loopback port where nothing listens), sent once,
their text (a link with a token) blanked once sent."""

import pytest
from django.core import mail
from django.db import transaction

from accounts import emails
from notifications.models import AccountEmail, DeliveryStatus
from notifications.tasks import send_account_email, sweep_pending
from tests.accounts.conftest import link_in
from tests.harness import free_port

pytestmark = pytest.mark.django_db

RESET = "/compte/mot-de-passe/oublie/"


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2


def test_an_email_waits_while_the_smtp_server_is_down_and_goes_later(
    send, operator_a, smtp_down, settings, caplog
):
    response = send(RESET, {"email": operator_a.email})
    # The person is told to check their mailbox: no error page, nothing lost.
    assert response.status_code == 302
    (row,) = AccountEmail.objects.all()
    assert row.status == DeliveryStatus.FAILED and row.attempts >= 1
    assert "ConnectionRefusedError" in row.last_error or "OSError" in row.last_error
    assert row.recipient_email == operator_a.email and "/mot-de-passe/" in row.body
    assert mail.outbox == []
    # The server is back: the sweep of the pending outbox sends it, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sweep_pending(older_than_seconds=0)
    (message,) = mail.outbox
    assert message.to == [operator_a.email]
    assert message.subject == "[ANSM] Réinitialisation de votre mot de passe"
    assert link_in(message, "/compte/mot-de-passe/reinitialiser/")
    assert (
        message.extra_headers["Message-ID"]
        == f"<account-{row.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    )
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.sent_at is not None
    assert row.body == ""  # the token is not kept
    sweep_pending(older_than_seconds=0)
    assert len(mail.outbox) == 1


def test_an_email_is_sent_once_however_many_times_its_task_runs(
    operator_a, django_capture_on_commit_callbacks
):
    message = emails.render_email(
        "already_registered",
        {"user": operator_a, "login_url": "https://x/l", "reset_url": "https://x/r"},
        operator_a.email,
    )
    with django_capture_on_commit_callbacks(execute=True):
        row = emails.send_on_commit(message) or AccountEmail.objects.get()
    assert len(mail.outbox) == 1
    assert send_account_email.delay(row.pk).get() == "already-sent"
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_emails_nobody(operator_a, django_capture_on_commit_callbacks):
    message = emails.render_email(
        "already_registered",
        {"user": operator_a, "login_url": "https://x/l", "reset_url": "https://x/r"},
        operator_a.email,
    )
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                emails.send_on_commit(message)
                raise RuntimeError("the change fails after the email was written")
        except RuntimeError:
            pass
    assert not AccountEmail.objects.exists() and mail.outbox == []

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend
from django.urls import reverse


def test_mailbox_is_404_outside_demo(client):
    assert client.get(reverse("notifications:demo_mailbox")).status_code == 404


@pytest.mark.django_db
def test_mailbox_shows_file_emails_in_demo(client, settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    message = EmailMessage(
        "[ANSM] DER-IND-2026-00001 — Octroi", "Corps <b>du</b> message", to=["a@b.example"]
    )
    message.attach("DER.pdf", b"%PDF-1.7", "application/pdf")
    EmailBackend(file_path=str(tmp_path)).send_messages([message])
    html = client.get(reverse("notifications:demo_mailbox")).content.decode()
    assert "DER-IND-2026-00001" in html and "a@b.example" in html and "DER.pdf" in html
    assert "Corps &lt;b&gt;du&lt;/b&gt; message" in html

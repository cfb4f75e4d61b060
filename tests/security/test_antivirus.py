"""Uploads are scanned by a real ClamAV daemon before they are accepted; it fails closed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from derogations import uploads
from derogations.models import Attachment, AuditEntry
from tests import clamav, factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = factories.MINIMAL_PDF


def pdf_with(payload: bytes) -> bytes:
    return PDF.replace(b"trailer", b"% " + payload + b"\ntrailer")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def post_upload(draft, name: str, content: bytes):
    client = client_for(draft.created_by)
    url = reverse("derogations:step", args=[draft.pk, "pieces"])
    return client.post(url, {"category": "other", "files": [upload(name, content)]})


def test_the_daemon_answers_the_protocol(antivirus):
    assert uploads.clamav_scan(PDF, antivirus.url, 10) is None
    found = uploads.clamav_scan(clamav.EICAR, antivirus.url, 10)
    assert found in {"Portal.Test.EICAR-File.UNOFFICIAL", "Portal.Test.EICAR-String.UNOFFICIAL"}


def test_a_clean_pdf_is_accepted(antivirus, draft_a):
    response = post_upload(draft_a, "propre.pdf", PDF)
    assert response.status_code == 302
    assert Attachment.objects.filter(request=draft_a, original_name="propre.pdf").exists()


@pytest.mark.parametrize(
    "payload", [clamav.EICAR, clamav.PORTAL_MARKER], ids=["eicar", "portal-signature"]
)
def test_a_flagged_file_is_refused_with_a_french_message(antivirus, draft_a, payload):
    before = (Attachment.objects.count(), AuditEntry.objects.count())
    response = post_upload(draft_a, "infecte.pdf", pdf_with(payload))
    assert response.status_code == 400
    page = response.content.decode()
    assert "L&#x27;antivirus a détecté un contenu malveillant dans ce fichier" in page
    assert "« infecte.pdf »" in page
    assert (Attachment.objects.count(), AuditEntry.objects.count()) == before


def test_a_stopped_daemon_refuses_the_upload(stopped_clamd, draft_a):
    response = post_upload(draft_a, "propre.pdf", PDF)
    assert response.status_code == 400
    assert "n&#x27;a pas pu être vérifié par l&#x27;antivirus" in response.content.decode()
    assert "Réessayez dans quelques minutes" in response.content.decode()
    assert not Attachment.objects.filter(
        request=draft_a, original_name__in=["propre.pdf", "gros.pdf"]
    ).exists()


def test_a_file_above_the_scan_limit_is_refused(antivirus, draft_a, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 4 * clamav.STREAM_MAX_BYTES
    big = pdf_with(b"0" * (clamav.STREAM_MAX_BYTES + 1024))
    with pytest.raises(uploads.ScanLimitExceeded):
        uploads.clamav_scan(big, antivirus.url, 10)
    response = post_upload(draft_a, "gros.pdf", big)
    assert response.status_code == 400
    assert "trop volumineux pour être analysé par l&#x27;antivirus" in response.content.decode()
    assert not Attachment.objects.filter(
        request=draft_a, original_name__in=["propre.pdf", "gros.pdf"]
    ).exists()


def test_a_complement_answer_with_a_flagged_file_changes_nothing(antivirus, draft_a, evaluator):
    factories.awaiting_complements(draft_a, evaluator)
    before = (Attachment.objects.count(), AuditEntry.objects.count())
    client = client_for(draft_a.created_by)
    response = client.post(
        reverse("derogations:answer_complements", args=[draft_a.pk]),
        {"answer": "Voici.", "files": [upload("infecte.pdf", pdf_with(clamav.EICAR))]},
    )
    assert response.status_code == 400
    assert "contenu malveillant" in response.content.decode()
    assert (Attachment.objects.count(), AuditEntry.objects.count()) == before
    draft_a.refresh_from_db()
    assert draft_a.status == "awaiting_complements"


def test_a_malformed_url_fails_closed(settings):
    settings.CLAMAV_URL = "http://nowhere"
    with pytest.raises(uploads.ValidationError) as refused:
        uploads.check_antivirus(PDF)
    assert "n'a pas pu être vérifié" in refused.value.messages[0]

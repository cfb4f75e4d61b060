"""The upload attack corpus (tests/security/corpus.py), posted through the application with
the antivirus on: every file is refused, nothing is stored, nothing can be downloaded; and
what is served is always a download with a safe name and type."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from derogations import uploads
from derogations.models import Attachment, AuditEntry
from tests import factories
from tests.conftest import client_for
from tests.security.corpus import HTML, corpus

pytestmark = pytest.mark.django_db

CORPUS = corpus()


def stored_state():
    return (
        sorted(Attachment.objects.values_list("pk", "sha256")),
        AuditEntry.objects.count(),
    )


def served_contents(client, req) -> list[bytes]:
    """Every document of the request, downloaded through the application."""
    contents = []
    for attachment in Attachment.objects.filter(request=req):
        response = client.get(reverse("derogations:attachment", args=[req.pk, attachment.pk]))
        assert response.status_code == 200
        contents.append(b"".join(response.streaming_content))
    return contents


@pytest.mark.parametrize(
    ("name", "content"), [(n, c) for _i, n, c in CORPUS], ids=[i for i, _n, _c in CORPUS]
)
def test_the_corpus_is_refused_by_the_checks(antivirus, name, content):
    with pytest.raises(uploads.ValidationError):
        uploads.check_upload(SimpleUploadedFile(name, content))


def test_the_corpus_posted_to_a_draft_is_refused_and_never_served(antivirus, draft_a):
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    before, served_before = stored_state(), served_contents(client, draft_a)
    for identifier, name, content in CORPUS:
        response = client.post(
            url, {"category": "other", "files": [SimpleUploadedFile(name, content)]}
        )
        assert response.status_code == 400, identifier
        assert stored_state() == before, identifier
    # Nothing new can be downloaded: the draft serves exactly what it served before.
    assert served_contents(client, draft_a) == served_before


def test_the_corpus_in_a_complement_answer_changes_nothing(antivirus, draft_a, evaluator):
    factories.awaiting_complements(draft_a, evaluator)
    client = client_for(draft_a.created_by)
    url = reverse("derogations:answer_complements", args=[draft_a.pk])
    before = stored_state()
    for identifier, name, content in CORPUS[::3]:
        response = client.post(
            url, {"answer": "Voici.", "files": [SimpleUploadedFile(name, content)]}
        )
        assert response.status_code == 400, identifier
        assert stored_state() == before, identifier
    draft_a.refresh_from_db()
    assert draft_a.status == "awaiting_complements"


def test_oversize_bodies_are_refused_without_error(draft_a, settings):
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    before = stored_state()
    settings.PORTAL_MAX_UPLOAD_BYTES = 10_000
    big = factories.MINIMAL_PDF + b"%" * 20_000
    response = client.post(
        url, {"category": "other", "files": [SimpleUploadedFile("gros.pdf", big)]}
    )
    assert response.status_code == 400
    assert "dépasse la taille maximale" in response.content.decode()
    # A form field above DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, too many files.
    huge_field = {"category": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    assert client.post(url, huge_field).status_code == 400
    many_fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}
    assert client.post(url, many_fields).status_code == 400
    files = [
        SimpleUploadedFile(f"{i}.pdf", factories.MINIMAL_PDF)
        for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    ]
    assert client.post(url, {"category": "other", "files": files}).status_code == 400
    assert stored_state() == before


@pytest.mark.parametrize(
    ("stored_name", "stored_type"),
    [
        ("page.html", "text/html"),
        ("dessin.svg", "image/svg+xml"),
        ('a"\r\nSet-Cookie: pris=1; x.pdf', "text/html; charset=utf-8"),
        ("\u202efdp.exe", "application/x-msdownload"),
        ("../../etc/passwd", "application/pdf"),
    ],
)
def test_downloads_are_always_safe_attachments(draft_a, evaluator, stored_name, stored_type):
    """Even a row that holds a hostile name or type (written by another path than the
    upload) is served as a download with a safe name and type, never inline."""
    attachment = factories.attach(draft_a, "other", name="x.pdf", content=HTML)
    Attachment.objects.filter(pk=attachment.pk).update(
        original_name=stored_name, content_type=stored_type
    )
    response = client_for(draft_a.created_by).get(
        reverse("derogations:attachment", args=[draft_a.pk, attachment.pk])
    )
    b"".join(response.streaming_content)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert "\u202e" not in disposition and "%E2%80%AE" not in disposition.upper()
    assert response["Content-Type"] in set(uploads.EXTENSIONS) | {"application/octet-stream"}
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert not response.has_header("Set-Cookie") or "pris" not in response["Set-Cookie"]

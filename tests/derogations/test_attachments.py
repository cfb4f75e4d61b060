"""Attachments: the upload corpus (checked by content), storage, download permissions, deletion."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from derogations import lifecycle, uploads
from derogations.models import Attachment
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = factories.MINIMAL_PDF
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
OLE = uploads.OLE_MAGIC + b"\x00" * 100


def zipped(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": uploads.ODT.encode(), "content.xml": b"<office/>"}, zipfile.ZIP_STORED)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notice.pdf", PDF, uploads.PDF),
        ("photo.png", PNG, uploads.PNG),
        ("photo.JPG", JPEG, uploads.JPEG),
        ("rapport.docx", DOCX, uploads.DOCX),
        ("tableau.xlsx", XLSX, uploads.XLSX),
        ("texte.odt", ODT, uploads.ODT),
        ("ancien.doc", OLE, uploads.DOC),
        ("ancien.xls", OLE, uploads.XLS),
    ],
)
def test_accepted_formats_are_told_by_their_content(name, content, expected):
    checked = uploads.check_upload(upload(name, content))
    assert checked.content_type == expected and checked.size == len(content)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.pdf", b"<html><script>alert(1)</script></html>", "n'est pas accepté"),
        ("x.pdf", PNG, "ne correspond pas à son extension"),
        ("x.exe", b"MZ\x90\x00" + b"\x00" * 60, "n'est pas accepté"),
        ("x.docx", zipped({"a.txt": b"hello"}), "n'est pas accepté"),
        ("x.pdf", b"", "vide"),
        ("actif.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "/JavaScript"),
        ("hex.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /J#61vaScript >>"), "/JavaScript"),
        ("launch.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >>"), "/Launch"),
        ("joint.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /Names << /EmbeddedFiles 9 0 R >>"), "/EmbeddedFiles"),
    ],
)  # fmt: skip
def test_refused_files(name, content, message):
    with pytest.raises(uploads.ValidationError) as refused:
        uploads.check_upload(upload(name, content))
    assert message in refused.value.messages[0]


def test_javascript_hidden_in_a_compressed_stream_is_found():
    import zlib

    stream = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    content = PDF.replace(
        b"trailer",
        b"4 0 obj << /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream endobj\ntrailer",
    )
    assert uploads.pdf_forbidden_names(content) == {"JavaScript", "JS"}


def test_an_automatic_action_is_refused_even_without_a_script():
    # Decision (issue 7): an /OpenAction or /AA is refused whatever it does; "Imprimer en
    # PDF" gives a plain document.
    for action in (b"/OpenAction [3 0 R /Fit]", b"/AA << /O 5 0 R >>"):
        content = PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + action)
        with pytest.raises(uploads.ValidationError) as refused:
            uploads.check_upload(upload("auto.pdf", content))
        assert "contenu actif" in refused.value.messages[0]


def test_zip_bomb_docx_is_refused():
    bomb = zipped(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"0" * (120 * 1024 * 1024)}
    )
    assert len(bomb) < 1024 * 1024
    with pytest.raises(uploads.ValidationError) as refused:
        uploads.check_upload(upload("bombe.docx", bomb))
    assert "anormal" in refused.value.messages[0]
    ratio = zipped(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"0" * (20 * 1024 * 1024)}
    )
    with pytest.raises(uploads.ValidationError):
        uploads.check_upload(upload("ratio.docx", ratio))


def test_oversize_is_refused(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(uploads.ValidationError) as refused:
        uploads.check_upload(upload("gros.pdf", PDF + b"%" * 2000))
    assert "taille maximale" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\..\\rapport final.pdf", "rapport final.pdf"),
        ("a\x00b\r\n\tc.pdf", "abc.pdf"),
        ("..", "document"),
        ('<script>"x".pdf', "scriptx.pdf"),
        ("é" * 300 + ".pdf", "é" * 146 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(raw, safe):
    assert uploads.safe_file_name(raw) == safe


def test_upload_through_the_step_stores_privately(draft_a, settings):
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    response = client.post(
        url, {"category": "gspr_checklist", "files": [upload("../../gspr.pdf", PDF)]}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(request=draft_a, category="gspr_checklist")
    assert attachment.original_name == "gspr.pdf"
    assert attachment.file.name.startswith(f"private/attachments/{draft_a.pk}/")
    assert "gspr" not in attachment.file.name
    assert attachment.uploaded_by == draft_a.created_by and attachment.content_type == uploads.PDF
    assert not attachment.file.url.startswith(settings.STATIC_URL)


def test_a_refused_upload_says_why_and_stores_nothing(draft_a):
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    before = Attachment.objects.count()
    response = client.post(
        url, {"category": "other", "files": [upload("page.pdf", b"<html></html>")]}
    )
    assert response.status_code == 400
    assert "« page.pdf » : Ce type de fichier n&#x27;est pas accepté" in response.content.decode()
    assert Attachment.objects.count() == before


def test_download_is_for_the_organisation_and_staff_only(
    draft_a, colleague_a, operator_b, professional, evaluator
):
    lifecycle.submit(draft_a, draft_a.created_by)
    attachment = draft_a.attachments.first()
    url = reverse("derogations:attachment", args=[draft_a.pk, attachment.pk])
    response = client_for(colleague_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    staff = client_for(evaluator).get(url)
    assert staff.status_code == 200 and b"".join(staff.streaming_content) == PDF
    assert client_for(operator_b).get(url).status_code == 404
    assert client_for(professional).get(url).status_code == 404
    # Guessing: the right attachment under another request's URL is not found either.
    other = factories.RequestFactory(organisation=operator_b.memberships.get().organisation)
    wrong = reverse("derogations:attachment", args=[other.pk, attachment.pk])
    assert client_for(operator_b).get(wrong).status_code == 404
    assert client_for(colleague_a).get(wrong).status_code == 404


def test_a_named_professional_still_cannot_download(draft_a, evaluator, senior):
    from accounts.enums import Role

    factories.proposed(draft_a, evaluator)
    lifecycle.validate_decision(draft_a, senior)
    named = factories.UserFactory(role=Role.PROFESSIONAL, email=draft_a.prescriber_email)
    client = client_for(named)
    assert client.get(reverse("derogations:detail", args=[draft_a.pk])).status_code == 200
    attachment = draft_a.attachments.first()
    url = reverse("derogations:attachment", args=[draft_a.pk, attachment.pk])
    assert client.get(url).status_code == 404


def test_staff_never_see_a_draft_document(draft_a, evaluator):
    attachment = draft_a.attachments.first()
    url = reverse("derogations:attachment", args=[draft_a.pk, attachment.pk])
    assert client_for(evaluator).get(url).status_code == 404


def test_deletion_only_while_draft(draft_a, operator_b):
    attachment = draft_a.attachments.first()
    url = reverse("derogations:attachment_delete", args=[draft_a.pk, attachment.pk])
    assert client_for(operator_b).post(url).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    client = client_for(draft_a.created_by)
    other = draft_a.attachments.exclude(pk=attachment.pk).first()
    assert client.post(url).status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    lifecycle_draft = factories.RequestFactory(
        organisation=draft_a.organisation, created_by=draft_a.created_by
    )
    lifecycle.submit(lifecycle_draft, lifecycle_draft.created_by)
    frozen = lifecycle_draft.attachments.first()
    url = reverse("derogations:attachment_delete", args=[lifecycle_draft.pk, frozen.pk])
    assert client.post(url).status_code == 404
    assert Attachment.objects.filter(pk=frozen.pk).exists() and other is not None
    with pytest.raises(uploads.AttachmentRefused):
        uploads.delete_from_draft(frozen)


def test_complement_answer_carries_documents(draft_a, evaluator):
    from derogations import scenarios

    req = scenarios.bring_to(
        draft_a, "awaiting_complements", scenarios.Cast(draft_a.created_by, evaluator, evaluator)
    )
    client = client_for(req.created_by)
    url = reverse("derogations:answer_complements", args=[req.pk])
    refused = client.post(
        url,
        {
            "answer": "Voici",
            "category": "performance_evaluation",
            "files": [upload("r.pdf", b"<html>")],
        },
    )
    assert refused.status_code == 400
    req.refresh_from_db()
    assert req.status == "awaiting_complements"
    response = client.post(
        url,
        {
            "answer": "Voici le rapport",
            "category": "performance_evaluation",
            "files": [upload("rapport.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "in_review"
    added = Attachment.objects.get(request=req, complement_answer__isnull=False)
    assert added.complement_answer.action == "answer_complements"
    assert added.original_name == "rapport.pdf"


# --- Memory and limits per submission (issue 15, finding 4) --------------------------------


def _big_pdf(size: int) -> bytes:
    return PDF + b"%" + b"0" * (size - len(PDF) - 2) + b"\n"


def test_checked_files_stay_on_disk_not_in_memory(settings, tmp_path):
    """Five files of 3 MB through the form field: the checks map each temporary file in
    turn; the checked files hold the uploads (on disk), not their bytes."""
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile

    from derogations.www.operators.forms import MultipleFileField

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    content = _big_pdf(3 * 1024 * 1024)
    files = []
    for index in range(5):
        temporary = TemporaryUploadedFile(f"f{index}.pdf", "application/pdf", len(content), None)
        temporary.write(content)
        temporary.seek(0)
        files.append(temporary)
    del content
    tracemalloc.start()
    try:
        checked = MultipleFileField().clean(files)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [c.size for c in checked] == [3 * 1024 * 1024] * 5
    assert peak < 2 * 1024 * 1024  # was 15 MB and more: every file read into memory
    assert checked[0].upload is files[0]


def test_a_temporary_upload_is_stored_whole(draft_a, settings, tmp_path):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    content = _big_pdf(2 * 1024 * 1024)
    temporary = TemporaryUploadedFile("grand.pdf", "application/pdf", len(content), None)
    temporary.write(content)
    checked = uploads.check_upload(temporary)
    attachment = uploads.add_to_draft(draft_a, checked, "other", draft_a.created_by)
    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    assert attachment.sha256 == __import__("hashlib").sha256(content).hexdigest()


def test_too_many_files_in_one_submission_are_refused_in_french(draft_a, settings):
    settings.PORTAL_MAX_FILES_PER_POST = 3
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    before = Attachment.objects.count()
    response = client.post(
        url,
        {"category": "gspr_checklist", "files": [upload(f"{i}.pdf", PDF) for i in range(4)]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vous pouvez envoyer au plus 3 fichiers à la fois (vous en avez choisi 4)" in page
    assert '<option value="gspr_checklist" selected>' in page  # what was chosen is kept
    assert Attachment.objects.count() == before


def test_too_many_bytes_in_one_submission_are_refused(draft_a, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES_PER_POST = 2 * len(PDF)
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    before = Attachment.objects.count()
    response = client.post(
        url, {"category": "other", "files": [upload(f"{i}.pdf", PDF) for i in range(3)]}
    )
    assert response.status_code == 400
    assert "Les fichiers choisis dépassent ensemble" in response.content.decode()
    assert Attachment.objects.count() == before


def test_a_draft_holds_at_most_its_byte_limit(draft_a, settings):
    stored = uploads.stored_bytes(draft_a)
    settings.PORTAL_MAX_DRAFT_ATTACHMENT_BYTES = stored + len(PDF)
    client = client_for(draft_a.created_by)
    url = reverse("derogations:step", args=[draft_a.pk, "pieces"])
    response = client.post(
        url, {"category": "other", "files": [upload("a.pdf", PDF), upload("b.pdf", PDF)]}
    )
    assert response.status_code == 400
    assert "Les documents d&#x27;une demande ne peuvent pas dépasser" in response.content.decode()
    assert uploads.stored_bytes(draft_a) == stored
    # The service refuses too (two uploads at once), all or nothing.
    checked = uploads.check_upload(upload("c.pdf", PDF))
    with pytest.raises(uploads.AttachmentRefused):
        uploads.add_files_to_draft(draft_a, [checked, checked], "other", draft_a.created_by)
    assert uploads.stored_bytes(draft_a) == stored
    response = client.post(url, {"category": "other", "files": [upload("a.pdf", PDF)]})
    assert response.status_code == 302

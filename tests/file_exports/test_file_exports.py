"""The whole file as one download (issue 19): each audience's ZIP holds what its pages
show (the operator's: no private note, no expert opinion, no internal step of the history),
asking twice reuses the export being built, a failing build is retried then shows
« Réessayer », and expired exports are deleted with their files."""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from collaboration.models import (
    ExpertOpinion,
    Message,
    MessageDocument,
    OpinionDocument,
    OpinionStatus,
)
from derogations import assignment, lifecycle
from file_exports.models import Audience, ExportStatus, FileExport
from file_exports.tasks import EXPORT_RETRIES, build_file_export, purge_expired_exports
from reviews.models import PrivateNote
from tests import factories
from tests.conftest import client_for
from tests.notifications.test_letter_accessibility import ua_problems

pytestmark = pytest.mark.django_db

NOTE = "Note interne : le fabricant a déjà été sanctionné."
OPINION = "Avis : la sensibilité analytique est démontrée."
MESSAGE = "Le lot 42 est-il visé par la demande ?"


def stored(model, content: bytes = factories.MINIMAL_PDF, **fields):  # type: ignore[no-untyped-def]
    document = model(
        original_name=fields.pop("original_name", "piece.pdf"),
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        **fields,
    )
    document.file.save("upload", ContentFile(content), save=False)
    document.save()
    return document


def expert_opinion(req, evaluator, **fields):  # type: ignore[no-untyped-def]
    """An opinion asked of an outside expert, with the document they sent."""
    opinion = ExpertOpinion.objects.create(
        request=req,
        expert_name="Pr Jeanne Morel",
        expert_email="j.morel@univ.example",
        speciality="Génétique",
        question="La sensibilité est-elle démontrée ?",
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        requested_by=evaluator,
        **fields,
    )
    stored(OpinionDocument, opinion=opinion, original_name="avis-morel.pdf")
    return opinion


@pytest.fixture
def granted(org_a, operator_a, evaluator, senior):
    """A granted file of organisation A, with a message and its document, a private note,
    an answered expert opinion with its document, and the grant's letter rendered."""
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.proposed(req, evaluator)
    assignment.assign(req, evaluator, evaluator)
    decision = lifecycle.validate_decision(req, senior)
    decision.letter.save("letter.pdf", ContentFile(factories.MINIMAL_PDF), save=False)
    decision.letter_sha256 = hashlib.sha256(factories.MINIMAL_PDF).hexdigest()
    decision.save(update_fields=["letter", "letter_sha256"])
    message = Message.objects.create(
        request=req, author=operator_a, from_agency=False, body=MESSAGE
    )
    stored(MessageDocument, message=message, original_name="lot-42.pdf")
    PrivateNote.objects.create(request=req, author=evaluator, text=NOTE)
    expert_opinion(
        req,
        evaluator,
        status=OpinionStatus.ANSWERED,
        no_conflict_declared_at=timezone.now(),
        answer=OPINION,
        closed_at=timezone.now(),
    )
    req.refresh_from_db()
    return req


def ask(client, req, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Press « Télécharger le dossier complet »; the task runs after commit (eager)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("file_exports:page", args=[req.pk]))
    assert response.status_code == 302
    return response


def downloaded(client, req) -> tuple[zipfile.ZipFile, str]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("file_exports:download", args=[req.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{req.reference}-dossier-complet.zip"'
    )
    body = b"".join(response.streaming_content)
    export = FileExport.objects.get(status=ExportStatus.READY)
    assert hashlib.sha256(body).hexdigest() == export.sha256 and len(body) == export.size
    archive = zipfile.ZipFile(io.BytesIO(body))
    summary = archive.read(f"01-demande/{req.reference}-synthese.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(summary)).pages)
    return archive, " ".join(text.split())


def folders(archive: zipfile.ZipFile) -> set[str]:
    return {name.split("/")[0] for name in archive.namelist()}


def test_the_operator_downloads_its_file_without_the_agency_s_private_parts(
    granted, operator_a, django_capture_on_commit_callbacks
):
    client = client_for(operator_a)
    ask(client, granted, django_capture_on_commit_callbacks)
    page = client.get(reverse("file_exports:page", args=[granted.pk])).content.decode()
    assert "Le dossier complet est prêt." in page
    archive, text = downloaded(client, granted)

    assert folders(archive) == {"01-demande", "02-pieces-jointes", "04-messages", "05-decisions"}
    assert any(name.endswith("-lot-42.pdf") for name in archive.namelist())
    # Every field under the form's label, the thread, the grant with its code and copy.
    assert "Nom commercial du dispositif GenoRare PCR Kit" in text
    assert "Référence pseudonymisée du patient" in text
    assert MESSAGE in text
    decision = granted.decisions.get(kind="grant")
    assert decision.verification_code in text
    assert granted.created_by.email in text or granted.contact_email in text
    assert hashlib.sha256(factories.MINIMAL_PDF).hexdigest() in text.replace(" ", "")
    # Nothing of the agency's own: notes, opinions, who holds the file, the four eyes.
    for secret in (NOTE, OPINION, "Pr Jeanne Morel", "Attribution du dossier", "Notes internes"):
        assert secret not in text
    assert not any("avis" in name for name in archive.namelist())
    export = FileExport.objects.get()
    assert export.audience == Audience.OPERATOR
    assert export.done == export.total == len(archive.namelist())


def test_staff_download_the_whole_file_with_notes_and_expert_opinions(
    granted, evaluator, django_capture_on_commit_callbacks
):
    client = client_for(evaluator)
    ask(client, granted, django_capture_on_commit_callbacks)
    archive, text = downloaded(client, granted)
    assert folders(archive) == {
        "01-demande", "02-pieces-jointes", "04-messages", "05-decisions", "06-avis-d-experts",
    }  # fmt: skip
    assert any(name.endswith("-avis-morel.pdf") for name in archive.namelist())
    for shown in (NOTE, OPINION, "Pr Jeanne Morel", "Attribution du dossier", MESSAGE):
        assert shown in text
    assert FileExport.objects.get().audience == Audience.STAFF


def test_the_summary_is_a_tagged_pdf_like_the_letters(
    granted, evaluator, django_capture_on_commit_callbacks, tmp_path
):
    client = client_for(evaluator)
    ask(client, granted, django_capture_on_commit_callbacks)
    export = FileExport.objects.get()
    with export.archive.open("rb") as stored_zip:
        summary = zipfile.ZipFile(stored_zip).read(f"01-demande/{granted.reference}-synthese.pdf")
    assert ua_problems(summary, tmp_path / "summary.pdf", with_qr=False) == []


def test_asking_twice_while_it_is_built_reuses_the_export(granted, operator_a):
    client = client_for(operator_a)
    url = reverse("file_exports:page", args=[granted.pk])
    client.post(url)  # the task is queued after commit: this test's transaction never commits
    response = client.post(url, follow=True)
    assert FileExport.objects.count() == 1
    page = response.content.decode()
    assert "Le dossier complet est déjà en préparation." in page
    assert "Préparation du dossier complet en attente" in page
    assert 'role="status"' in page and reverse("file_exports:status", args=[granted.pk]) in page
    assert client.get(reverse("file_exports:status", args=[granted.pk])).json() == {
        "status": "queued",
        "done": 0,
        "total": 0,
        "message": "Préparation du dossier complet en attente…",
    }
    # The database refuses a second active export for the same person, file and audience.
    with pytest.raises(IntegrityError):
        FileExport.objects.create(
            request=granted,
            requested_by=operator_a,
            audience=Audience.OPERATOR,
            expires_at=timezone.now(),
        )


def test_a_build_that_keeps_failing_is_retried_then_offers_to_try_again(
    granted, operator_a, django_capture_on_commit_callbacks, monkeypatch
):
    # A document missing from the storage (an outage of the object storage, as the task sees it).
    default_storage.delete(granted.attachments.first().file.name)
    client = client_for(operator_a)
    client.post(reverse("file_exports:page", args=[granted.pk]))
    export = FileExport.objects.get()
    # The task as a worker runs it, retries included (the test settings' eager mode
    # would propagate the first failure instead of retrying).
    monkeypatch.setitem(build_file_export.app.conf, "task_eager_propagates", False)
    build_file_export.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.attempts == EXPORT_RETRIES + 1
    assert "FileNotFoundError" in export.error
    page = client.get(reverse("file_exports:page", args=[granted.pk])).content.decode()
    assert "La préparation du dossier complet a échoué." in page
    assert "Réessayer" in page
    # Nothing to download: back to the page.
    assert client.get(reverse("file_exports:download", args=[granted.pk])).status_code == 302
    # « Réessayer » asks for a new one (the storage is back: here, the document again).
    attachment = granted.attachments.first()
    default_storage.save(attachment.file.name, ContentFile(factories.MINIMAL_PDF))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("file_exports:page", args=[granted.pk]))
    assert FileExport.objects.filter(status=ExportStatus.READY).count() == 1


def test_the_daily_purge_deletes_expired_exports_and_their_files(
    granted, operator_a, evaluator, django_capture_on_commit_callbacks
):
    ask(client_for(operator_a), granted, django_capture_on_commit_callbacks)
    ask(client_for(evaluator), granted, django_capture_on_commit_callbacks)
    old, kept = FileExport.objects.order_by("pk")
    FileExport.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    assert default_storage.exists(old.archive.name)

    assert purge_expired_exports.delay().get() == 1

    assert list(FileExport.objects.all()) == [kept]
    assert not default_storage.exists(old.archive.name)
    assert default_storage.exists(kept.archive.name)
    # The expired download is gone for its person too.
    response = client_for(operator_a).get(reverse("file_exports:download", args=[granted.pk]))
    assert response.status_code == 302


def test_the_button_is_on_the_operator_s_and_staff_s_file_pages_only(
    granted, operator_a, evaluator
):
    button = "Télécharger le dossier complet"
    operator_page = client_for(operator_a).get(reverse("derogations:detail", args=[granted.pk]))
    staff_page = client_for(evaluator).get(reverse("reviews:file", args=[granted.pk]))
    assert button in operator_page.content.decode() and button in staff_page.content.decode()
    # A prescriber named on the file reads its decision there, never the whole file.
    prescriber = factories.UserFactory(professional=True, email=granted.prescriber_email)
    client = client_for(prescriber)
    page = client.get(reverse("derogations:detail", args=[granted.pk]))
    assert page.status_code == 200 and button not in page.content.decode()
    assert client.post(reverse("file_exports:page", args=[granted.pk])).status_code == 404
    assert not FileExport.objects.exists()


def test_staff_get_the_art_54_2_sheet_of_a_global_grant_and_the_operator_does_not(
    org_a, operator_a, evaluator, senior, django_capture_on_commit_callbacks
):
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a, global_kind=True)
    factories.proposed(req, evaluator)
    sheet = lifecycle.validate_decision(req, senior).union_notification
    sheet.sheet.save("sheet.pdf", ContentFile(factories.MINIMAL_PDF), save=False)
    sheet.sheet_sha256 = hashlib.sha256(factories.MINIMAL_PDF).hexdigest()
    sheet.save(update_fields=["sheet", "sheet_sha256"])
    req.refresh_from_db()
    for user, expected in ((evaluator, 1), (operator_a, 0)):
        ask(client_for(user), req, django_capture_on_commit_callbacks)
        export = FileExport.objects.get(requested_by=user)
        with export.archive.open("rb") as stored_zip:
            names = zipfile.ZipFile(stored_zip).namelist()
        assert sum("notification-art-54-2" in name for name in names) == expected, names

"""The ZIP of a whole file: the summary PDF, then each document copied from the default
storage in chunks into a temporary file (never a whole document in memory), hashed in one
more pass, then saved to the default storage; the export's progress is saved after each
part, so the page can show "12 documents sur 40". Time and disk grow with the file's size."""

import hashlib
import shutil
import tempfile
import zipfile
from typing import IO

from django.core.files import File
from django.utils import timezone, translation

from notifications.letters import render_pdf

from . import states
from .contents import SUMMARY_FOLDER, Contents, gather
from .models import FileExport

CHUNK = 1024 * 1024


def _sha256(file: IO[bytes]) -> tuple[str, int]:
    """The SHA-256 and size of ``file``, read in chunks from its start."""
    file.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := file.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


def summary_name(export: FileExport) -> str:
    return f"{SUMMARY_FOLDER}/{export.request.reference}-synthese.pdf"


def archive_name(export: FileExport) -> str:
    """The name the browser saves: the reference and the day."""
    return f"{export.request.reference}-dossier-complet-{timezone.localdate():%Y-%m-%d}.zip"


def render_summary(export: FileExport, contents: Contents) -> bytes:
    """The summary as a tagged PDF (PDF/UA-1), through the letters' rendering path, in
    French (the language of the file)."""
    with translation.override("fr"):
        return render_pdf(
            "file_exports/summary.html",
            {**contents.context, "export": export, "generated_at": timezone.now()},
        )


def build(export_pk: int) -> None:
    """Build and store the export's ZIP (states.start returns None: nothing to do)."""
    export = FileExport.objects.select_related("request", "requested_by").get(pk=export_pk)
    with translation.override("fr"):
        contents = gather(export.request, export.requested_by, export.audience)
    running = states.start(export_pk, total=len(contents.parts) + 1)
    if running is None:
        return
    with tempfile.TemporaryFile() as spool:
        # The documents are stored as they are (PDFs, images and office files are
        # compressed already: deflating them again cost CPU for nothing).
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as zipped:
            zipped.writestr(
                summary_name(export),
                render_summary(export, contents),
                compress_type=zipfile.ZIP_DEFLATED,
            )
            states.progress(export_pk, 1)
            for done, part in enumerate(contents.parts, start=2):
                with part.file.open("rb") as source, zipped.open(part.path, "w") as target:
                    shutil.copyfileobj(source, target, CHUNK)
                states.progress(export_pk, done)
        sha256, size = _sha256(spool)
        states.finish(export_pk, File(spool), archive_name(export), sha256, size)

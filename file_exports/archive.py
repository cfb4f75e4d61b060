"""The ZIP of a whole file, written in one pass: the summary PDF, then each document copied
from the default storage in chunks into a temporary file (never the whole file in memory),
whose SHA-256 is computed while it is written; the export's progress is saved after each
part, so the page can show "12 documents sur 40"."""

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


class _HashingWriter:
    """A write-only file that hashes and counts what it writes on the way to ``target``."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()

    def close(self) -> None:
        """The temporary file stays open: the export's storage reads it next."""


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
        writer = _HashingWriter(spool)
        # The output is not seekable: zipfile writes each entry's sizes after its data.
        with zipfile.ZipFile(writer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(summary_name(export), render_summary(export, contents))
            states.progress(export_pk, 1)
            for done, part in enumerate(contents.parts, start=2):
                with part.file.open("rb") as source, archive.open(part.path, "w") as target:
                    shutil.copyfileobj(source, target, CHUNK)
                states.progress(export_pk, done)
        spool.seek(0)
        states.finish(
            export_pk, File(spool), archive_name(export), writer.sha256.hexdigest(), writer.size
        )

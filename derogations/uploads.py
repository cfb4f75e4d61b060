"""Attachments: what is accepted (checked by content, never by extension) and how it is stored.

Accepted: PDF, PNG, JPEG, Office Open XML (DOCX, XLSX), OpenDocument (ODT, ODS) and the old
binary Office formats (DOC, XLS). The type is told by the first bytes of the file; a ZIP
container is opened (central directory only, nothing is extracted) to tell which office
format it is and to refuse a ZIP bomb. The extension must agree with the content.

PDF check, and its limit: we scan the PDF's bytes, and the content of its compressed
(FlateDecode) streams up to a budget, for the name tokens that run code, act on their own or
carry files (/JavaScript, /JS, /Launch, /EmbeddedFile(s), /RichMedia, /XFA, /SubmitForm,
/ImportData), hex escapes decoded (/J#61vaScript). Automatic actions (/OpenAction, run when
the document opens, and /AA, run on page or field events) are refused too, even without a
script: we cannot tell a harmless "open at page 1" from a hostile action without parsing
the PDF, and the operator can always print the document to a plain PDF. It is a screen, not
a PDF parser: a token hidden behind a filter other than Flate, an encrypted PDF, a malformed
stream or a stream beyond the decompression budget (PDF_SCAN_BUDGET_BYTES, each attempt
charged at least PDF_SCAN_COST_PER_STREAM) is not seen. Every check runs in time linear in
the file's size: the streams are found in one forward pass (``pdf_flate_spans``), never by a
pattern that searches to the end of the file from each ``stream`` keyword. The files are never rendered by
the portal; they are served as downloads with ``nosniff``.

Antivirus: when settings.CLAMAV_URL names a ClamAV daemon, every file that passed the checks
above is streamed to it (INSTREAM) before it is accepted. A file it flags is refused; a
daemon that does not answer, answers garbage or refuses the size (StreamMaxLength) refuses
the file too (fail closed): the operator is asked to try again later.
"""

import contextlib
import hashlib
import io
import logging
import mmap
import os
import re
import socket
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

from . import lifecycle
from .enums import Status
from .models import Attachment, AuditEntry, DerogationRequest

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A ZIP-based office document that unpacks to more than this, or compresses more than
# MAX_ZIP_RATIO times, is refused as a ZIP bomb.
MAX_ZIP_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_ENTRIES = 5000
# How much decompressed PDF stream content the scan reads at most.
PDF_SCAN_BUDGET_BYTES = 64 * 1024 * 1024
# Reads of a whole file (hash, antivirus) go by pieces of this size.
CHUNK_BYTES = 64 * 1024

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOC, XLS = "application/msword", "application/vnd.ms-excel"

# Detected type -> the extensions a file of that type may carry.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: ("pdf",),
    PNG: ("png",),
    JPEG: ("jpg", "jpeg"),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    ODT: ("odt",),
    ODS: ("ods",),
    DOC: ("doc",),
    XLS: ("xls",),
}
ACCEPTED_EXTENSIONS = sorted({ext for exts in EXTENSIONS.values() for ext in exts})
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_FORBIDDEN_NAMES = frozenset(
    {
        b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia",
        b"XFA", b"SubmitForm", b"ImportData", b"OpenAction", b"AA",
    }
)  # fmt: skip
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def max_upload_bytes() -> int:
    return int(getattr(settings, "PORTAL_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def accepted_formats_text() -> str:
    return "PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS, DOC, XLS"


def safe_file_name(name: str) -> str:
    """The uploaded name without any path, control or reserved characters, at most 150
    characters (extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(char).startswith("Z") else char
        for char in name
        if not unicodedata.category(char).startswith("C") and char not in '<>:"|?*'
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return "document"
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 10 and stem:
        return f"{stem[: 150 - len(ext) - 1].rstrip()}.{ext}"
    return name[:150]


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks. It holds the upload, not its bytes: above
    FILE_UPLOAD_MAX_MEMORY_SIZE the upload is a temporary file on disk, and storing copies
    it in chunks, so a request with many large files never holds them in memory."""

    name: str
    content_type: str
    upload: File
    size: int
    sha256: str


# What the checks read: the upload's bytes when it is in memory (small), else a read-only
# map of its temporary file (pages of the file, read from disk as the checks go and released
# when the map is closed: one file at a time, never a copy of each file in memory).
Content = bytes | mmap.mmap


@contextlib.contextmanager
def _contents(upload: UploadedFile, limit: int) -> Iterator[Content]:
    path = getattr(upload, "temporary_file_path", None)
    if path is None:
        upload.seek(0)
        yield upload.read(limit + 1)
        return
    with open(path(), "rb") as file:
        if os.fstat(file.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            yield mapped


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Check an uploaded file; raise ValidationError (French) if it is refused."""
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_big(limit)
    with _contents(upload, limit) as content:
        if len(content) > limit:
            raise _too_big(limit)
        if not content:
            raise ValidationError(_("Le fichier est vide."), code="empty")
        name = safe_file_name(upload.name or "")
        content_type = detect_content_type(content, name)
        extension = extension_of(name)
        if extension not in EXTENSIONS[content_type]:
            raise ValidationError(
                _(
                    "Le contenu du fichier (%(type)s) ne correspond pas à son extension "
                    "« .%(ext)s »."
                )
                % {"type": EXTENSIONS[content_type][0].upper(), "ext": extension or "?"},
                code="extension_mismatch",
            )
        check_polyglot(content, content_type)
        if content_type == PDF:
            check_pdf(content)
        check_antivirus(content)
        size, sha256 = len(content), _sha256(content)
    upload.seek(0)
    return CheckedFile(name, content_type, upload, size, sha256)


def _sha256(content: Content) -> str:
    digest = hashlib.sha256()
    view = memoryview(content)
    for start in range(0, len(view), CHUNK_BYTES):
        digest.update(view[start : start + CHUNK_BYTES])
    view.release()
    return digest.hexdigest()


class _Reader(io.RawIOBase):
    """A seekable binary file over a buffer (an mmap), without copying it (zipfile needs a
    file; io.BytesIO would copy the whole buffer)."""

    def __init__(self, content: Content) -> None:
        super().__init__()
        self._content, self._position = content, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._content)}
        position = base[whence] + offset
        if position < 0:
            raise OSError("negative seek position")
        self._position = position
        return position

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]  # typeshed: any writable buffer
        chunk = self._content[self._position : self._position + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)


def _file_over(content: Content) -> io.BufferedReader:
    return io.BufferedReader(_Reader(content))


def megabytes(size: int) -> float:
    return round(size / (1024 * 1024), 1)


def _too_big(limit: int) -> ValidationError:
    return ValidationError(
        _("Le fichier dépasse la taille maximale autorisée (%(mb)s Mo).")
        % {"mb": megabytes(limit)},
        code="too_big",
    )


def check_post_limits(sizes: list[int], stored_bytes: int | None = None) -> None:
    """Refuse (ValidationError, French) too many files in one submission, too many bytes
    in all, or, with ``stored_bytes`` (what the draft already holds), too many bytes on the
    draft. Told by the sizes alone: nothing is read."""
    most_files = settings.PORTAL_MAX_FILES_PER_POST
    if len(sizes) > most_files:
        raise ValidationError(
            ngettext(
                "Vous pouvez envoyer au plus %(count)d fichier à la fois (vous en avez choisi "
                "%(chosen)d) : envoyez les autres en plusieurs fois.",
                "Vous pouvez envoyer au plus %(count)d fichiers à la fois (vous en avez choisi "
                "%(chosen)d) : envoyez les autres en plusieurs fois.",
                most_files,
            )
            % {"count": most_files, "chosen": len(sizes)},
            code="too_many_files",
        )
    most_bytes = settings.PORTAL_MAX_UPLOAD_BYTES_PER_POST
    if sum(sizes) > most_bytes:
        raise ValidationError(
            _(
                "Les fichiers choisis dépassent ensemble %(mb)s Mo (%(chosen)s Mo) : "
                "envoyez-les en plusieurs fois."
            )
            % {"mb": megabytes(most_bytes), "chosen": megabytes(sum(sizes))},
            code="too_many_bytes",
        )
    if stored_bytes is not None and stored_bytes + sum(sizes) > draft_limit():
        raise _draft_full(stored_bytes)


def draft_limit() -> int:
    return int(settings.PORTAL_MAX_DRAFT_ATTACHMENT_BYTES)


def _draft_full(stored_bytes: int) -> ValidationError:
    return ValidationError(
        _(
            "Les documents d'une demande ne peuvent pas dépasser %(mb)s Mo au total (elle en "
            "compte déjà %(stored)s Mo) : retirez un document ou réduisez la taille des "
            "fichiers."
        )
        % {"mb": megabytes(draft_limit()), "stored": megabytes(stored_bytes)},
        code="draft_full",
    )


def stored_bytes(request: DerogationRequest) -> int:
    """Bytes of the documents attached to this request."""
    return Attachment.objects.filter(request=request).aggregate(total=Sum("size"))["total"] or 0


def _refused_type() -> ValidationError:
    return ValidationError(
        _(
            "Ce type de fichier n'est pas accepté. Formats acceptés : %(formats)s "
            "(le contenu du fichier est vérifié, pas seulement son extension)."
        )
        % {"formats": accepted_formats_text()},
        code="type",
    )


def detect_content_type(content: Content, name: str) -> str:
    """The type told by the content. ``name`` only chooses between DOC and XLS, which share
    the OLE container."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(OLE_MAGIC):
        return XLS if extension_of(name) == "xls" else DOC
    if head.startswith(b"PK\x03\x04"):
        return _zip_office_type(content)
    raise _refused_type()


def _zip_office_type(content: Content) -> str:
    try:
        archive = zipfile.ZipFile(_file_over(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refused_type() from None
    uncompressed = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries)
    if (
        len(entries) > MAX_ZIP_ENTRIES
        or uncompressed > MAX_ZIP_UNCOMPRESSED_BYTES
        or uncompressed > MAX_ZIP_RATIO * max(compressed, 1)
    ):
        raise ValidationError(
            _("Ce document compressé est anormal (taille décompressée excessive) : il est refusé."),
            code="zip_bomb",
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
        raise _refused_type()
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, zlib.error):
            raise _refused_type() from None
        if mimetype in (ODT, ODS):
            return mimetype
    raise _refused_type()


ZIP_TYPES = frozenset({DOCX, XLSX, ODT, ODS})
# Markup a browser could take for a page (or a script) if it ever sniffed the file.
_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|!doctype\s+html)\b", re.I)


def check_polyglot(content: Content, content_type: str) -> None:
    """Refuse a file that is also something else: a ZIP archive appended to (or hidden in) a
    PDF or an image, or HTML/SVG markup in its first kilobytes (where browsers sniff)."""
    hidden_zip = content_type not in ZIP_TYPES and zipfile.is_zipfile(_file_over(content))
    if hidden_zip or _MARKUP.search(content[:4096]):
        raise ValidationError(
            _(
                "Ce fichier contient, en plus d'un document %(type)s, une archive ou du code "
                "de page web (fichier « polyglotte ») : il est refusé. Enregistrez-le à "
                "nouveau depuis son application d'origine."
            )
            % {"type": EXTENSIONS[content_type][0].upper()},
            code="polyglot",
        )


def safe_content_type(content_type: str) -> str:
    """The type to serve a stored file with: one we accept, else a neutral download."""
    return content_type if content_type in EXTENSIONS else "application/octet-stream"


# A stream whose data may be Flate: it starts with a zlib header (deflate, window up to 32 KB,
# no preset dictionary, check bits right), told by the regular expression itself so that a
# file of tiny non-Flate streams costs no Python step per stream.
_ZLIB_HEADERS = [
    bytes([cmf, flg])
    for cmf in range(0x08, 0x80, 0x10)
    for flg in range(256)
    if (cmf << 8 | flg) % 31 == 0 and not flg & 0x20
]
_PDF_FLATE_STREAM = re.compile(
    rb"stream\r?\n(?=" + b"|".join(re.escape(header) for header in _ZLIB_HEADERS) + rb")"
)
# Each decompression attempt is charged at least this much against PDF_SCAN_BUDGET_BYTES,
# so a file made of a million tiny streams costs a bounded number of attempts.
PDF_SCAN_COST_PER_STREAM = 1024


def pdf_flate_spans(content: Content) -> Iterator[tuple[int, int]]:
    """The (start, end) of the data of each stream that may be Flate-compressed: from the line
    after a ``stream`` keyword to the next ``endstream``. One pass: each search starts where
    the previous one stopped (a stream's data is never searched for another stream), so the
    bytes looked at add up to at most twice the file's size, whatever its structure; a
    stream without ``endstream`` ends the scan (no later one could be closed either)."""
    position = 0
    while True:
        keyword = _PDF_FLATE_STREAM.search(content, position)
        if keyword is None:
            return
        start = keyword.end()
        end = content.find(b"endstream", start)
        if end < 0:
            return
        yield start, end
        position = end + len(b"endstream")


def pdf_forbidden_names(content: Content) -> set[str]:
    """The forbidden name tokens found in the PDF's bytes and in its Flate streams. Time
    linear in the size of the file, decompression bounded by PDF_SCAN_BUDGET_BYTES."""
    found: set[str] = set()
    budget = PDF_SCAN_BUDGET_BYTES

    def scan(data: Content) -> None:
        for raw in _PDF_NAME.findall(data):
            name = _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
            if name in PDF_FORBIDDEN_NAMES:
                found.add(name.decode())

    scan(content)
    view = memoryview(content)
    for start, end in pdf_flate_spans(content):
        if budget <= 0:
            break
        try:
            data = zlib.decompressobj().decompress(view[start:end], budget)
        except zlib.error:
            data = b""  # damaged: its raw bytes were scanned above
        budget -= max(len(data), PDF_SCAN_COST_PER_STREAM)
        scan(data)
    view.release()
    return found


def check_pdf(content: Content) -> None:
    found = pdf_forbidden_names(content)
    if found:
        raise ValidationError(
            _(
                "Ce PDF contient du contenu actif ou des fichiers incorporés (%(names)s) : il est "
                "refusé. Enregistrez-le à nouveau en PDF simple (par exemple « Imprimer en PDF »)."
            )
            % {"names": ", ".join(f"/{name}" for name in sorted(found))},
            code="pdf_active",
        )


# --- Antivirus (ClamAV daemon) ------------------------------------------------------------

CLAMAV_CHUNK_BYTES = CHUNK_BYTES


class ScanUnavailable(Exception):
    """The daemon could not give a verdict (down, timeout, unexpected answer)."""


class ScanLimitExceeded(ScanUnavailable):
    """The daemon refused to read the whole file (above its StreamMaxLength)."""


def _clamav_socket(url: str, timeout: float) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    if parts.scheme == "unix" and parts.path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(parts.path)
        except OSError:
            sock.close()
            raise
        return sock
    raise ScanUnavailable(f"CLAMAV_URL must be tcp://host:port or unix:///path, got {url!r}")


def _read_reply(sock: socket.socket) -> bytes:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < 4096:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").strip()


def clamav_scan(content: Content, url: str, timeout: float) -> str | None:
    """Stream ``content`` to clamd (INSTREAM). None: clean; else the signature found.
    Raise ScanUnavailable (or ScanLimitExceeded) when there is no verdict."""
    try:
        with _clamav_socket(url, timeout) as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(content), CLAMAV_CHUNK_BYTES):
                    chunk = content[start : start + CLAMAV_CHUNK_BYTES]
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
            except OSError:
                # clamd closes the stream once it is above StreamMaxLength: its reason
                # may still be readable.
                reply = _read_reply(sock)
                if b"size limit exceeded" in reply:
                    raise ScanLimitExceeded(reply.decode("ascii", "replace")) from None
                raise
            reply = _read_reply(sock)
    except OSError as exc:
        raise ScanUnavailable(str(exc)) from exc
    text = reply.decode("utf-8", "replace")
    if text == "stream: OK":
        return None
    if text.startswith("stream: ") and text.endswith(" FOUND"):
        return text[len("stream: ") : -len(" FOUND")]
    if "size limit exceeded" in text:
        raise ScanLimitExceeded(text)
    raise ScanUnavailable(f"unexpected answer from clamd: {text[:200]!r}")


def check_antivirus(content: Content) -> None:
    """Scan with the configured ClamAV daemon, if any; refuse (ValidationError, French) a
    flagged file and, failing closed, a file that could not be scanned."""
    url = getattr(settings, "CLAMAV_URL", "")
    if not url:
        return
    sha256 = _sha256(content)
    try:
        signature = clamav_scan(content, url, getattr(settings, "CLAMAV_TIMEOUT_SECONDS", 30))
    except ScanLimitExceeded:
        logger.warning("Upload refused: above the antivirus scan limit (sha256 %s)", sha256)
        raise ValidationError(
            _(
                "Le fichier est trop volumineux pour être analysé par l'antivirus : il est "
                "refusé. Réduisez sa taille (par exemple en le découpant) puis réessayez."
            ),
            code="antivirus_limit",
        ) from None
    except ScanUnavailable as exc:
        logger.error("Upload refused: antivirus unavailable (%s)", exc)
        raise ValidationError(
            _(
                "Le fichier n'a pas pu être vérifié par l'antivirus, qui est momentanément "
                "indisponible : il n'est pas enregistré. Réessayez dans quelques minutes."
            ),
            code="antivirus_unavailable",
        ) from None
    if signature is not None:
        logger.warning("Upload refused: antivirus found %s (sha256 %s)", signature, sha256)
        raise ValidationError(
            _(
                "L'antivirus a détecté un contenu malveillant dans ce fichier (%(signature)s) : "
                "il est refusé."
            )
            % {"signature": signature},
            code="antivirus_found",
        )


# --- Storing and removing ------------------------------------------------------------------


class AttachmentRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _store(
    request: DerogationRequest,
    checked: CheckedFile,
    category: str,
    actor: User,
    complement_answer: AuditEntry | None = None,
) -> Attachment:
    attachment = Attachment(
        request=request,
        category=category,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
        complement_answer=complement_answer,
    )
    # Written before the row: if the transaction rolls back, an unreferenced file may stay
    # in storage (harmless, never served: only rows are served).
    checked.upload.seek(0)
    attachment.file.save("upload", checked.upload, save=False)  # copied in chunks
    attachment.save()
    return attachment


def add_to_draft(
    request: DerogationRequest, checked: CheckedFile, category: str, actor: User
) -> Attachment:
    """Attach a checked file to a draft (see add_files_to_draft)."""
    return add_files_to_draft(request, [checked], category, actor)[0]


def add_files_to_draft(
    request: DerogationRequest, files: list[CheckedFile], category: str, actor: User
) -> list[Attachment]:
    """Attach checked files to a draft, all or none (row locked: a file submitted meanwhile
    refuses them, and two uploads at once cannot both pass the draft's byte limit)."""
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != Status.DRAFT:
            raise AttachmentRefused(
                _("La demande est déposée : ses pièces ne peuvent plus être modifiées.")
            )
        stored = stored_bytes(locked)
        if stored + sum(checked.size for checked in files) > draft_limit():
            raise AttachmentRefused(_draft_full(stored).messages[0])
        return [_store(locked, checked, category, actor) for checked in files]


def delete_from_draft(attachment: Attachment) -> None:
    """Remove a document from a draft (never once the request is submitted)."""
    with transaction.atomic():
        locked = DerogationRequest.objects.select_for_update().get(pk=attachment.request_id)
        if locked.status != Status.DRAFT:
            raise AttachmentRefused(
                _("La demande est déposée : ses pièces ne peuvent plus être modifiées.")
            )
        deleted, _rows = Attachment.objects.filter(pk=attachment.pk).delete()
        if deleted:
            name = attachment.file.name
            storage = attachment.file.storage
            transaction.on_commit(lambda: storage.delete(name))


def answer_complements(
    request: DerogationRequest,
    actor: User,
    answer: str,
    files: list[CheckedFile],
    category: str,
) -> DerogationRequest:
    """The operator's answer to a complement request, with its documents, in one transaction."""
    with transaction.atomic():
        answered = lifecycle.answer_complements(request, actor, answer)
        entry = (
            AuditEntry.objects.filter(request=answered, action="answer_complements")
            .order_by("-created_at", "-pk")
            .first()
        )
        for checked in files:
            _store(answered, checked, category, actor, complement_answer=entry)
    return answered

"""Every content check of derogations/uploads.py, fed random and adversarial structures
(hypothesis): it raises nothing but ValidationError, and its work is linear in the file's
size. Work is counted (bytes looked at by the stream scan), never timed."""

import hashlib
import io
import zipfile
import zlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from derogations import uploads
from tests import hostile  # noqa: F401  (loads the hypothesis profile)

# Pieces a hostile PDF (or polyglot) is built from: keywords without their partner,
# line breaks of every kind, forbidden names plain and hex-escaped, Flate data, ZIP and
# markup signatures.
_PIECES = [
    b"stream",
    b"stream\n",
    b"stream\r\n",
    b"stream\r",
    b"endstream",
    b"endstream\n",
    b"\n",
    b"\r\n",
    b"obj",
    b"endobj",
    b"/JS",
    b"/J#53",
    b"/JavaScript",
    b"/OpenAction",
    b"/Type /Page",
    b"#4",
    b"/",
    b"A" * 100,
    zlib.compress(b"/JavaScript (x)"),
    zlib.compress(b"q 1 0 0 1 0 0 cm Q"),
    b"x\x9c",
    b"PK\x03\x04",
    b"PK\x05\x06" + b"\x00" * 18,
    b"<script>",
    b"%%EOF",
]
_HEADERS = [
    b"%PDF-1.4\n",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    uploads.OLE_MAGIC,
    b"PK\x03\x04",
    b"",
]
_NAMES = ["f.pdf", "f.png", "f.jpg", "f.doc", "f.xls", "f.docx", "f.odt", "f"]

structured = st.builds(
    lambda header, pieces: header + b"".join(pieces),
    st.sampled_from(_HEADERS),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=64)), max_size=200),
)


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


zips = st.builds(
    _zip,
    st.lists(
        st.tuples(
            st.sampled_from(["mimetype", "[Content_Types].xml", "word/d.xml", "xl/w.xml", "a"]),
            st.one_of(st.sampled_from([uploads.ODT.encode(), b"\x00" * 5000]), st.binary()),
        ),
        max_size=5,
        unique_by=lambda entry: entry[0],
    ),
)


class CountingBytes(bytes):
    """bytes that add up how many bytes each find() looked at."""

    looked_at = 0

    def find(self, sub, start=0, end=None):  # type: ignore[override]
        found = super().find(sub, start)
        self.looked_at += (found + len(sub) if found >= 0 else len(self)) - start
        return found


class CountingPattern:
    """A compiled pattern whose search() adds up the bytes it looked at in ``counted``."""

    def __init__(self, pattern, counted: CountingBytes) -> None:
        self.pattern, self.counted = pattern, counted

    def search(self, content, position):
        match = self.pattern.search(content, position)
        self.counted.looked_at += (match.end() if match else len(content)) - position
        return match


def _stream_scan_work(content: bytes, monkeypatch) -> int:
    counted = CountingBytes(content)
    with monkeypatch.context() as patch:
        patch.setattr(
            uploads, "_PDF_FLATE_STREAM", CountingPattern(uploads._PDF_FLATE_STREAM, counted)
        )
        list(uploads.pdf_flate_spans(counted))
    return counted.looked_at


@given(
    content=st.one_of(structured, zips, st.binary(max_size=2000)),
    name=st.sampled_from(_NAMES),
    on_disk=st.booleans(),
)
def test_every_check_raises_only_validation_errors(content, name, on_disk):
    """In memory and on disk (a temporary file, which the checks map read-only)."""
    if on_disk:
        upload = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
        upload.write(content)
    else:
        upload = SimpleUploadedFile(name, content)
    try:
        checked = uploads.check_upload(upload)
    except ValidationError:
        pass
    else:
        assert checked.size == len(content)
        assert checked.sha256 == hashlib.sha256(content).hexdigest()
    finally:
        upload.close()
    try:
        uploads.check_pdf(content)
        uploads.check_polyglot(content, uploads.PDF)
    except ValidationError:
        pass


@given(content=structured)
def test_the_stream_scan_looks_at_each_byte_at_most_twice(content, monkeypatch):
    assert _stream_scan_work(content, monkeypatch) <= 2 * len(content) + 64


def test_streams_without_endstream_do_not_make_the_scan_quadratic(monkeypatch):
    # The file of the issue (0.43 MB, 31 s of a web worker before), and a 10× larger one.
    for repeat in (4000, 40000):
        crafted = b"%PDF-1.4\n" + (b"stream\nx\x9c" + b"A" * 100) * repeat
        assert _stream_scan_work(crafted, monkeypatch) <= 2 * len(crafted)
    # Many small streams, all closed: each byte is still looked at once.
    many = b"%PDF-1.4\n" + b"stream\nx\x9cAB\nendstream\n" * 10000
    assert _stream_scan_work(many, monkeypatch) <= len(many)
    assert len(list(uploads.pdf_flate_spans(many))) == 10000


@given(content=structured)
def test_the_spans_are_stream_data_in_order(content):
    previous_end = 0
    for start, end in uploads.pdf_flate_spans(content):
        assert previous_end <= start <= end
        assert content[:start].endswith((b"stream\n", b"stream\r\n"))
        assert content[end:].startswith(b"endstream")
        assert content[start : start + 2] in uploads._ZLIB_HEADERS
        previous_end = end + len(b"endstream")


def test_a_million_tiny_streams_cost_a_bounded_number_of_decompressions(monkeypatch):
    attempts = []
    real = zlib.decompressobj
    monkeypatch.setattr(uploads.zlib, "decompressobj", lambda: attempts.append(1) or real())
    tiny = b"%PDF-1.4\n" + b"stream\n" + zlib.compress(b"q") + b"\nendstream\n" * 1
    content = tiny + (b"stream\n" + zlib.compress(b"q") + b"\nendstream\n") * 200_000
    assert uploads.pdf_forbidden_names(content) == set()
    limit = uploads.PDF_SCAN_BUDGET_BYTES // uploads.PDF_SCAN_COST_PER_STREAM
    assert len(attempts) <= limit + 1 < 200_000


def test_javascript_in_a_flate_stream_after_ordinary_streams_is_found():
    hidden = b"stream\n" + zlib.compress(b"<< /S /JavaScript /JS (x) >>") + b"\nendstream\n"
    plain = b"stream\nBT (texte) Tj ET\nendstream\n"
    content = b"%PDF-1.4\n" + plain * 50 + hidden
    assert uploads.pdf_forbidden_names(content) == {"JavaScript", "JS"}


def test_a_forbidden_name_after_an_unclosed_stream_is_still_found_in_the_raw_bytes():
    content = b"%PDF-1.4\nstream\nAAA" + b"/JavaScript"
    assert uploads.pdf_forbidden_names(content) == {"JavaScript"}

"""Target uploads: the content checks of an attachment (derogations.uploads.check_upload,
antivirus off) on a crafted PDF of 20 MB against a normal PDF of 20 MB. Bound: crafted ≤ 2 ×
normal. Needs no data: ``bash bench/run.sh --targets uploads`` runs it without generating any.

Normal: 20 MB of pages, half compressed (Flate) content streams of text operators, half
image streams (incompressible bytes, DCT). Crafted, one series per structure: ``stream``
keywords without ``endstream`` (the issue's file, which held a worker 31 s at 0.43 MB), as
many tiny closed streams as fit, and as many tiny valid Flate streams (each one a
decompression attempt, up to the scan's budget).
"""

import random
import statistics
import time
import zlib

from bench.measure import Row, yes_no

from . import Context

# Measured without generating the data of the other targets (bench/run.py).
NEEDS_DATA = False
SIZE = 20 * 1024 * 1024
BOUND = 2.0


def normal_pdf(size: int = SIZE) -> bytes:
    rng = random.Random(8)  # noqa: S311  (reproducible filler, not a secret)
    parts, number = [b"%PDF-1.7\n"], 1
    total = len(parts[0])
    while total < size - 200_000:
        if number % 2:
            text = b"".join(
                b"BT /F1 11 Tf 72 %d Td (Ligne %d du rapport de performance) Tj ET\n"
                % (rng.randrange(800), rng.randrange(10**6))
                for _ in range(2000)
            )
            data, filters = zlib.compress(text), b"/FlateDecode"
        else:
            data, filters = rng.randbytes(150_000), b"/DCTDecode"
        part = b"%d 0 obj\n<< /Length %d /Filter %s >>\nstream\n%s\nendstream\nendobj\n" % (
            number,
            len(data),
            filters,
            data,
        )
        parts.append(part)
        total += len(part)
        number += 1
    parts.append(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
    return b"".join(parts)


def crafted_unclosed(size: int = SIZE) -> bytes:
    return b"%PDF-1.4\n" + (b"stream\n" + b"A" * 100) * (size // 107)


def crafted_tiny_streams(size: int = SIZE) -> bytes:
    return b"%PDF-1.4\n" + b"stream\nx\nendstream\n" * (size // 19)


def crafted_tiny_flate_streams(size: int = SIZE) -> bytes:
    stream = b"stream\n" + zlib.compress(b"q") + b"\nendstream\n"
    return b"%PDF-1.4\n" + stream * (size // len(stream))


def _median_ms(content: bytes, repeat: int) -> float:
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from derogations import uploads

    times = []
    with override_settings(CLAMAV_URL="", PORTAL_MAX_UPLOAD_BYTES=SIZE + 1024 * 1024):
        for _ in range(repeat):
            upload = SimpleUploadedFile("bench.pdf", content)
            before = time.perf_counter()
            try:
                uploads.check_upload(upload)
            except ValidationError:
                pass
            times.append((time.perf_counter() - before) * 1000)
    return statistics.median(times)


def measure(repeat: int = 5) -> list[Row]:
    normal = _median_ms(normal_pdf(), repeat)
    rows = []
    for label, content in (
        ("stream without endstream", crafted_unclosed()),
        ("tiny closed streams", crafted_tiny_streams()),
        ("tiny Flate streams", crafted_tiny_flate_streams()),
    ):
        crafted = _median_ms(content, repeat)
        ratio = crafted / normal
        rows.append(
            Row(
                f"uploads: crafted PDF 20 MB ({label})",
                f"{crafted:.0f} ms = {ratio:.2f} × normal PDF 20 MB ({normal:.0f} ms)",
                f"≤ {BOUND:g} ×",
                yes_no(ratio <= BOUND),
            )
        )
    return rows


def run(ctx: Context) -> list[Row]:
    return measure(max(3, ctx.repeat // 3))

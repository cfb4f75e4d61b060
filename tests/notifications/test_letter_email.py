"""The letter's attachment is encoded once per act and shared by its copies' emails: the
bytes sent must be those Django would have produced for each copy on its own."""

import os
import re
from email import message_from_bytes, policy

from django.core.mail import EmailMessage, EmailMultiAlternatives

from notifications.emails import LetterEmail, LetterPdf

HEADERS = {"Message-ID": "<letter-1-2@test>", "Date": "Mon, 30 Nov 2026 10:00:00 -0000"}
BOUNDARY = re.compile(rb"=+\d+==")


def _fields(recipient: str) -> dict[str, object]:
    return {
        "subject": "[ANSM] DER-2026-0001 — Levée",
        "body": "Bonjour,\n\nVous trouverez ci-joint le courrier (é, à, «  »).\n",
        "from_email": "portail@ansm.test",
        "to": [recipient],
        "headers": HEADERS,
    }


def test_shared_letter_part_gives_the_bytes_django_gives_for_each_copy():
    pdf = b"%PDF-1.7\n" + os.urandom(37_000)
    letter = LetterPdf("DER-2026-0001-lifting.pdf", pdf)
    for recipient in ("a@example.test", "b@example.test"):
        plain = EmailMessage(**_fields(recipient))
        plain.attach(letter.filename, pdf, "application/pdf")
        shared = LetterEmail(**_fields(recipient), letter=letter)
        for linesep in ("\r\n", "\n"):
            expected = plain.message().as_bytes(linesep=linesep)
            sent = shared.message().as_bytes(linesep=linesep)
            assert BOUNDARY.sub(b"B", sent) == BOUNDARY.sub(b"B", expected)
        parsed = message_from_bytes(sent, policy=policy.default)
        (attachment,) = parsed.iter_attachments()
        assert attachment.get_filename() == letter.filename
        assert attachment.get_content() == pdf
        assert parsed["To"] == recipient
        # locmem readers still see the (name, content, mimetype) of any attachment
        assert shared.attachments == [(letter.filename, pdf, "application/pdf")]


def test_other_attachments_are_encoded_as_usual():
    letter = LetterPdf("DER-lifting.pdf", b"%PDF-1.7 letter")
    email = LetterEmail(**_fields("a@example.test"), letter=letter)
    email.attach("annexe.pdf", b"%PDF-1.7 annex", "application/pdf")
    parsed = message_from_bytes(email.message().as_bytes(), policy=policy.default)
    contents = [part.get_content() for part in parsed.iter_attachments()]
    assert contents == [b"%PDF-1.7 letter", b"%PDF-1.7 annex"]


def test_with_an_html_part_the_letter_follows_the_text_and_html_alternatives():
    pdf = b"%PDF-1.7\n" + os.urandom(5_000)
    letter = LetterPdf("DER-2026-0001-grant.pdf", pdf)
    page = '<!DOCTYPE html><html lang="fr"><p>Bonjour,</p></html>'
    plain = EmailMultiAlternatives(**_fields("a@example.test"))
    plain.attach_alternative(page, "text/html")
    plain.attach(letter.filename, pdf, "application/pdf")
    shared = LetterEmail(**_fields("a@example.test"), letter=letter)
    shared.attach_alternative(page, "text/html")
    expected = plain.message().as_bytes(linesep="\r\n")
    sent = shared.message().as_bytes(linesep="\r\n")
    assert BOUNDARY.sub(b"B", sent) == BOUNDARY.sub(b"B", expected)
    parsed = message_from_bytes(sent, policy=policy.default)
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert kinds == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf"
    ]  # fmt: skip

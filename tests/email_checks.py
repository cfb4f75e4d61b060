"""Checks shared by the tests of every kind of email (unit tests read Django's outbox,
integration tests the SMTP sink): the headers each email of the portal carries
(config.mail), its parts (text, then HTML), the HTML's well-formedness, and that the HTML
has the text's links and escapes user text."""

import datetime
import email
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage as MimeMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage

PARIS = ZoneInfo("Europe/Paris")
URL = re.compile(r"https?://[^\s<>\"]+")
VOID = {"br", "hr", "img", "meta", "link", "input"}


class _Checker(HTMLParser):
    """Well-formed: every element closed in order; collects what the checks look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}
        self.lang: str | None = None
        self.title = ""
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "a":
            self.links.append((values.get("href") or "", ""))
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if "title" in self.open:
            self.title += data
        if "a" in self.open:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


@dataclass
class Checked:
    message: MimeMessage
    text: str
    html: str
    links: list[tuple[str, str]] = field(default_factory=list)


def mime(message: EmailMessage | MimeMessage) -> MimeMessage:
    """The message as it goes on the wire, parsed back."""
    if isinstance(message, EmailMessage):
        message = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    return message  # type: ignore[return-value]


def check_email(
    message: EmailMessage | MimeMessage, *, language: str = "fr", hostile: tuple[str, ...] = ()
) -> Checked:
    parsed = mime(message)
    # Headers: Paris time with its real offset, automatic (RFC 3834).
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert not parsed["Date"].endswith("-0000"), parsed["Date"]
    date = parsedate_to_datetime(parsed["Date"])
    assert date.utcoffset() == date.astimezone(PARIS).utcoffset(), parsed["Date"]
    now = datetime.datetime.now(tz=PARIS)
    assert abs(now - date) < datetime.timedelta(minutes=10), (now, parsed["Date"])
    # multipart/alternative: the text, then the HTML.
    (alternative,) = [p for p in parsed.walk() if p.get_content_type() == "multipart/alternative"]
    parts = list(alternative.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text, page = parts[0].get_content(), parts[1].get_content()
    # The HTML: well-formed, a language, a title, one heading, links that say where.
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.doctype and not checker.errors and not checker.open, (checker.errors, page)
    assert checker.lang == language
    assert checker.title.strip() == parsed["Subject"].strip(), (checker.title, parsed["Subject"])
    assert checker.counts.get("h1") == 1
    for href, label in checker.links:
        assert label.strip() and not URL.match(label.strip()), (href, label)
    # The same links in both parts.
    assert {href for href, _label in checker.links} == set(URL.findall(text))
    # User text: as typed in the text, escaped in the HTML.
    for value in hostile:
        assert value in text
        assert value not in page and html.escape(value, quote=False) in page, value
    return Checked(parsed, text, page, checker.links)

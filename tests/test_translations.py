"""Every text the Jinja2 partials translate has its English translation. Django's
makemessages reads them as Django templates: a `_()` inside a block tag (`{% set columns =
[{"label": _("Type")}] %}`, `{% call table(_("…")) %}`) is not extracted, so a new text
written there would reach English readers in French without this check. Jinja's own
extraction (`Environment.extract_translations`) reads every call."""

import ast
import re
from pathlib import Path

from django.template import engines

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "locale/en/LC_MESSAGES/django.po"
FUNCTIONS = ("_", "gettext", "ngettext")


def english_catalogue(text: str) -> dict[str, str]:
    """msgid → msgstr of a .po file's entries; a plural entry gives two: its msgid with
    msgstr[0], its msgid_plural with msgstr[1]."""

    def joined(group: str | None) -> str:
        return "".join(ast.literal_eval(line) for line in (group or "").splitlines())

    entries = {}
    pattern = re.compile(
        r'^msgid ((?:".*"\n)+)(?:msgid_plural ((?:".*"\n)+))?'
        r'msgstr(?:\[0\])? ((?:".*"\n)+)(?:msgstr\[1\] ((?:".*"\n)+))?',
        re.MULTILINE,
    )
    for match in pattern.finditer(text):
        msgid, plural, msgstr, msgstr_plural = (joined(group) for group in match.groups())
        entries[msgid] = msgstr
        if plural:
            entries[plural] = msgstr_plural
    return entries


def jinja_messages() -> list[tuple[str, int, str]]:
    """(template, line, text) of every translated text of the Jinja2 templates."""
    environment = engines["jinja2"].env  # type: ignore[attr-defined]
    found = []
    for path in sorted(ROOT.glob("*/jinja2/**/*.html")):
        source = path.read_text(encoding="utf-8")
        for line, _function, message in environment.extract_translations(
            source, gettext_functions=FUNCTIONS
        ):
            texts = message if isinstance(message, tuple) else (message,)
            found += [(str(path.relative_to(ROOT)), line, text) for text in texts if text]
    return found


def test_every_jinja_text_has_its_english_translation():
    catalogue = english_catalogue(ENGLISH.read_text(encoding="utf-8"))
    messages = jinja_messages()
    assert len(messages) > 50  # the partials were read
    missing = [
        f"{where}:{line}: {text!r}" for where, line, text in messages if not catalogue.get(text)
    ]
    assert not missing, "not in locale/en (add them to the catalogue):\n" + "\n".join(missing)


def test_the_check_sees_a_text_in_a_block_tag():
    """The case makemessages misses: a call inside `{% set %}`, and a plural."""
    environment = engines["jinja2"].env  # type: ignore[attr-defined]
    source = '{% set x = [_("Absent du catalogue")] %}{{ ngettext("%(n)s un", "%(n)s deux", n) }}'
    found = [m for _l, _f, m in environment.extract_translations(source, FUNCTIONS)]
    assert found == ["Absent du catalogue", ("%(n)s un", "%(n)s deux", None)]
    catalogue = english_catalogue(ENGLISH.read_text(encoding="utf-8"))
    assert "Absent du catalogue" not in catalogue
    assert catalogue["Référence"] == "Reference"
    assert catalogue["%(n)s dossiers"] == "%(n)s files"

"""Widgets that render the same HTML as Django's, faster.

Django's Select renders every <option> through a template include; a filter with
hundreds of operators then costs tens of milliseconds per page (issue 8 measured it).
"""

import functools
import html
import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    """forms.Select written out in Python: the markup of django/forms/widgets/select.html
    (optgroups included, whitespace aside) without building a context and including a
    template for every option."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        selected = set(self.format_value(value))
        parts = []
        choices: Any = self.choices
        if isinstance(choices, PreparedChoices) and choices.shared:
            # A long shared list (the queue's operators) none of which is selected: its
            # options are the same bytes on every page, written once per process.
            shared_values = {value for value, _label in choices.shared}
            if not selected & shared_values:
                parts = [_option(v, label, selected) for v, label in choices.pairs]
                parts.append(_options_html(choices.shared))
                choices = ()
        for option_value, label in choices:
            if isinstance(label, list | tuple):
                options = "".join(_option(v, sub, selected) for v, sub in label)
                parts.append(f'<optgroup label="{escape(option_value)}">{options}</optgroup>')
            else:
                parts.append(_option(option_value, label, selected))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            SafeString("".join(parts)),
        )


def escape(text: Any) -> str:
    """conditional_escape without its lazy-string wrapper, which costs more than the escaping
    itself when called for every option of a long list; a text with nothing to escape (most
    of them) is returned as it is."""
    if hasattr(text, "__html__"):
        return text.__html__()
    text = str(text)
    if _TO_ESCAPE.search(text) is None:
        return text
    return html.escape(text)


_TO_ESCAPE = re.compile("[&<>\"']")


def _option(value: Any, label: Any, selected: set[str]) -> str:
    text = "" if value is None else str(value)
    chosen = " selected" if text in selected else ""
    return f'<option value="{escape(text)}"{chosen}>{escape(label)}</option>'


class PreparedChoices(BaseChoiceIterator):
    """(value, label) pairs already in the form Django normalises choices to: a
    ChoiceField takes them as they are (assigning a plain list walks and copies every
    pair, ~1 ms for 500 operators on each page of the queue). ``shared``: a long tuple of
    plain-text pairs that follows them, the same on many pages (QuickSelect writes its
    options once)."""

    def __init__(
        self, pairs: list[tuple[str, Any]], shared: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.pairs, self.shared = pairs, shared

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield from self.pairs
        yield from self.shared

    def __len__(self) -> int:
        return len(self.pairs) + len(self.shared)


@functools.lru_cache(maxsize=16)
def _options_html(pairs: tuple[tuple[str, str], ...]) -> str:
    return "".join(_option(value, label, set()) for value, label in pairs)


def filter_form_helper(*rows: Any) -> Any:
    """The crispy helper of a list's filter form (GET): the page writes the <form
    method="get"> tag and its buttons around the fields, so no tag and no CSRF token."""
    from crispy_forms.helper import FormHelper
    from crispy_forms.layout import Layout

    helper = FormHelper()
    helper.form_method = "get"
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*rows)
    return helper

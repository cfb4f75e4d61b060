"""The GET filter forms of the lists, written in Python (issue 8).

``{% crispy form %}`` renders every field through several nested template includes of the
``dsfr_crispy`` pack (field.html, help_text.html, field_errors.html, the widget's own
templates): about 8 ms for the queue's ten filters. ``render_filter_form`` writes the same
markup (whitespace between tags aside) from the same field data (``dsfr_forms.field_info``)
for the layouts the filter forms use: a ``Layout`` of ``Row``s of ``Column``s of field names
(``derogations.widgets.filter_form_helper``). Anything else is refused with an error rather
than rendered differently. tests/accounts/test_filter_forms.py compares both outputs.
"""

import hashlib
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.forms.boundfield import BoundField
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe

from accounts.templatetags.dsfr_forms import dsfr_column_class, dsfr_has_required, field_info

# The helper settings this renderer writes; filter_form_helper leaves them at these values.
_HELPER_SETTINGS = {
    "form_tag": False,
    "inputs": [],
    "template": None,
    "field_template": None,
    "form_show_labels": True,
    "label_class": "",
    "field_class": "",
    "render_unmentioned_fields": False,
    "render_hidden_fields": False,
    "render_required_fields": False,
}

_REQUIRED_MARKER = '<span class="portal-required">&nbsp;*</span>'


# How long a filter form's markup is kept (per process) when its form says what it depends
# on (``render_version``); its inputs are in the key, so this only bounds memory.
RENDERED_SECONDS = 60


def render_filter_form(form: forms.BaseForm) -> SafeString:
    """What ``{% crispy form %}`` writes for a filter form, without the template includes.

    A form with a ``render_version`` (a text that changes whenever its choices change) is
    written once per language, input and version and then read from the cache: the queue's
    filter with 500 operators costs 1.4 ms to write, a tenth of its page."""
    version = getattr(form, "render_version", None)
    if version is None:
        return _render_form(form)
    key = _cache_key(form, version)
    found = cache.get(key)
    if found is None:
        found = str(_render_form(form))
        cache.set(key, found, RENDERED_SECONDS)
    return mark_safe(found)  # noqa: S308 - written by _render_form, every part escaped


def _cache_key(form: forms.BaseForm, version: str) -> str:
    """Everything the markup depends on: the form, the language, its choices' version and
    what was typed in each of its fields (the errors shown follow from it)."""
    if form.is_bound:
        data = form.data
        read = data.getlist if hasattr(data, "getlist") else data.get  # QueryDict or dict
        typed = [(name, read(form.add_prefix(name))) for name in form.fields]
    else:
        typed = [("", [repr(form.initial)])]
    digest = hashlib.sha256(repr(typed).encode()).hexdigest()
    kind = f"{type(form).__module__}.{type(form).__qualname__}"
    prefix = form.prefix or ""
    return f"filter-form:{kind}:{prefix}:{translation.get_language()}:{version}:{digest}"


def _render_form(form: forms.BaseForm) -> SafeString:
    helper = _filter_helper(form)
    parts: list[str] = []
    if helper.include_media:
        parts.append(str(form.media))
    show_errors = helper.form_show_errors is not False
    if show_errors and form.errors:
        # Only when the form has errors: the template keeps the summary's wording in one place.
        parts.append(
            render_to_string(
                "dsfr_crispy/errors.html",
                {"form": form, "form_error_title": helper.form_error_title.strip()},
            )
        )
    if dsfr_has_required(form):
        parts.append(render_to_string("dsfr_crispy/layout/required_notice.html", {"form": form}))
    rendered: set[str] = set()
    parts.extend(_render(item, form, show_errors, rendered) for item in helper.layout.fields)
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped where it is built


def _filter_helper(form: forms.BaseForm) -> FormHelper:
    helper = getattr(form, "helper", None)
    if not isinstance(helper, FormHelper) or type(helper.layout) is not Layout:
        raise ImproperlyConfigured(
            f"{type(form).__name__}: render_filter_form needs a helper with a Layout "
            "(derogations.widgets.filter_form_helper)."
        )
    for name, expected in _HELPER_SETTINGS.items():
        if getattr(helper, name, None) != expected:
            raise ImproperlyConfigured(
                f"{type(form).__name__}: render_filter_form writes the markup of a helper "
                f"with {name}={expected!r}, not {getattr(helper, name, None)!r}; "
                "use {% crispy %} for this form."
            )
    if getattr(helper, "template_pack", None) not in (None, "dsfr_crispy"):
        raise ImproperlyConfigured(
            f"{type(form).__name__}: render_filter_form writes the dsfr_crispy pack only."
        )
    return helper


def _render(item: Any, form: forms.BaseForm, show_errors: bool, rendered: set[str]) -> str:
    if isinstance(item, str):
        if item in rendered:
            raise ImproperlyConfigured(f"{type(form).__name__}: field {item!r} laid out twice.")
        if item not in form.fields:
            raise ImproperlyConfigured(f"{type(form).__name__}: no field {item!r} to lay out.")
        rendered.add(item)
        return _render_field(form[item], show_errors)
    kind = type(item)
    if kind not in (Row, Column) or item.template != kind.template:
        raise ImproperlyConfigured(
            f"{type(form).__name__}: render_filter_form writes Row, Column and field names "
            f"only, not {kind.__name__}; use {{% crispy %}} for this form."
        )
    inner = "".join(_render(child, form, show_errors, rendered) for child in item.fields)
    if kind is Row:
        # dsfr_crispy/layout/row.html
        css_class = "fr-grid-row fr-grid-row--gutters"
        if item.css_class:
            css_class += f" {item.css_class}"
    else:
        # dsfr_crispy/layout/column.html
        css_class = dsfr_column_class(item.css_class)
    css_id = f' id="{esc(item.css_id)}"' if item.css_id else ""
    return f'<div class="{esc(css_class)}"{css_id}{item.flat_attrs or ""}>\n{inner}\n</div>\n'


def _render_field(field: BoundField, show_errors: bool) -> str:
    """dsfr_crispy/field.html for the kinds of fields a filter form has."""
    if field.is_hidden:
        return str(field)
    f = field_info(field, show_errors=show_errors, quick=True)
    if f["kind"] not in ("input", "select", "checkbox"):
        raise ImproperlyConfigured(
            f"{type(field.form).__name__}.{field.name}: render_filter_form writes text "
            f"inputs, selects and checkboxes, not a {f['kind']} field; use {{% crispy %}}."
        )
    group = f["group_class"]
    classes = [group]
    if f["kind"] == "checkbox":
        classes.append("portal-checkbox-field")
    if f["has_errors"]:
        classes.append(f"{group}--error")
    if f["disabled"] and f["kind"] != "checkbox":
        classes.append(f"{group}--disabled")
    css_classes = field.css_classes()
    if css_classes:
        classes.append(css_classes)
    label = (
        f'<label class="fr-label" for="{esc(f["label_for"])}">\n'
        f"{esc(field.label)}{_REQUIRED_MARKER if f['required'] else ''}\n"
        # help_text.html writes the help text with |safe: it is ours, never the user's.
        + (
            f'<span class="fr-hint-text" id="{esc(f["hint_id"])}">{field.help_text}</span>'
            if field.help_text
            else ""
        )
        + "\n</label>\n"
    )
    errors = "<br>".join(esc(error) for error in f["errors"])
    div = f'<div class="{esc(" ".join(classes))}" id="{esc(f["id"])}-group">\n'
    if f["kind"] == "checkbox":
        # field_errors_block.html
        messages = (
            f'<div class="fr-messages-group" id="{esc(f["id"])}-messages">'
            f'<p class="fr-message fr-message--error" id="{esc(f["error_id"])}">{errors}</p></div>'
            if f["has_errors"]
            else ""
        )
        return f"{div}{f['widget']}\n{label}{messages}\n</div>\n"
    # field_errors.html
    messages = (
        f'<p id="{esc(f["error_id"])}" class="fr-error-text">{errors}</p>'
        if f["has_errors"]
        else ""
    )
    return f"{div}{label}{f['widget']}\n{messages}\n</div>\n"

"""Template helpers for the ``dsfr_crispy`` crispy-forms template pack and the portal layout.

The pack's templates (``templates/dsfr_crispy/``) keep the markup; this module only works out
what a template cannot: the ids that tie a field to its hint and error messages, the classes a
widget needs, and the widget's HTML rendered by Django itself so that bound values (what the
user typed) are kept when a form comes back with errors.
"""

import copy
import re
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# HTML date and time inputs only accept ISO values: a localised value ("31/12/2025") would
# leave the input empty.
_ISO_FORMATS = {"date": "%Y-%m-%d", "datetime-local": "%Y-%m-%dT%H:%M", "time": "%H:%M"}

# crispy-forms' input objects carry Bootstrap classes (Submit: "btn btn-primary", Reset:
# "btn btn-inverse"...): they become DSFR button classes, any other class is kept.
_BUTTON_CLASSES = {
    "btn": "",
    "btn-primary": "",
    "btn-secondary": "fr-btn--secondary",
    "btn-inverse": "fr-btn--secondary",
    "btn-outline-primary": "fr-btn--secondary",
    "btn-outline-secondary": "fr-btn--tertiary",
    "btn-light": "fr-btn--tertiary",
    "btn-link": "fr-btn--tertiary-no-outline",
}

_ALERT_TYPES = {
    "alert-danger": "error",
    "alert-error": "error",
    "alert-success": "success",
    "alert-warning": "warning",
    "alert-info": "info",
}


def _base_id(field: BoundField) -> str:
    """The id of the field's widget, also the stem of its hint and error ids."""
    return field.field.widget.attrs.get("id") or field.auto_id or f"id_{field.html_name}"


def _kind(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


def _merge_classes(*groups: str) -> str:
    classes: list[str] = []
    for group in groups:
        for css_class in (group or "").split():
            if css_class not in classes:
                classes.append(css_class)
    return " ".join(classes)


def _input_type(widget: forms.Widget) -> str | None:
    return widget.attrs.get("type") or getattr(widget, "input_type", None)


def _render_widget(
    field: BoundField, css_class: str, described_by: list[str], *, quick: bool = False
) -> SafeString:
    """Render the field's widget like ``BoundField.as_widget`` with DSFR attributes added.

    The widget renders the bound value itself, so a value typed by the user is kept.
    ``aria-describedby`` is set here, never left to Django's default (which points to
    ``<id>_helptext``/``<id>_error`` elements this pack does not produce). ``quick`` writes
    a plain text input or checkbox in Python (``quick_input``) instead of through Django's
    widget templates.
    """
    widget = field.field.widget
    input_type = _input_type(widget)
    if "type" in widget.attrs and hasattr(widget, "input_type"):
        # A type added to the attrs after the widget was built (widget.attrs.update(
        # {"type": "email"})) would be written after Django's own type="text" and ignored.
        widget = copy.copy(widget)
        widget.attrs = {k: v for k, v in widget.attrs.items() if k != "type"}
        widget.input_type = input_type
    if input_type in _ISO_FORMATS and hasattr(widget, "format") and not widget.format:
        widget = copy.copy(widget)
        widget.format = _ISO_FORMATS[input_type]
    if field.field.localize:
        widget.is_localized = True

    attrs = field.build_widget_attrs({}, widget)
    attrs.pop("aria-describedby", None)
    own_described_by = widget.attrs.get("aria-describedby", "").split()
    ids = own_described_by + [i for i in described_by if i not in own_described_by]
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    classes = _merge_classes(widget.attrs.get("class", ""), css_class)
    if classes:
        attrs["class"] = classes
    if "id" not in widget.attrs:
        attrs.setdefault("id", _base_id(field))
    value = field.value()
    if quick:
        html = quick_input(widget, field.html_name, value, attrs)
        if html is not None:
            return html
    return widget.render(
        name=field.html_name,
        value=value,
        attrs=attrs,
        renderer=field.form.renderer,
    )


def _attrs_html(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False left out, True as a bare attribute."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


def quick_input(
    widget: forms.Widget, name: str, value: Any, attrs: dict[str, Any]
) -> SafeString | None:
    """The markup of ``widget.render(name, value, attrs)`` for a TextInput or a CheckboxInput
    that keeps Django's template (django/forms/widgets/input.html), written in Python; None
    for any other widget. Same attributes in the same order, same escaping."""
    kind = type(widget)
    if kind not in (forms.TextInput, forms.CheckboxInput) or not isinstance(widget, Input):
        return None
    if widget.template_name != kind.template_name:
        return None
    if isinstance(widget, forms.CheckboxInput) and widget.check_test(value):
        attrs = {**attrs, "checked": True}
    shown = widget.format_value(value)
    value_html = "" if shown is None else f' value="{conditional_escape(shown)}"'
    return mark_safe(  # noqa: S308 - every part is escaped above
        f'<input type="{conditional_escape(widget.input_type)}"'
        f' name="{conditional_escape(name)}"{value_html}'
        f"{_attrs_html(widget.build_attrs(widget.attrs, attrs))}>"
    )


def _render_option(data: dict[str, Any]) -> SafeString:
    """One radio button or checkbox of a choice widget (its label is written by the template)."""
    value = data.get("value")
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        data["type"],
        data["name"],
        format_html(' value="{}"', value) if value is not None else "",
        flatatt(data["attrs"]),
    )


def focus_id(field: BoundField) -> str:
    """The id of the element a link to this field should reach (first option of a group)."""
    if _kind(field) == "choices":
        subwidgets = field.subwidgets
        if subwidgets and subwidgets[0].id_for_label:
            return subwidgets[0].id_for_label
        return _base_id(field)
    return field.field.widget.id_for_label(_base_id(field)) or _base_id(field)


@register.simple_tag(takes_context=True)
def dsfr_field(context: template.Context, field: BoundField) -> dict[str, Any]:
    """Everything ``dsfr_crispy/field.html`` needs to write one field.

    Usage: ``{% dsfr_field field as f %}``. Reads ``form_show_errors``, ``inline_class``,
    ``crispy_prepended_text`` and ``crispy_appended_text`` from the context when present.
    """
    return field_info(
        field,
        show_errors=context.get("form_show_errors", True) is not False,
        prepended=context.get("crispy_prepended_text") or "",
        appended=context.get("crispy_appended_text") or "",
        inline=bool(context.get("inline_class")),
    )


def field_info(
    field: BoundField,
    *,
    show_errors: bool = True,
    prepended: str = "",
    appended: str = "",
    inline: bool = False,
    quick: bool = False,
) -> dict[str, Any]:
    """The ids, classes, errors and widget HTML of one field: what ``dsfr_field`` gives
    ``field.html``, and what ``accounts.filter_forms`` writes the same markup from (with
    ``quick`` widgets)."""
    kind = _kind(field)
    base = _base_id(field)
    errors = list(field.errors) if show_errors else []
    has_errors = bool(errors)
    hint_id = f"{base}-desc-hint" if field.help_text else ""
    error_id = f"{base}-desc-error" if has_errors else ""

    info: dict[str, Any] = {
        "kind": kind,
        "id": base,
        "label_for": focus_id(field),
        "hint_id": hint_id,
        "error_id": error_id,
        "errors": errors,
        "has_errors": has_errors,
        "required": field.field.required,
        "disabled": field.field.disabled,
        "prepended_id": f"{base}-prepended" if prepended else "",
        "appended_id": f"{base}-appended" if appended else "",
    }

    described_by = [i for i in (hint_id, error_id) if i]
    described_by += [i for i in (info["prepended_id"], info["appended_id"]) if i]

    if kind == "choices":
        info["legend_id"] = f"{base}-legend"
        info["messages_id"] = f"{base}-messages"
        info["labelledby"] = info["legend_id"] + (f" {info['messages_id']}" if has_errors else "")
        info["option_type"] = "radio" if field.field.widget.input_type == "radio" else "checkbox"
        info["inline"] = inline
        info["options"] = [
            {
                "tag": _render_option(subwidget.data),
                "id": subwidget.id_for_label,
                "label": subwidget.choice_label,
            }
            for subwidget in field.subwidgets
        ]
        return info

    if kind == "checkbox":
        info["group_class"] = "fr-checkbox-group"
        info["widget"] = _render_widget(field, "", described_by, quick=quick)
    elif kind == "select":
        info["group_class"] = "fr-select-group"
        info["widget"] = _render_widget(
            field,
            "fr-select fr-select--error" if has_errors else "fr-select",
            described_by,
            quick=quick,
        )
    elif kind == "file":
        info["group_class"] = "fr-upload-group"
        info["widget"] = _render_widget(field, "fr-upload", described_by)
    else:
        info["group_class"] = "fr-input-group"
        info["widget"] = _render_widget(
            field,
            "fr-input fr-input--error" if has_errors else "fr-input",
            described_by,
            quick=quick,
        )
    return info


@register.filter
def dsfr_error_summary(form: forms.BaseForm) -> list[dict[str, Any]]:
    """Every error of a form, in form order: non-field errors first (no link), then one
    item per field error with the id to link to."""
    items: list[dict[str, Any]] = [
        {"message": error, "label": "", "target": ""} for error in form.non_field_errors()
    ]
    for field in form:
        for error in field.errors:
            items.append(
                {
                    "message": error,
                    "label": field.label or field.name,
                    "target": "" if field.is_hidden else focus_id(field),
                }
            )
    return items


@register.filter
def dsfr_has_required(form: forms.BaseForm) -> bool:
    """True when a visible field of the form is required (the form then explains the marker)."""
    return any(field.field.required and not field.is_hidden for field in form)


@register.filter
def dsfr_button_classes(classes: str) -> str:
    """Turn crispy's Bootstrap input classes into DSFR button classes."""
    result = ["fr-btn"]
    for css_class in (classes or "").split():
        mapped = _BUTTON_CLASSES.get(css_class, css_class)
        if mapped and mapped not in result:
            result.append(mapped)
    return " ".join(result)


_CLASS_ATTR = re.compile(r'class="([^"]*)"')


@register.filter
def dsfr_button_attrs(flat_attrs: str) -> SafeString:
    """Same as ``dsfr_button_classes`` inside already flattened attributes (StrictButton)."""
    flat_attrs = str(flat_attrs or "")
    if _CLASS_ATTR.search(flat_attrs):
        flat_attrs = _CLASS_ATTR.sub(
            lambda match: f'class="{dsfr_button_classes(match.group(1))}"', flat_attrs, count=1
        )
    else:
        flat_attrs += ' class="fr-btn"'
    return mark_safe(flat_attrs)  # noqa: S308 - the input was already escaped by flatatt


@register.filter
def dsfr_alert_type(classes: str) -> str:
    """DSFR alert type (info, success, warning, error) for crispy's Bootstrap alert classes."""
    for css_class in (classes or "").split():
        if css_class in _ALERT_TYPES:
            return _ALERT_TYPES[css_class]
    return "info"


@register.filter
def dsfr_column_class(classes: str | None) -> str:
    """A column takes the classes it is given if they are DSFR grid classes, else ``fr-col``."""
    classes = classes or ""
    if "fr-col" in classes:
        return classes
    return _merge_classes("fr-col-12 fr-col-md", classes)


@register.filter
def startswith(value: object, prefix: object) -> bool:
    """``{% if request.path|startswith:url %}`` (for the current item of a menu)."""
    return bool(prefix) and str(value).startswith(str(prefix))


@register.filter
def message_alert_type(level_tag: str) -> str:
    """DSFR alert type for a ``django.contrib.messages`` level tag."""
    return level_tag if level_tag in {"success", "warning", "error"} else "info"


@register.simple_tag
def filter_form(form: forms.BaseForm) -> SafeString:
    """``{% filter_form form %}``: what ``{% crispy form %}`` writes for a list's GET filter
    form (``derogations.widgets.filter_form_helper``), rendered in Python."""
    # Imported here: accounts.filter_forms builds on this module's field_info.
    from accounts.filter_forms import render_filter_form

    return render_filter_form(form)

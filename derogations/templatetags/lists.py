from typing import Any

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja2(context: template.Context, template_name: str, **values: Any) -> SafeString:
    """``{% jinja2 "reviews/queue_table.html" page=page rows=rows %}``: a list's table
    rendered by the Jinja2 backend (the apps' jinja2/ folders, autoescaped) with ``values`` and the request
    (``csrf_input``, ``request``)."""
    partial = get_template(template_name, using="jinja2")
    html = partial.render(values, context.get("request"))
    return mark_safe(html)  # noqa: S308 - Jinja2 output, every value escaped by its autoescape

from typing import Any

from django import template
from django.core.paginator import Page

register = template.Library()


@register.inclusion_tag("lists/pagination.html", takes_context=True)
def pagination(context: template.Context, page: Page) -> dict[str, Any]:
    """``{% pagination page %}``: the DSFR pagination of a list, links keeping the page's
    other query parameters (``{% querystring %}``); past ``max_pages`` of a
    ``CappedPaginator``, a message asking to refine the search."""
    return {"page": page, "request": context["request"]}

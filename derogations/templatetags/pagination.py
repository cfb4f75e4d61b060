from django import template
from django.core.paginator import Page
from django.utils.safestring import SafeString

from derogations.paging import pagination_html

register = template.Library()


@register.simple_tag(takes_context=True)
def pagination(context: template.Context, page: Page) -> SafeString:
    """``{% pagination page %}``: the DSFR pagination of a list, links keeping the page's
    other query parameters (derogations.paging.pagination_html)."""
    return pagination_html(page, context["request"].GET)

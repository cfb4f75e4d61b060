from django import template
from django.utils.safestring import SafeString

from derogations import badges
from derogations.models import DerogationRequest

register = template.Library()


@register.simple_tag
def status_badge(status: str, label: object) -> SafeString:
    """``{% status_badge req.status req.get_status_display %}``"""
    return badges.status_badge(status, label)


@register.simple_tag
def request_badges(request: DerogationRequest) -> SafeString:
    """``{% request_badges req %}``: the items of a file's badges group (status, then the
    derogation's state with its end date)."""
    return badges.request_badges(request)


@register.simple_tag
def urgency_badge(request: DerogationRequest | None) -> SafeString:
    """``{% urgency_badge req %}``"""
    return badges.urgency_badge(request)

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
def urgency_badge(request: DerogationRequest | None) -> SafeString:
    """``{% urgency_badge req %}``"""
    return badges.urgency_badge(request)

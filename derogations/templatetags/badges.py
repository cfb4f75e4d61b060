from django import template
from django.utils.safestring import SafeString

from derogations import badges

register = template.Library()


@register.simple_tag
def status_badge(status: str, label: object) -> SafeString:
    """``{% status_badge req.status req.get_status_display %}``"""
    return badges.status_badge(status, label)


@register.simple_tag
def urgency_badge(request: object) -> SafeString:
    """``{% urgency_badge req %}``"""
    return badges.urgency_badge(request)

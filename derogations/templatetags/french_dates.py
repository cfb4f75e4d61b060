"""Dates written out in French, as an act states them: "1er juin 2027", "2 juin 2027"."""

import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def long_date(value: datetime.date | None) -> str:
    """``{{ decision.issued_at|long_date }}``: the day (the first one as an ordinal, "1er"),
    the month in words and the year, in the active language; a datetime is read in local
    time. Empty for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {formats.date_format(value, 'F Y')}"

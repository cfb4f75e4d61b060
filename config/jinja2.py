"""The Jinja2 environment of Django's Jinja2 backend (``TEMPLATES`` in config/settings).

Only the row partials of the long lists use it (``<app>/jinja2/``): the Django template language
costs about 0.2 ms a row of the queue, Jinja2 a fraction of it, both escaping every value.
The environment offers what those partials need: ``url`` and ``static``, Django's
translations (``_``, ``gettext``, ``ngettext`` through ``jinja2.ext.i18n``), the status and urgency
badges (derogations.badges, shared with the Django templates), ``day``
(dd/mm/yyyy in the current time zone, ``|date:"d/m/Y"``), and Django's ``date``,
``floatformat`` and ``truncatechars`` filters.
"""

from typing import Any

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment

from derogations.tables import day, shorten


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``{% url name arg %}``: ``url("reviews:file", req.pk)``."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def truncatechars(value: object, length: int) -> str:
    """``|truncatechars:length``: at most ``length`` characters, "…" included."""
    return shorten(value, length)


def environment(**options: Any) -> Environment:
    options.setdefault("extensions", [])
    options["extensions"] = [*options["extensions"], "jinja2.ext.i18n"]
    env = Environment(**options)  # noqa: S701 - the backend turns autoescape on (its default)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        {
            "url": url,
            "static": static,
        }
    )
    env.filters["day"] = day
    env.filters["truncatechars"] = truncatechars
    env.filters["date"] = defaultfilters.date
    env.filters["floatformat"] = defaultfilters.floatformat
    return env

"""The registry's Atom feed (RFC 4287): the acts issued on global derogations.

Built by django.contrib.syndication and written by its XML generator (nothing is
assembled as a string). Every text construct is sent as ``type="text"``: a device or
manufacturer name typed by an operator is shown by feed readers as text, never as markup.
Addresses and ids are built on PORTAL_BASE_URL, like the exports, never on the Host header.
"""

import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, rfc3339_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from derogations.enums import PUBLIC_ACT_KINDS, DecisionState, Kind
from derogations.models import Decision

FEED_SIZE = 50
TEXT = {"type": "text"}


def absolute(viewname: str, *args: object) -> str:
    return settings.PORTAL_BASE_URL + reverse(viewname, args=args)


def act_tag_uri(act: Decision) -> str:
    """A stable id for the act's entry (RFC 4151): the portal's host name, the year the act
    was issued, then the derogation's reference and the act."""
    host = urlsplit(settings.PORTAL_BASE_URL).hostname
    year = timezone.localtime(act.issued_at).year
    return f"tag:{host},{year}:derogation/{act.request.reference}/act/{act.pk}"


class TextAtom1Feed(Atom1Feed):
    """Atom 1.0 as Django writes it, with every text construct (title, subtitle, summary,
    rights) explicitly ``type="text"`` where Django sends summaries as ``type="html"``.
    Only the elements this feed uses are written."""

    def add_root_elements(self, handler: Any) -> None:
        feed = self.feed
        handler.addQuickElement("title", feed["title"], TEXT)
        if feed["subtitle"] is not None:
            handler.addQuickElement("subtitle", feed["subtitle"], TEXT)
        handler.addQuickElement("link", "", {"rel": "alternate", "href": feed["link"]})
        handler.addQuickElement("link", "", {"rel": "self", "href": feed["feed_url"]})
        handler.addQuickElement("id", feed["id"])
        handler.addQuickElement("updated", rfc3339_date(self.latest_post_date()))
        handler.startElement("author", {})
        handler.addQuickElement("name", feed["author_name"])
        if feed["author_link"] is not None:
            handler.addQuickElement("uri", feed["author_link"])
        handler.endElement("author")

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        handler.addQuickElement("title", item["title"], TEXT)
        handler.addQuickElement("link", "", {"rel": "alternate", "href": item["link"]})
        handler.addQuickElement("id", item["unique_id"])
        handler.addQuickElement("published", rfc3339_date(item["pubdate"]))
        handler.addQuickElement("updated", rfc3339_date(item["updateddate"]))
        if item["description"]:
            handler.addQuickElement("summary", item["description"], TEXT)


class RegistryFeed(Feed):
    """Atom feed of the acts issued on global derogations (grants, and later acts)."""

    feed_type = TextAtom1Feed
    title = gettext_lazy("ANSM — dérogations globales DMDIV : dernières décisions")
    subtitle = gettext_lazy(
        "Octrois, suspensions, levées et modifications des dérogations globales accordées."
    )
    author_name = gettext_lazy(
        "ANSM — Agence nationale de sécurité du médicament et des produits de santé"
    )
    author_link = "https://ansm.sante.fr/"

    def __call__(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The feed's Last-Modified is the registry's, as for the exports
        # (registry_views.open_data_conditional sets it): an expiry counts too.
        del response.headers["Last-Modified"]
        return response

    def link(self) -> str:
        return absolute("derogations:registry")

    def feed_url(self) -> str:
        return absolute("derogations:registry_feed")

    def feed_guid(self) -> str:
        return self.feed_url()

    def items(self) -> QuerySet[Decision]:
        return (
            Decision.objects.filter(
                state=DecisionState.ISSUED,
                kind__in=PUBLIC_ACT_KINDS,
                request__kind=Kind.GLOBAL,
                request__derogation__isnull=False,
            )
            .select_related("request")
            .order_by("-issued_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Decision) -> str:
        return f"{item.request.reference} — {item.request.device_name} : {item.get_kind_display()}"

    def item_description(self, item: Decision) -> str:
        return _("%(kind)s le %(date)s. Fabricant : %(manufacturer)s.") % {
            "kind": item.get_kind_display(),
            "date": timezone.localdate(item.issued_at).strftime("%d/%m/%Y"),
            "manufacturer": item.request.manufacturer_name,
        }

    def item_link(self, item: Decision) -> str:
        return absolute("derogations:registry_detail", item.request.reference)

    def item_guid(self, item: Decision) -> str:
        return act_tag_uri(item)

    def item_pubdate(self, item: Decision) -> datetime.datetime | None:
        return item.issued_at

    def item_updateddate(self, item: Decision) -> datetime.datetime | None:
        return item.issued_at

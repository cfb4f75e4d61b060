"""The registry's Atom feed against RFC 4287: author, ids (RFC 4151 tag URIs), absolute
addresses on PORTAL_BASE_URL, and operator text sent as text, never as markup."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.derogations.test_registry import ATOM, grant_global

pytestmark = pytest.mark.django_db

BASE = "https://derogations.ansm.example"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def feed(settings, org_a, evaluator, senior):
    settings.PORTAL_BASE_URL = BASE
    grant_global(org_a, evaluator, senior, device_name="NeoScreen Lysosomal")
    hostile = grant_global(
        org_a, evaluator, senior, device_name=f"Test {SCRIPT}", manufacturer_name="<b>Labo</b>"
    )
    response = Client().get(reverse("derogations:registry_feed"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    return {"response": response, "root": root, "hostile": hostile}


def only(parent, tag):
    found = parent.findall(f"{ATOM}{tag}")
    assert len(found) == 1, f"{tag}: {len(found)} elements"
    return found[0]


def links(parent):
    return {
        link.get("rel", "alternate"): link.get("href") for link in parent.findall(f"{ATOM}link")
    }


def assert_date(element):
    assert datetime.datetime.fromisoformat(element.text).tzinfo is not None


def test_feed_metadata(feed):
    root = feed["root"]
    assert root.tag == f"{ATOM}feed"
    assert root.get(XML_LANG) == "fr"
    feed_url = BASE + reverse("derogations:registry_feed")
    assert only(root, "id").text == feed_url
    assert links(root) == {"self": feed_url, "alternate": BASE + reverse("derogations:registry")}
    assert only(root, "title").get("type") == "text"
    assert only(root, "subtitle").get("type") == "text"
    assert_date(only(root, "updated"))
    author = only(root, "author")
    assert "ANSM" in only(author, "name").text
    assert only(author, "uri").text == "https://ansm.sante.fr/"
    assert "testserver" not in feed["response"].content.decode()  # never the Host header


def test_entries_have_tag_ids_absolute_links_and_text_constructs(feed):
    entries = feed["root"].findall(f"{ATOM}entry")
    assert len(entries) == 2
    year = timezone.localdate().year
    ids = set()
    for entry in entries:
        entry_id = only(entry, "id").text
        assert re.fullmatch(
            rf"tag:derogations\.ansm\.example,{year}:derogation/\S+/act/\d+", entry_id
        )
        ids.add(entry_id)
        reference = entry_id.split("/")[1]
        detail = BASE + reverse("derogations:registry_detail", args=[reference])
        assert links(entry) == {"alternate": detail}
        assert only(entry, "title").get("type") == "text"
        assert only(entry, "summary").get("type") == "text"
        assert_date(only(entry, "published"))
        assert_date(only(entry, "updated"))
    assert len(ids) == 2


def test_operator_text_is_escaped_text_never_markup(feed):
    content = feed["response"].content.decode()
    assert "<script" not in content and "<b>" not in content
    assert "&lt;script&gt;" in content
    assert not [e.tag for e in feed["root"].iter() if e.get("type") not in (None, "text")]
    hostile = feed["hostile"].reference
    (entry,) = [e for e in feed["root"].findall(f"{ATOM}entry") if hostile in only(e, "title").text]
    assert SCRIPT in only(entry, "title").text
    assert "<b>Labo</b>" in only(entry, "summary").text

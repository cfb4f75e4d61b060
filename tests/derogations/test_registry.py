"""The public registry: pages, filters, streamed exports, Atom feed, conditional GET.

Canary values (a patient reference, professionals' emails, an internal note) are seeded on
every global request: none may appear in anything the registry publishes.
"""

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from derogations import lifecycle, registry
from derogations.enums import DerogationStatus, IvdClass
from derogations.models import Derogation
from tests import factories

pytestmark = pytest.mark.django_db

CANARIES = {
    "patient_reference": "CANARY-PATIENT-4242",
    "prescriber_email": "canary.prescripteur@chu-canari.example",
    "director_email": "canary.direction@chu-canari.example",
    "contact_email": "canary.contact@labo-canari.example",
    "justification": "CANARY-NOTE-PRIVEE justification interne",
    "safety_performance_data": "CANARY-DATA rapport confidentiel",
}
ATOM = "{http://www.w3.org/2005/Atom}"


def grant_global(org, evaluator, senior, **fields):
    operator = factories.operator_of(org)
    req = factories.RequestFactory(
        organisation=org, created_by=operator, global_kind=True, **{**CANARIES, **fields}
    )
    factories.proposed(req, evaluator, conditions="Réservé aux laboratoires de référence.")
    lifecycle.validate_decision(req, senior)
    req.refresh_from_db()
    return req


def force_state(req, *, status=None, valid_until=None):
    """The letters branch's lifecycle moves derogations to these states; here the test
    sets them directly to check how the registry shows them."""
    updates = {}
    if status:
        updates["status"] = status
    if valid_until:
        updates["valid_until"] = valid_until
    Derogation.objects.filter(request=req).update(**updates)


@pytest.fixture
def world(org_a, evaluator, senior):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    active = grant_global(org_a, evaluator, senior, device_name="NeoScreen Lysosomal")
    suspended = grant_global(org_a, evaluator, senior, device_name="ViroQuant Emergent")
    force_state(suspended, status=DerogationStatus.SUSPENDED)
    lifted = grant_global(org_a, evaluator, senior, device_name="CardioMark", ivd_class=IvdClass.B)
    force_state(lifted, status=DerogationStatus.LIFTED)
    expired = grant_global(org_a, evaluator, senior, device_name="OldTest Expired")
    force_state(expired, valid_until=yesterday)
    # Not in the registry: an individual grant, and a global request still under review.
    individual = factories.RequestFactory(organisation=org_a)
    factories.proposed(individual, evaluator)
    lifecycle.validate_decision(individual, senior)
    individual.refresh_from_db()
    pending = factories.RequestFactory(
        organisation=org_a, created_by=factories.operator_of(org_a), global_kind=True
    )
    factories.in_review(pending, evaluator)
    pending.refresh_from_db()
    return {
        "active": active,
        "suspended": suspended,
        "lifted": lifted,
        "expired": expired,
        "individual": individual,
        "pending": pending,
    }


def page_refs(response) -> list[str]:
    return [row.reference for row in response.context["rows"]]


def test_list_shows_current_global_derogations_with_their_state(world):
    response = Client().get(reverse("derogations:registry"))
    assert response.status_code == 200
    refs = set(page_refs(response))
    assert refs == {world[k].reference for k in ("active", "suspended", "lifted")}
    html = response.content.decode()
    assert "Suspendue" in html and "Levée" in html and "En vigueur" in html
    assert "Réservé aux laboratoires de référence." in html
    for value in CANARIES.values():
        assert value not in html


def test_history_lists_expired_ones_only(world):
    response = Client().get(reverse("derogations:registry_history"))
    assert page_refs(response) == [world["expired"].reference]
    row = response.context["rows"][0]
    assert row.status_label == "Expirée"
    ended = timezone.localdate() - datetime.timedelta(days=1)
    assert row.since == f"depuis le {ended:%d/%m/%Y}"


def test_search_filters_and_sort(world):
    client = Client()
    url = reverse("derogations:registry")
    assert page_refs(client.get(url, {"q": "viroquant"})) == [world["suspended"].reference]
    assert page_refs(client.get(url, {"q": world["lifted"].reference})) == [
        world["lifted"].reference
    ]
    assert page_refs(client.get(url, {"statut": "suspended"})) == [world["suspended"].reference]
    assert page_refs(client.get(url, {"classe": "B"})) == [world["lifted"].reference]
    ordered = page_refs(client.get(url, {"tri": "reference"}))
    assert ordered == sorted(ordered)
    # Unknown values are reported and ignored, never a 500.
    response = client.get(url, {"statut": "nimporte", "tri": "x", "page": "zz"})
    assert response.status_code == 200 and len(page_refs(response)) == 3
    assert response.context["form"].errors


def test_summary_page_is_public_and_private_fields_stay_private(world):
    req = world["suspended"]
    response = Client().get(reverse("derogations:registry_detail", args=[req.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert req.device_name in html and "Suspendue" in html
    for value in CANARIES.values():
        assert value not in html
    for key in ("individual", "pending"):
        url = reverse("derogations:registry_detail", args=[world[key].reference])
        assert Client().get(url).status_code == 404


def _json(response) -> list[dict]:
    assert response.streaming
    return json.loads(b"".join(response.streaming_content).decode("utf-8"))


def test_json_export_has_exactly_the_public_keys_and_no_private_value(world):
    response = Client().get(reverse("derogations:registry_json"))
    assert response["Content-Type"] == "application/json"
    rows = _json(response)
    by_ref = {row["reference"]: row for row in rows}
    assert set(by_ref) == {world[k].reference for k in ("active", "suspended", "lifted", "expired")}
    expected_keys = {
        "reference", "device_name", "device_model", "manufacturer", "operator", "ivd_class",
        "indication", "population", "decision_date", "valid_until", "status", "status_label",
        "status_date", "conditions", "url",
    }  # fmt: skip
    for row in rows:
        assert set(row) == expected_keys
    body = json.dumps(rows, ensure_ascii=False)
    for value in CANARIES.values():
        assert value not in body
    assert by_ref[world["suspended"].reference]["status"] == "suspended"
    assert by_ref[world["lifted"].reference]["status_label"] == "Levée"
    expired = by_ref[world["expired"].reference]
    assert expired["status"] == "expired"
    assert expired["status_date"] == expired["valid_until"]
    active = by_ref[world["active"].reference]
    assert active["decision_date"] == timezone.localdate().isoformat()
    assert active["url"].endswith(f"/registre/{world['active'].reference}/")


def test_csv_export_is_excel_french(world):
    response = Client().get(reverse("derogations:registry_csv"), {"statut": "lifted"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert lines[0][:3] == ["Référence", "Dispositif", "Modèle"]
    assert len(lines[0]) == len(registry.PUBLIC_FIELDS)
    assert len(lines) == 2
    assert lines[1][0] == world["lifted"].reference
    assert lines[1][registry.PUBLIC_FIELDS.index("status")] == "lifted"
    for value in CANARIES.values():
        assert value not in body


def test_csv_neutralises_formulas(org_a, evaluator, senior):
    grant_global(org_a, evaluator, senior, device_name="=HYPERLINK(1)")
    body = b"".join(Client().get(reverse("derogations:registry_csv")).streaming_content)
    assert ";'=HYPERLINK(1);" in body.decode("utf-8")


def test_atom_feed_is_valid_xml_with_one_entry_per_act(world):
    response = Client().get(reverse("derogations:registry_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert len(entries) == 4
    assert any(world["lifted"].reference in t for t in titles)
    assert all(world["individual"].reference not in t for t in titles)
    for value in CANARIES.values():
        assert value not in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "derogations:registry",
        "derogations:registry_history",
        "derogations:registry_json",
        "derogations:registry_csv",
        "derogations:registry_feed",
    ],
)
def test_conditional_get_answers_304_until_the_registry_changes(
    world, org_a, evaluator, senior, name
):
    client = Client()
    url = reverse(name)
    first = client.get(url)
    etag = first["ETag"]
    assert etag
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    grant_global(org_a, evaluator, senior, device_name="Nouveau test")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_detail_conditional_get(world):
    client = Client()
    url = reverse("derogations:registry_detail", args=[world["active"].reference])
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_latest_change_counts_expiries(world):
    change = registry.latest_change()
    assert change is not None
    in_two_years = timezone.localdate() + datetime.timedelta(days=730)
    later = registry.latest_change(today=in_two_years)
    assert later > change  # every derogation has expired by then: their expiry is a change


def test_list_query_count_is_constant(org_a, evaluator, senior, django_assert_num_queries):
    for _ in range(2):
        grant_global(org_a, evaluator, senior)
    client = Client()
    url = reverse("derogations:registry")
    # ETag (last act, last expiry), count, page rows (with request, operator and grant)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["rows"]) == 2
    for _ in range(6):
        grant_global(org_a, evaluator, senior)
    with django_assert_num_queries(4):
        response = client.get(url, {"q": "GenoRare", "tri": "statut"})
    assert len(response.context["rows"]) == 8


def test_a_filter_is_counted_once_per_registry_version(
    org_a, evaluator, senior, operator_a, django_assert_num_queries
):
    """Any page, sort or address of one filter shares its count until the registry changes
    (new query strings miss the page cache, never the count); a change counts again."""
    for _ in range(3):
        grant_global(org_a, evaluator, senior)
    client = Client()
    client.force_login(operator_a)  # signed in: never the stored page
    url = reverse("derogations:registry")
    client.get(url, {"classe": "C", "v": "1"})
    with django_assert_num_queries(3) as queries:  # session, user, page rows: no count
        response = client.get(url, {"classe": "C", "tri": "reference", "v": "2"})
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    assert response.context["page"].paginator.count == 3
    grant_global(org_a, evaluator, senior)  # in this process: the version is forgotten
    response = client.get(url, {"classe": "C", "v": "3"})
    assert response.context["page"].paginator.count == 4
    assert len(response.context["rows"]) == 4


def test_pagination_keeps_the_filters(world, monkeypatch):
    monkeypatch.setattr(registry, "PAGE_SIZE", 2)
    client = Client()
    url = reverse("derogations:registry")
    response = client.get(url, {"q": "Diagnostica", "tri": "reference"})
    assert len(page_refs(response)) == 2
    html = response.content.decode()
    assert "q=Diagnostica&amp;tri=reference&amp;page=2" in html
    second = client.get(url, {"q": "Diagnostica", "tri": "reference", "page": 2})
    assert page_refs(second) == [world["lifted"].reference]


def test_visitors_get_the_stored_page_with_their_own_csrf_token(
    org_a, evaluator, senior, django_assert_num_queries
):
    grant_global(org_a, evaluator, senior, device_name="NeoScreen Lysosomal")
    url = reverse("derogations:registry")
    first = Client(enforce_csrf_checks=True).get(url)
    assert "NeoScreen Lysosomal" in first.content.decode()
    visitor = Client(enforce_csrf_checks=True)
    with django_assert_num_queries(0):  # the registry's version is known; page stored
        stored = visitor.get(url)
    html = stored.content.decode()
    assert stored.status_code == 200 and stored.context is None  # not rendered again
    assert "NeoScreen Lysosomal" in html and "\x00" not in html
    assert "Cookie" in stored["Vary"]
    # The language switch of the stored page works with this visitor's own token.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    switched = visitor.post(
        reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    # A new grant is a new version: rendered again, with it.
    grant_global(org_a, evaluator, senior, device_name="HemoScreen Rare")
    assert "HemoScreen Rare" in Client().get(url).content.decode()


def test_signed_in_people_never_get_a_stored_page(org_a, evaluator, senior, operator_a):
    grant_global(org_a, evaluator, senior)
    url = reverse("derogations:registry")
    Client().get(url)  # stored for visitors
    client = Client()
    client.force_login(operator_a)
    response = client.get(url)
    assert response.context is not None  # rendered for this person
    assert operator_a.email in response.content.decode()


@pytest.mark.parametrize("name", ["derogations:registry_csv", "derogations:registry_json"])
def test_exports_stream_with_a_constant_number_of_queries(
    org_a, evaluator, senior, django_assert_num_queries, name
):
    url = reverse(name)
    grant_global(org_a, evaluator, senior)
    sizes = []
    for more in (0, 5):
        for _ in range(more):
            grant_global(org_a, evaluator, senior)
        # ETag (two lookups), then the rows read in chunks by one query
        with django_assert_num_queries(3):
            response = Client().get(url)
            assert response.streaming
            body = b"".join(response.streaming_content).decode("utf-8-sig")
        sizes.append(body.count("DER-GLO-"))
    assert sizes == [2, 12]  # each reference twice: the row and its address

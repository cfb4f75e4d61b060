"""The registry's open data (JSON, CSV, Atom feed): CORS, caching and conditional GET
headers, HEAD (docs/open-data.md)."""

import datetime

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from derogations import registry
from derogations.models import Decision
from tests.derogations.test_registry import grant_global

pytestmark = pytest.mark.django_db

OPEN_DATA = ["derogations:registry_json", "derogations:registry_csv", "derogations:registry_feed"]


@pytest.fixture
def granted(org_a, evaluator, senior):
    req = grant_global(org_a, evaluator, senior, device_name="NeoScreen Lysosomal")
    # Its acts an hour ago: a new act is then in another second (HTTP dates count seconds).
    Decision.objects.update(issued_at=F("issued_at") - datetime.timedelta(hours=1))
    registry.forget_change()
    return req


def _http_date(moment: datetime.datetime) -> str:
    return http_date(moment.timestamp())


def assert_open_data_headers(response, max_age=300):
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Expose-Headers"] == "ETag"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", f"max-age={max_age}"}
    assert "Cookie" in response["Vary"]
    assert response["ETag"]
    assert response["Last-Modified"] == _http_date(registry.latest_change())
    assert not response.cookies  # any cache may keep it: nothing personal in it


@pytest.mark.parametrize("name", OPEN_DATA)
def test_open_data_headers(granted, name):
    response = Client().get(reverse(name))
    assert response.status_code == 200
    assert_open_data_headers(response)


@pytest.mark.parametrize("name", OPEN_DATA)
def test_max_age_is_a_setting(granted, settings, name):
    settings.PORTAL_OPEN_DATA_MAX_AGE = 60
    assert_open_data_headers(Client().get(reverse(name)), max_age=60)


@pytest.mark.parametrize("name", OPEN_DATA)
@pytest.mark.parametrize(
    ("sent", "received"),
    [("HTTP_IF_MODIFIED_SINCE", "Last-Modified"), ("HTTP_IF_NONE_MATCH", "ETag")],
)
def test_a_client_up_to_date_gets_304_with_the_same_headers(granted, name, sent, received):
    client = Client()
    url = reverse(name)
    validator = client.get(url)[received]
    again = client.get(url, **{sent: validator})
    assert again.status_code == 304
    assert again.content == b""
    assert_open_data_headers(again)


@pytest.mark.parametrize("name", OPEN_DATA)
def test_an_older_if_modified_since_gets_the_data(granted, name):
    older = _http_date(registry.latest_change() - datetime.timedelta(minutes=1))
    assert Client().get(reverse(name), HTTP_IF_MODIFIED_SINCE=older).status_code == 200


@pytest.mark.parametrize("name", OPEN_DATA)
def test_a_new_act_changes_last_modified(granted, org_a, evaluator, senior, name):
    client = Client()
    url = reverse(name)
    before = client.get(url)["Last-Modified"]
    grant_global(org_a, evaluator, senior, device_name="Nouveau test")
    changed = client.get(url, HTTP_IF_MODIFIED_SINCE=before)
    assert changed.status_code == 200
    assert changed["Last-Modified"] != before
    assert changed["Last-Modified"] == _http_date(registry.latest_change())


def test_an_empty_registry_has_no_last_modified():
    response = Client().get(reverse("derogations:registry_json"))
    assert response.status_code == 200
    assert not response.has_header("Last-Modified")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("name", ["derogations:registry_json", "derogations:registry_csv"])
def test_head_of_an_export_reads_no_row(granted, django_assert_num_queries, name):
    with django_assert_num_queries(2):  # the registry's version (last act, last expiry)
        response = Client().head(reverse(name))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b""
    assert_open_data_headers(response)


def test_head_of_the_feed(granted):
    response = Client().head(reverse("derogations:registry_feed"))
    assert response.status_code == 200
    assert response.content == b""
    assert_open_data_headers(response)


@pytest.mark.parametrize("name", OPEN_DATA)
def test_other_methods_are_refused(name):
    assert Client().post(reverse(name)).status_code == 405


@pytest.mark.parametrize("name", OPEN_DATA)
def test_an_expiry_after_the_last_act_is_the_last_modified(granted, name):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Decision.objects.update(issued_at=F("issued_at") - datetime.timedelta(days=30))
    granted.derogation.valid_until = yesterday
    granted.derogation.save(update_fields=["valid_until"])
    response = Client().get(reverse(name))
    midnight = datetime.datetime.combine(timezone.localdate(), datetime.time())
    assert response["Last-Modified"] == _http_date(timezone.make_aware(midnight))

"""Bad URL input is never a 500: a page number past any count, a NUL byte or an overlong
value in a path segment or a query parameter answers a page, 400 or 404 (issue 21).

The property test walks every URL pattern (django.urls.get_resolver) and fills its
parameters and query string with hostile values (tests/hostile.py), GET only, for several
roles."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests import factories, hostile

pytestmark = pytest.mark.django_db


def test_a_page_number_past_any_count_shows_the_last_page(operator_a, org_a):
    factories.RequestFactory(organisation=org_a, created_by=operator_a)
    client = Client()
    client.force_login(operator_a)
    for number in ("85899346", "2147483648", "9" * 40):
        response = client.get("/demandes/", {"page": number})
        assert response.status_code == 200, number
        assert response.context["page"].number == 1


def test_a_page_number_past_any_count_in_the_staff_queue(evaluator):
    client = Client()
    client.force_login(evaluator)
    response = client.get("/instruction/", {"page": "85899346"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/registre/%00/",
        "/registre/a%00b/",
        "/professionnels/lien/%00/",
        "/registre/?q=%00",
        "/registre/?page=1&statut=%00",
        "/verifier/?code=a%00",
        "/registre/" + "x" * 5_000 + "/",
        "/registre/?q=" + "x" * 5_000,
    ],
)
def test_nul_bytes_and_overlong_values_answer_400(url):
    response = Client().get(url)
    assert response.status_code == 400, url
    page = response.content.decode()
    assert "Adresse invalide" in page and "INVALID_TEMPLATE_VARIABLE" not in page


def test_a_nul_byte_in_the_session_cookie_answers_400(operator_a):
    client = Client()
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/demandes/").status_code == 400


def _routes(patterns, prefix: str = "") -> list[str]:
    """Every URL pattern's route ("demandes/<int:pk>/"); regular expressions (the admin's)
    as their text without anchors."""
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            routes.extend(_routes(pattern.url_patterns, route))
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return sorted(set(routes))


ROUTES = _routes(get_resolver().url_patterns)
# The admin's 150 routes (every role here is sent to its login) as often as one in four.
PORTAL_ROUTES = [route for route in ROUTES if not route.startswith("admin/")]
ADMIN_ROUTES = [route for route in ROUTES if route.startswith("admin/")]
route_strategy = st.one_of(*[st.sampled_from(PORTAL_ROUTES)] * 3, st.sampled_from(ADMIN_ROUTES))
# A route's parameters: <converter:name> (path()) or (?P<name>...) (re_path()).
PARAMETER = re.compile(r"<(?:[^>:]+:)?[^>]+>|\(\?P<[^>]+>[^)]*\)")
# What broke a page once, drawn more often than hostile.value would.
SHARP = ["\x00", "a\x00", "85899346", "2147483648", "9223372036854775808", "-1", "x" * 3_000]
segment = st.one_of(
    st.sampled_from(SHARP),
    hostile.value,
    st.integers(min_value=0, max_value=5).map(str),  # the pks of the objects made here
)
query = st.dictionaries(
    st.sampled_from(["page", "q", "statut", "status", "tri", "type", "code", "next", "x"]),
    st.one_of(st.sampled_from(SHARP), hostile.value, st.lists(hostile.value, min_size=2)),
    max_size=3,
)


def _path(route: str, values: list[str]) -> str:
    parts = PARAMETER.split(route)
    path = parts[0]
    for value, part in zip(values, parts[1:], strict=False):
        path += quote(value, safe="") + part
    return "/" + path


@pytest.mark.parametrize("role", ["anonymous", "operator", "evaluator", "professional"])
def test_no_url_answers_a_server_error(role, world):
    """Hostile path segments and query strings on every route, GET: never a 5xx."""
    user = {
        "anonymous": None,
        "operator": world["users"]["operator_a"],
        "evaluator": world["users"]["evaluator"],
        "professional": world["users"]["professional"],
    }[role]
    client = Client()
    if user is not None:
        client.force_login(user)

    # Every role runs these first: the 500s of issue 21.
    @example(route="registre/<str:reference>/", values=["\x00", "", ""], data={})
    @example(route="demandes/", values=[], data={"page": "85899346"})
    @example(route="instruction/", values=[], data={"page": "85899346"})
    @settings(max_examples=80)
    @given(
        route=route_strategy,
        values=st.lists(segment, min_size=3, max_size=3),
        data=query,
    )
    def check(route: str, values: list[str], data: dict) -> None:
        path = _path(route, values)
        response = client.get(path, data)
        assert response.status_code < 500, (path, data, response.status_code)

    check()


def test_the_400_page_in_english_when_chosen():
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get("/registre/%00/")
    assert response.status_code == 400
    assert "Invalid address" in response.content.decode()

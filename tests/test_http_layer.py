"""The HTTP layer in production shape: caching of what a signed-in person sees, OWASP
headers, the logout's Clear-Site-Data, gzip (pages, streamed exports, letters)."""

import gzip

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from config.middleware import PrivateCacheMiddleware
from derogations import lifecycle
from tests import factories
from tests.conftest import client_for

NO_STORE = "private, no-store"


@pytest.fixture
def granted(org_a, operator_a, evaluator, senior):
    """A granted individual request whose letter was rendered (bytes of our own)."""
    req = factories.RequestFactory(organisation=org_a, created_by=operator_a)
    factories.proposed(req, evaluator)
    decision = lifecycle.validate_decision(req, senior)
    decision.refresh_from_db()
    decision.letter.save("letter.pdf", ContentFile(b"%PDF-1.7 letter " * 200), save=True)
    decision.letter_sha256 = "0" * 64
    decision.save(update_fields=["letter_sha256"])
    req.refresh_from_db()
    return req, decision


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Cache-Control --------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_and_files_of_a_signed_in_person_are_never_stored(granted, operator_a):
    req, decision = granted
    client = client_for(operator_a)
    for url in (
        reverse("derogations:dashboard"),
        reverse("derogations:detail", args=[req.pk]),
        reverse("accounts:profile"),
        reverse("derogations:letter", args=[req.pk, decision.pk]),
        reverse("pages:legal"),  # a public page, seen signed in: the header shows the email
    ):
        response = client.get(url)
        _body(response)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == NO_STORE, url


@pytest.mark.django_db
def test_an_attachment_keeps_its_own_private_policy(granted, operator_a):
    req, _decision = granted
    attachment = req.attachments.first()
    response = client_for(operator_a).get(
        reverse("derogations:attachment", args=[req.pk, attachment.pk])
    )
    _body(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


@pytest.mark.django_db
def test_anonymous_pages_with_a_form_are_not_stored_either():
    # Their CSRF token depends on the visitor's cookie (Vary: Cookie).
    for url in (reverse("accounts:login"), reverse("home")):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "Cookie" in response["Vary"], url
        # The login view says never_cache itself (max-age=0, no-cache, no-store, ...).
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_registry_and_verification_pages_are_revalidated_with_their_etag(signed_in, operator_a):
    # Kept by the browser (their CSRF token stays valid with the visitor's cookie) and
    # asked again with their ETag, which changes with the person and the language.
    client = client_for(operator_a if signed_in else None)
    for url in (
        reverse("derogations:registry"),
        reverse("derogations:registry_history"),
        reverse("derogations:verify"),
    ):
        first = client.get(url)
        assert first.status_code == 200
        assert first["Cache-Control"] == "private, no-cache", url
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again["Cache-Control"] == "private, no-cache", url


def _through_middleware(request, **headers: str) -> HttpResponse:
    def view(request):
        response = HttpResponse("rows")
        for name, value in headers.items():
            response[name] = value
        return response

    return PrivateCacheMiddleware(view)(request)


@pytest.mark.django_db
def test_a_public_answer_stays_public_for_visitors_only(operator_a):
    """The hook of the open-data exports: a view that declares `public` keeps it for
    anonymous visitors, even when the answer varies on Cookie; not for a signed-in one."""
    anonymous = RequestFactory().get("/registre/export.csv")
    anonymous.user = AnonymousUser()
    response = _through_middleware(
        anonymous, Vary="Cookie", **{"Cache-Control": "public, max-age=300"}
    )
    assert response["Cache-Control"] == "public, max-age=300"
    response = _through_middleware(anonymous, Vary="Cookie", **{"Cache-Control": "public"})
    assert response["Cache-Control"] == "public"
    # Nothing said, no cookie involved: left to the browser's defaults.
    assert "Cache-Control" not in _through_middleware(anonymous)
    # Varies on Cookie and says nothing: private.
    assert _through_middleware(anonymous, Vary="Cookie")["Cache-Control"] == NO_STORE

    signed_in = RequestFactory().get("/registre/export.csv", HTTP_COOKIE="sessionid=x")
    signed_in.user = User.objects.get(pk=operator_a.pk)
    response = _through_middleware(signed_in, **{"Cache-Control": "public, max-age=300"})
    assert response["Cache-Control"] == NO_STORE
    response = _through_middleware(signed_in, **{"Cache-Control": "private, no-cache"})
    assert response["Cache-Control"] == "private, no-cache"


def test_a_database_gone_away_keeps_the_answer_private():
    """The 503 page of DatabaseUnavailableMiddleware: the user cannot be loaded any more."""
    from django.db import OperationalError

    class Unloadable:
        @property
        def is_authenticated(self):
            raise OperationalError("server closed the connection unexpectedly")

    request = RequestFactory().get("/demandes/", HTTP_COOKIE="sessionid=x")
    request.user = Unloadable()
    assert _through_middleware(request)["Cache-Control"] == NO_STORE


# --- OWASP headers --------------------------------------------------------------------


@pytest.mark.django_db
def test_owasp_headers_on_every_answer(operator_a):
    for client, url in (
        (Client(), reverse("home")),
        (Client(), reverse("accounts:login")),
        (Client(), "/nulle-part/"),
        (client_for(operator_a), reverse("derogations:dashboard")),
    ):
        response = client.get(url)
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, (url, feature)
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


@pytest.mark.django_db
def test_a_view_may_let_other_sites_use_its_answer():
    """The hook of the open-data exports: their own CORP header is kept."""
    from config.middleware import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse("[]", content_type="application/json")
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/registre/export.json"))
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.django_db
def test_logout_clears_the_site_data(operator_a):
    client = client_for(operator_a)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    # Only the logout: other answers keep the browser's data.
    assert "Clear-Site-Data" not in Client().get(reverse("accounts:login"))


# --- gzip -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_come_back_gzipped_and_whole(operator_a):
    for client, url in (
        (Client(), reverse("accounts:login")),
        (client_for(operator_a), reverse("derogations:dashboard")),
    ):
        plain = client.get(url)
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        html = gzip.decompress(response.content).decode()
        assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        assert len(response.content) < len(plain.content) / 2
        assert int(response["Content-Length"]) == len(response.content)
    # A client that does not ask for gzip gets the page as it is.
    assert "Content-Encoding" not in Client().get(reverse("accounts:login"))


@pytest.mark.django_db
def test_streamed_exports_and_letters_survive_gzip(granted, operator_a):
    req, decision = granted
    letter = client_for(operator_a).get(
        reverse("derogations:letter", args=[req.pk, decision.pk]), HTTP_ACCEPT_ENCODING="gzip"
    )
    assert letter.status_code == 200 and letter["Content-Encoding"] == "gzip"
    decision.letter.open("rb")
    with decision.letter as stored:
        assert gzip.decompress(_body(letter)) == stored.read()
    assert letter["Content-Disposition"].startswith("attachment;")
    assert "Content-Length" not in letter  # the compressed length is not known in advance

    plain = Client().get(reverse("derogations:registry_csv"))
    csv = Client().get(reverse("derogations:registry_csv"), HTTP_ACCEPT_ENCODING="gzip")
    assert csv.status_code == 200 and csv.streaming
    assert csv["Content-Encoding"] == "gzip"
    assert gzip.decompress(_body(csv)) == _body(plain)


@pytest.mark.django_db
def test_the_registry_etag_still_answers_304_after_gzip():
    url = reverse("derogations:registry")
    first = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert first["ETag"].startswith('W/"')  # weakened: the bytes are not the page's
    again = Client().get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


# --- HEAD -----------------------------------------------------------------------------


def _wsgi(method: str, path: str, **headers: str) -> tuple[str, dict[str, str], bytes]:
    """One request through the WSGI application as gunicorn calls it (the test client
    empties HEAD answers itself, so it cannot show what the server receives)."""
    import io

    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, dict(response_headers)

    # As Django's test client does: the request signals must not close the test's
    # database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = get_wsgi_application()(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], started["headers"], body


def test_head_reaches_the_server_without_a_body():
    """No database needed for this public page (no django_db mark)."""
    for encoding in ("identity", "gzip"):
        status, headers, body = _wsgi("GET", "/accessibilite/", Accept_Encoding=encoding)
        head_status, head_headers, head_body = _wsgi(
            "HEAD", "/accessibilite/", Accept_Encoding=encoding
        )
        assert status == head_status == "200 OK"
        assert body and head_body == b""
        assert head_headers.get("Content-Encoding") == headers.get("Content-Encoding")
        assert head_headers["Content-Type"] == headers["Content-Type"]
    assert int(headers["Content-Length"]) == len(body)


@pytest.mark.django_db
def test_head_never_reads_a_streamed_answer():
    from config.middleware import HeadWithoutBodyMiddleware

    def rows():
        raise AssertionError("a HEAD answer read the rows")
        yield b""  # pragma: no cover

    def view(request):
        from django.http import StreamingHttpResponse

        return StreamingHttpResponse(rows(), content_type="text/csv")

    response = HeadWithoutBodyMiddleware(view)(RequestFactory().head("/registre/export.csv"))
    assert b"".join(response.streaming_content) == b""

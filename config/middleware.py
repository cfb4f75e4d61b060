"""Project-wide middleware."""

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import has_vary_header

from config.errors import UNAVAILABLE, database_unavailable

# Browser features the portal never uses, refused to its pages and to anything they embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    """The OWASP headers Django's SecurityMiddleware does not set: Permissions-Policy and
    Cross-Origin-Resource-Policy (Cross-Origin-Opener-Policy is Django's own setting).

    Placed before WhiteNoise, so static files carry them too. A view that lets other sites
    embed or fetch what it answers (the registry's open-data exports: CSV, JSON, Atom) sets
    its own `Cross-Origin-Resource-Policy: cross-origin`, which is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class HeadWithoutBodyMiddleware:
    """A HEAD answer carries GET's status and headers (Content-Length included) and no body
    (RFC 9110). Django leaves the body to the server; gunicorn drops it but logs a warning
    for each such answer. Outside GZipMiddleware, so the length is the one GET would send;
    a streamed answer (exports, letters) is never read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method == "HEAD":
            if isinstance(response, StreamingHttpResponse):
                response.streaming_content = []
            elif isinstance(response, HttpResponse):
                response.content = b""
        return response


def _cache_directives(response: HttpResponse) -> set[str]:
    return {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


class PrivateCacheMiddleware:
    """What a signed-in person sees never stays in a cache (a shared computer's browser, a
    proxy): any answer to a signed-in request, pages, letters and attachments alike, gets
    `Cache-Control: private, no-store`; so does any answer that varies with the cookies (a
    session, a form's CSRF token) unless its view declared it public.

    A view that set its own private policy keeps it: attachments (`private, no-store`), the
    Django admin (never_cache), the public registry's pages (`private, no-cache`: kept by the
    browser and revalidated with their ETag). Public answers that do not depend on cookies
    (static files, which WhiteNoise serves before this, open-data exports) keep theirs.

    Placed outside SessionMiddleware and CsrfViewMiddleware, which add `Vary: Cookie`."""

    POLICY = "private, no-store"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        directives = _cache_directives(response)
        if directives & {"private", "no-store"}:
            return response
        if signed_in := settings.SESSION_COOKIE_NAME in request.COOKIES:
            # Without a session cookie nobody is signed in: no need to load the user.
            try:
                signed_in = not hasattr(request, "user") or request.user.is_authenticated
            except DatabaseError:  # the database went away (the 503 page): assume so
                signed_in = True
        if signed_in or (has_vary_header(response, "Cookie") and "public" not in directives):
            response.headers["Cache-Control"] = self.POLICY
        return response


class DatabaseUnavailableMiddleware:
    """The database connection was lost in the middle of a request (server restarted,
    connection terminated, network cut): answer 503 with a French page saying that the
    action was not recorded, rather than a raw 500. A middleware that loses it before the
    view runs is answered by the 500 handler (config.errors.server_error).

    Nothing half-done can remain: every change of state runs in one transaction
    (derogations.lifecycle), which the lost connection rolled back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        return database_unavailable(request, exception)

"""URL input the portal never accepts, refused before any view or query runs (issue 21).

PostgreSQL refuses a NUL byte in any text parameter (a DataError, that is a 500, wherever
a path segment or a query parameter reaches a lookup), and no address of the portal needs
a segment or a parameter of thousands of characters. Rather than a check in every view,
one middleware answers 400 with a French page.
"""

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Longest path segment, query parameter name or value, or cookie accepted: far above any
# reference, token, search or OIDC parameter the portal reads.
MAX_LENGTH = 2_000


def _refused(values: Iterable[str]) -> bool:
    return any("\x00" in value or len(value) > MAX_LENGTH for value in values)


def refused(request: HttpRequest) -> bool:
    """A NUL byte or an overlong value in the path, the query string or a cookie."""
    if _refused(request.path.split("/")):
        return True
    for key, values in request.GET.lists():
        if _refused([key, *values]):
            return True
    return _refused([*request.COOKIES, *request.COOKIES.values()])


class BadUrlInputMiddleware:
    """400 for what ``refused`` finds. Placed after the language is chosen and before
    anything reads the session or the user, so that the page needs no database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if refused(request):
            return render(request, "400.html", status=400)
        return self.get_response(request)

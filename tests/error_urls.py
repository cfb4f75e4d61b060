"""The project's URLs plus two views that fail, to see the error pages (tests only)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not for you")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [
    path("essai/interdit/", forbidden),
    path("essai/panne/", broken),
    *urls.urlpatterns,
]
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500

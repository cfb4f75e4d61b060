"""Error pages: 403, 404, the CSRF failure and the Django admin refused, in French on the
portal's layout, each with a way back; 500 from a self-contained template.

The 500 page is rendered with an empty context, as Django does: no request, no context
processor, so nothing that reads the database (which may be the very thing that failed)."""

import logging

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _back(request: HttpRequest, label: str, *, same_page: bool = False) -> dict[str, str]:
    """The page the person came from (its Referer, same site only; not the page that
    failed, unless `same_page`: a form posted to its own page), for a "back" button; empty
    when there is none."""
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return {"back_url": "", "back_label": label}
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    )
    if not same_site or (not same_page and referer == request.build_absolute_uri()):
        referer = ""
    return {"back_url": referer, "back_label": label}


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = _back(request, _("Retour à la page précédente"))
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    context = _back(request, _("Retour à la page précédente"))
    return render(request, "404.html", context, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form posted with a missing or stale token (page left open,
    signed out or in again in another tab, cookies refused). Django has logged the reason."""
    context = _back(request, _("Recharger la page du formulaire"), same_page=True)
    return render(request, "403_csrf.html", context, status=403)


def admin_forbidden(request: HttpRequest) -> HttpResponse:
    """A signed-in account without admin rights asked for the Django admin."""
    context = _back(request, _("Retour à la page précédente"))
    return render(request, "403_admin.html", context, status=403)

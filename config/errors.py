"""Error pages: 403, 404, the CSRF failure and the Django admin refused, in French on the
portal's layout, each with a way back; 500 from a self-contained template; 503 when the
database is unavailable.

The 500 page is rendered with an empty context, as Django does: no request, no context
processor, so nothing that reads the database (which may be the very thing that failed).

The database is unavailable: a French 503 page instead of a 500, wherever it is noticed.
Two ways in, one answer (``database_unavailable``):

- a view loses the connection: ``config.middleware.DatabaseUnavailableMiddleware``
  (``process_exception``);
- a middleware does, before any view runs (loading the session's user for the second
  factor, the session itself...): Django turns an exception raised inside any middleware
  into the 500 handler's response at that very layer, so no outer middleware sees it;
  ``server_error`` (``handler500`` in config/urls.py) is that handler, called while the
  exception is being handled.
"""

import logging
import sys

from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Seconds after which the 503 page suggests trying again (its Retry-After header).
RETRY_AFTER_SECONDS = 30
# Lost or refused connections; a DataError or IntegrityError is a bug, not an outage.
UNAVAILABLE = (OperationalError, InterfaceError)


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


def database_unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """The 503 page, with Retry-After: the portal's page when it can be drawn, with the
    signed-in header when the user was already loaded; otherwise the same text alone."""
    logger.error(
        "Database unavailable during %s %s", request.method, request.path, exc_info=exception
    )
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()  # a new one is opened if the page below needs it
    try:
        response = render(request, "503.html", status=503)
    except DatabaseError:
        # Reading the user or the messages needs the session, stored in the database:
        # draw the page as for a visitor. (Imported here: config.admin_site imports this
        # module while the apps load.)
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        try:
            response = render(request, "503.html", {"messages": ()}, status=503)
        except DatabaseError:
            response = HttpResponse(
                _(
                    "Service momentanément indisponible. Votre dernière action n'a pas été "
                    "enregistrée : réessayez dans quelques instants."
                ),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the exception being handled is the database's, else
    the self-contained 500 page."""
    exception = sys.exception()
    if isinstance(exception, UNAVAILABLE):
        try:
            return database_unavailable(request, exception)
        except Exception:  # a handler that raises leaves the server's bare error
            logger.exception("The 503 page could not be drawn")
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

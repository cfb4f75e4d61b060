"""The database is unavailable: a French 503 page instead of a 500, wherever it is noticed.

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

from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# Seconds after which the 503 page suggests trying again (its Retry-After header).
RETRY_AFTER_SECONDS = 30
# Lost or refused connections; a DataError or IntegrityError is a bug, not an outage.
UNAVAILABLE = (OperationalError, InterfaceError)


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
        # draw the page as for a visitor.
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
    Django's own 500 page."""
    exception = sys.exception()
    if isinstance(exception, UNAVAILABLE):
        try:
            return database_unavailable(request, exception)
        except Exception:  # a handler that raises leaves the server's bare error
            logger.exception("The 503 page could not be drawn")
    return defaults.server_error(request)

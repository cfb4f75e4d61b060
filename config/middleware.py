"""Project-wide middleware."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Seconds after which the 503 page suggests trying again.
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """The database connection was lost in the middle of a request (server restarted,
    connection terminated, network cut): answer 503 with a French page saying that the
    action was not recorded, rather than a raw 500.

    Nothing half-done can remain: every change of state runs in one transaction
    (derogations.lifecycle), which the lost connection rolled back."""

    def __init__(self, get_response) -> None:  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()  # a new one is opened if the page below needs it
        try:
            response = render(request, "503.html", status=503)
        except DatabaseError:  # the database is still away: a page without it
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

"""Project-wide middleware."""

from django.http import HttpRequest, HttpResponse

from config.errors import UNAVAILABLE, database_unavailable


class DatabaseUnavailableMiddleware:
    """The database connection was lost in the middle of a request (server restarted,
    connection terminated, network cut): answer 503 with a French page saying that the
    action was not recorded, rather than a raw 500. A middleware that loses it before the
    view runs is answered by the 500 handler (config.errors.server_error).

    Nothing half-done can remain: every change of state runs in one transaction
    (derogations.lifecycle), which the lost connection rolled back."""

    def __init__(self, get_response) -> None:  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        return database_unavailable(request, exception)

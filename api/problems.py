"""Errors as RFC 9457 problem details (``application/problem+json``), in the caller's
language (Accept-Language: French by default, English on request)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_TYPE = "application/problem+json"


class ProblemRenderer(JSONRenderer):
    media_type = PROBLEM_TYPE


def titles() -> dict[int, str]:
    return {
        400: _("Requête invalide"),
        401: _("Authentification requise"),
        403: _("Action non autorisée"),
        404: _("Ressource introuvable"),
        405: _("Méthode non autorisée"),
        406: _("Format de réponse non disponible"),
        409: _("Conflit avec l'état de la ressource"),
        413: _("Contenu trop volumineux"),
        415: _("Type de contenu non pris en charge"),
        422: _("Demande incomplète"),
        429: _("Trop de requêtes"),
    }


def problem(status_code: int, detail: str, *, instance: str = "", **extra: Any) -> Response:
    """A problem details answer; ``extra`` adds members (``errors``, ``missing``)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": titles().get(status_code, _("Erreur")),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(body, status=status_code, content_type=PROBLEM_TYPE)


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, answering problem details. An unexpected exception is re-raised (a
    500 logged by Django): the API's views turn every expected refusal into a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Ressource introuvable."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        response = problem(
            status.HTTP_400_BAD_REQUEST,
            _("Certaines valeurs sont invalides : voir « errors »."),
            instance=instance,
            errors=_flatten(exc.detail),
        )
    else:
        response = problem(exc.status_code, str(exc.detail), instance=instance)
    for name, value in headers.items():
        response[name] = value
    set_rollback()
    return response

"""What every API view shares: the caller's language, problem details, paging."""

from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView


def caller_language(request: Request) -> str:
    """French unless Accept-Language prefers English (the portal's two languages)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    best, best_q = settings.LANGUAGE_CODE, -1.0
    for part in header.split(","):
        code, _sep, params = part.strip().partition(";")
        code = code.strip().lower().split("-")[0]
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if code in {"fr", "en"} and q > best_q:
            best, best_q = code, q
    return best


class ApiView(APIView):
    """Answers in the caller's language (Content-Language says which)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        translation.activate(caller_language(request))
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # An exception before initial() (the parser) still answers in the caller's language.
        translation.activate(caller_language(self.request))
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
        return response


def choice_param(request: Request, name: str, allowed: Any) -> str | None:
    """A query parameter among ``allowed`` (None when absent); anything else is a 400."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if value not in allowed:
        from django.utils.translation import gettext as _
        from rest_framework.exceptions import ValidationError

        raise ValidationError({name: [_("Valeur inconnue : %(value)s.") % {"value": value[:50]}]})
    return str(value)


class PageSerializer(serializers.Serializer[Any]):
    page = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)


class NoCountPagination(BasePagination):
    """``?page=&limit=``: reads one row more than the page to know whether another
    follows; never counts the whole list (derogations/paging.py's rule)."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        params = PageSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        self.page, self.limit = params.validated_data["page"], params.validated_data["limit"]
        start = (self.page - 1) * self.limit
        rows = list(queryset[start : start + self.limit + 1])
        self.has_next = len(rows) > self.limit
        self.request = request
        return rows[: self.limit]

    def get_paginated_response(self, data: Any) -> Response:
        url = self.request.build_absolute_uri()
        return Response(
            OrderedDict(
                page=self.page,
                limit=self.limit,
                next=replace_query_param(url, "page", self.page + 1) if self.has_next else None,
                previous=replace_query_param(url, "page", self.page - 1) if self.page > 1 else None,
                results=data,
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["page", "limit", "next", "previous", "results"],
            "properties": {
                "page": {"type": "integer"},
                "limit": {"type": "integer"},
                "next": {"type": ["string", "null"], "format": "uri"},
                "previous": {"type": ["string", "null"], "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": "page", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
        ]  # fmt: skip

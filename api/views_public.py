"""The public registry as an API (no token), with its JSON Schema."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from derogations import registry
from derogations.enums import DerogationStatus, IvdClass

from . import serializers as s
from .base import ApiView, NoCountPagination, choice_param
from .views_operator import PROBLEM

SCHEMA_FILE = Path(__file__).parent / "schemas" / "registry-export.schema.json"


@cache
def export_schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


class PublicView(ApiView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


def _not_modified(request: Request, etag: str) -> bool:
    sent = request.META.get("HTTP_IF_NONE_MATCH", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in sent.split(",")) or sent == "*"


class RegistryView(PublicView):
    @extend_schema(
        operation_id="registry_list",
        summary="Granted global derogations (public), with paging, filters and ETag",
        auth=[],
        parameters=[
            OpenApiParameter("q", str, description="Reference, device, manufacturer or operator."),
            OpenApiParameter("statut", str, enum=DerogationStatus.values),
            OpenApiParameter("classe", str, enum=IvdClass.values),
            OpenApiParameter("tri", str, enum=list(registry.SORT_LABELS)),
        ],
        responses={200: s.page_of(s.RegistryEntrySerializer), 304: None, **PROBLEM},
    )
    def get(self, request: Request) -> Any:
        etag = f'"{registry.etag(request)}"'
        if _not_modified(request, etag):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        for name, allowed in (
            ("statut", DerogationStatus.values), ("classe", IvdClass.values),
            ("tri", list(registry.SORT_LABELS)),
        ):  # fmt: skip
            choice_param(request, name, allowed)  # an empty or unknown value is a 400
        form = registry.RegistryFilterForm(request.query_params or None, history=None)
        if form.is_bound and not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        rows = registry.filtered({"tri": "reference", **form.filters}, history=None)
        paginator = NoCountPagination()
        page = paginator.paginate_queryset(
            rows.values_list("request__reference", flat=True), request, self
        )
        entries = {
            entry["reference"]: entry
            for entry in registry.export_rows(
                registry.public_derogations().filter(request__reference__in=page)
            )
        }
        response = paginator.get_paginated_response([entries[ref] for ref in page])
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response


class RegistrySchemaView(PublicView):
    @extend_schema(
        operation_id="registry_schema",
        summary="JSON Schema (2020-12) of the registry export and of the registry API's entries",
        auth=[],
        responses={200: dict},
    )
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(
            json.dumps(export_schema(), ensure_ascii=False, indent=2),
            content_type="application/json",
        )
        patch_cache_control(response, public=True, max_age=3600)
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response


class NotFoundView(PublicView):
    """Any other path under /api/v1/: a problem details 404, not the portal's HTML page."""

    @extend_schema(exclude=True)
    def get(self, request: Request, rest: str = "") -> HttpResponse:
        raise NotFound(_("Ressource introuvable."))

    post = put = patch = delete = get

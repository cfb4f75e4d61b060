"""The API's reference page: the OpenAPI description in words, on the portal's layout
(no third-party viewer: the portal's CSP allows our own scripts and styles only)."""

from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from .views_public import PublicView

METHODS = ("get", "post", "patch", "put", "delete")


@cache
def openapi_description() -> dict[str, Any]:
    """The OpenAPI description, generated once per process (it depends on code only)."""
    return dict(SchemaGenerator().get_schema(request=None, public=True))


def operations() -> list[dict[str, Any]]:
    """One row per operation: what the template prints."""
    rows = []
    for path, item in openapi_description()["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "operation_id": operation["operationId"],
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [
                        p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
                    ],
                    "body": sorted(body),
                    "responses": sorted(operation.get("responses", {})),
                    "public": operation.get("security") == []
                    or {} in operation.get("security", []),
                }
            )
    return rows


@require_safe
def reference(request: HttpRequest) -> HttpResponse:
    description = openapi_description()
    return render(
        request,
        "api/reference.html",
        {
            "title": description["info"]["title"],
            "version": description["info"]["version"],
            "operations": operations(),
        },
    )


class OpenApiView(PublicView):
    """The OpenAPI 3.1 description at a stable URL (/api/v1/openapi.json)."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        response = JsonResponse(openapi_description(), json_dumps_params={"ensure_ascii": False})
        response["Content-Type"] = "application/vnd.oai.openapi+json;version=3.1"
        patch_cache_control(response, public=True, max_age=3600)
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

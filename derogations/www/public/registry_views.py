"""Public registry of granted global derogations: pages, exports and Atom feed (no login).

Every answer carries an ETag that changes with the registry (registry.etag): a client
that already has the current version gets 304 Not Modified. The open data (exports and
feed) also carry Last-Modified, CORS and public caching headers (open_data,
docs/open-data.md) and answer HEAD without reading the rows. The list pages are rendered
once per registry version, address and language for visitors without a session
(visitor_cache): the next ones get the stored page with their own CSRF token.
"""

import hashlib
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from derogations import registry
from derogations.enums import PUBLIC_ACT_KINDS, DecisionState, DerogationStatus
from derogations.models import Decision, Derogation

from .registry_feed import RegistryFeed

conditional = condition(etag_func=registry.etag)
open_data_conditional = condition(
    etag_func=registry.etag, last_modified_func=registry.last_modified
)
# The registry's pages are kept by the browser and asked again each time with their ETag
# (a 304 when nothing changed); private: their header shows the signed-in person.
revalidated = cache_control(private=True, no_cache=True)

PAGE_CACHE_SECONDS = 600
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = "\x00csrf\x00"  # never in a rendered page


def visitor_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the page from the cache to a visitor without session or messages cookie: the
    key holds the registry's ETag (data, day, language), so a change of the data is a new
    key and nothing has to be invalidated. The stored page has a placeholder where the
    CSRF token was (the language switch form); each answer puts the visitor's token."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or CookieStorage.cookie_name in request.COOKIES
        ):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"registry-page:{registry.etag(request)}:{path}"
        stored = cache.get(key)
        if stored is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                page = _CSRF_INPUT.sub(
                    rf"\g<1>{_CSRF_PLACEHOLDER}\g<2>", response.content.decode(response.charset)
                )
                cache.set(key, (page, response["Content-Type"]), PAGE_CACHE_SECONDS)
            return response
        page, content_type = stored
        response = HttpResponse(
            page.replace(_CSRF_PLACEHOLDER, get_token(request)), content_type=content_type
        )
        patch_vary_headers(response, ["Cookie"])  # signed-in people see their own header
        return response

    return wrapped


def open_data(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Headers of the open data, on every answer of ``view`` (304 included): any site may
    read it from a browser (CORS, CORP) and any cache may keep it for
    PORTAL_OPEN_DATA_MAX_AGE seconds. Its language comes from the language cookie, hence
    Vary: Cookie."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        # Last-Modified is readable by scripts of other sites as it is; ETag must be named.
        response["Access-Control-Expose-Headers"] = "ETag"
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        patch_cache_control(response, public=True, max_age=settings.PORTAL_OPEN_DATA_MAX_AGE)
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapped


def _list(request: HttpRequest, *, history: bool) -> HttpResponse:
    form = registry.RegistryFilterForm(request.GET or None, history=history)
    filters = form.filters
    rows = registry.public_values(registry.filtered(filters, history=history))
    paginator = registry.VersionedCountPaginator(
        rows, registry.PAGE_SIZE, key=registry.count_key(request, filters, history=history)
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "registry/list.html",
        {"form": form, "page": page, "rows": registry.list_rows(page), "history": history},
    )


@require_safe
@revalidated
@conditional
@visitor_cache
def registry_list(request: HttpRequest) -> HttpResponse:
    return _list(request, history=False)


@require_safe
@revalidated
@conditional
@visitor_cache
def registry_history(request: HttpRequest) -> HttpResponse:
    return _list(request, history=True)


@require_safe
@revalidated
@conditional
def registry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    derogation = get_object_or_404(
        registry.for_display(registry.public_derogations()), request__reference=reference
    )
    acts = Decision.objects.filter(
        request_id=derogation.request_id, state=DecisionState.ISSUED, kind__in=PUBLIC_ACT_KINDS
    ).order_by("issued_at", "pk")
    # Annotations of registry.for_display.
    public_status = derogation.public_status  # type: ignore[attr-defined]
    last_act_at = derogation.last_act_at  # type: ignore[attr-defined]
    return render(
        request,
        "registry/detail.html",
        {
            "derogation": derogation,
            "req": derogation.request,
            "status_label": DerogationStatus(public_status).label,
            "status_date": registry.state_date(public_status, derogation.valid_until, last_act_at),
            "acts": acts,
        },
    )


def _export_rows(request: HttpRequest) -> QuerySet[Derogation]:
    """Exports hold every derogation, current and expired, filtered like the page."""
    form = registry.RegistryFilterForm(request.GET or None, history=None)
    filters = {"tri": "reference", **form.filters}
    return registry.filtered(filters, history=None)


@require_safe
@open_data
@open_data_conditional
def registry_json(request: HttpRequest) -> StreamingHttpResponse:
    chunks = registry.json_chunks(_export_rows(request)) if request.method == "GET" else ()
    response = StreamingHttpResponse(chunks, content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="derogations-globales.json"'
    return response


@require_safe
@open_data
@open_data_conditional
def registry_csv(request: HttpRequest) -> StreamingHttpResponse:
    # HEAD: the headers only, without reading the rows.
    lines = registry.csv_lines(_export_rows(request)) if request.method == "GET" else ()
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="derogations-globales.csv"'
    return response


registry_feed = require_safe(open_data(open_data_conditional(RegistryFeed())))

"""Target 7: a gunicorn worker's resident memory after N mixed requests.

gunicorn runs 1 sync worker on loopback with bench.settings (every request reaches the
one worker measured); a plain http.client loop sends in turn the queue pages, the
dashboard, the public registry (list, filtered, history, a summary page, a searched CSV
export), the
letter verification page (with a real code), the trivial page and hello-world, with the
session cookies of an evaluator and of an operator; then VmRSS is read from
/proc/<worker>/status.
"""

import http.client
import time
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from bench.measure import Row, yes_no
from bench.server import gunicorn, rss_kb
from derogations.enums import DecisionState
from derogations.models import Decision, Derogation

from . import Context, dashboard, queue

BOUND_MB = 200


def _url(name: str, params: dict[str, str] | None = None, args: list[str] | None = None) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(params)}" if params else url


def _paths(ctx: Context) -> list[tuple[str, str]]:
    """(path, session cookie) in the order they are sent."""
    evaluator = ctx.client(ctx.evaluator).cookies[settings.SESSION_COOKIE_NAME].value
    operator = ctx.client(ctx.operator).cookies[settings.SESSION_COOKIE_NAME].value
    paths = [(_url("reviews:queue", p), evaluator) for p, _admin in queue.PAGES.values()]
    paths += [
        (_url("derogations:dashboard", p), operator) for p, _admin in dashboard.PAGES.values()
    ]
    paths += [
        (_url("reviews:queue", {"page": "3"}), evaluator),
        (_url("derogations:dashboard", {"page": "2"}), operator),
    ]
    code = (
        Decision.objects.filter(state=DecisionState.ISSUED)
        .values_list("verification_code", flat=True)
        .first()
    )
    reference = Derogation.objects.filter(request__kind="global").values_list(
        "request__reference", flat=True
    )[0]
    paths += [
        (_url("derogations:registry"), ""),
        (_url("derogations:registry", {"page": "7", "tri": "reference"}), ""),
        (_url("derogations:registry", {"q": "Modèle", "classe": "C"}), ""),
        (_url("derogations:registry_history"), ""),
        (_url("derogations:registry_detail", args=[reference]), ""),
        (_url("derogations:registry", {"page": "2"}), operator),
        (_url("derogations:verify", {"code": code}), ""),
        (_url("derogations:verify"), ""),
        (_url("derogations:registry_csv", {"q": "GenoRare Panel 1"}), ""),
        (_url("bench_trivial"), evaluator),
        (_url("bench_hello"), ""),
    ]
    return paths


def run(ctx: Context) -> list[Row]:
    paths = _paths(ctx)
    statuses: dict[int, int] = {}
    with gunicorn(workers=1) as server:
        (worker,) = server.workers
        before = time.perf_counter()
        start_kb = 0
        for i in range(ctx.mixed_requests):
            path, session = paths[i % len(paths)]
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"} if session else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if i == len(paths) - 1:
                start_kb = rss_kb(worker)  # every page seen once
        seconds = time.perf_counter() - before
        end_kb = rss_kb(worker)
    if set(statuses) != {200}:
        raise RuntimeError(f"unexpected statuses from gunicorn: {statuses}")
    rss_mb = end_kb / 1024
    return [
        Row(
            f"7 gunicorn worker RSS after {ctx.mixed_requests:,} mixed requests "
            f"({len(paths)} pages in turn)",
            f"{rss_mb:.0f} MB (after one of each: {start_kb / 1024:.0f} MB; "
            f"{ctx.mixed_requests / seconds:.0f} req/s)",
            f"< {BOUND_MB} MB",
            yes_no(rss_mb < BOUND_MB),
        )
    ]

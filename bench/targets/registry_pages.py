"""Target 3b: the public registry RENDERED, a different query string each request (the
page cache of registry_views.visitor_cache and the browser's ETag cannot answer), for an
anonymous visitor and for a signed-in operator, against the trivial page in alternating
blocks, in process, at the bench's largest size."""

import itertools

from django.test import Client
from django.urls import reverse

from bench.measure import Row, alternated_medians_ms, get_ok, request, yes_no

from . import Context

BOUND = 4.0
# What people ask the registry, in turn; a counter makes each address new.
QUERIES = [{}, {"classe": "C"}, {"tri": "reference"}, {"q": "GenoRare"}, {"page": "3"},
           {"statut": "suspended"}, {"tri": "-fin", "classe": "D"}]  # fmt: skip


def fresh(client: Client, url: str):  # type: ignore[no-untyped-def]
    counter = itertools.count()

    def call() -> None:
        n = next(counter)
        get_ok(client, url, {**QUERIES[n % len(QUERIES)], "v": str(n)})

    return call


def run(ctx: Context) -> list[Row]:
    url = reverse("derogations:registry")
    trivial = request(ctx.client(ctx.evaluator), reverse("bench_trivial"))
    trivial_ms, anonymous_ms, signed_in_ms = alternated_medians_ms(
        [trivial, fresh(Client(), url), fresh(ctx.client(ctx.operator), url)], ctx.repeat
    )
    return [
        Row(
            f"3 registry rendered, {who}, a new query string each request",
            f"{ms:.1f} ms = {ms / trivial_ms:.2f} × trivial ({trivial_ms:.1f} ms)",
            f"≤ {BOUND:g} ×",
            yes_no(ms / trivial_ms <= BOUND),
        )
        for who, ms in (("anonymous", anonymous_ms), ("signed in", signed_in_ms))
    ]

"""Target 1b: the deepest queue page a user reaches through the public URL, at 1,000,000
requests: ``?page=500`` of the queue's default view, against the trivial page in
alternating blocks. Whatever the list does with a deep page number (shows it, shows the
last page, redirects, answers a prompt to narrow the search), what the user gets is
measured, redirects followed, and said in the figure."""

import re

from django.urls import reverse

from bench.measure import Row, alternated_medians_ms, request, yes_no

from . import Context

BOUND = 4.0
DEPTH = 500
CURRENT = re.compile(r'fr-pagination__link" aria-current="page"[^>]*>\s*([^<]*?)\s*<')


def run(ctx: Context) -> list[Row]:
    client, url = ctx.client(ctx.evaluator), reverse("reviews:queue")
    params = {"page": str(DEPTH)}
    answer = client.get(url, params, follow=True)
    if answer.status_code != 200:
        raise RuntimeError(f"{url}?page={DEPTH}: HTTP {answer.status_code}")
    shown = CURRENT.search(answer.content.decode())
    redirects = " → ".join(target for target, _status in answer.redirect_chain)
    got = f"page {shown[1]}" if shown else "no page number"
    if redirects:
        got += f" after redirects to {redirects}"

    def deep() -> None:
        final = client.get(url, params, follow=True)
        if final.status_code != 200:
            raise RuntimeError(f"{url}?page={DEPTH}: HTTP {final.status_code}")

    trivial = request(client, reverse("bench_trivial"))
    trivial_ms, ms = alternated_medians_ms([trivial, deep], ctx.repeat)
    return [
        Row(
            f"1 queue, ?page={DEPTH} at {ctx.large:,} requests (the user gets {got})",
            f"{ms:.1f} ms = {ms / trivial_ms:.2f} × trivial ({trivial_ms:.1f} ms)",
            f"≤ {BOUND:g} ×",
            yes_no(ms / trivial_ms <= BOUND),
        )
    ]

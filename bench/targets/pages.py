"""Targets 1 and 2 share this: a list page against the trivial page, its SQL query count
at two data sizes, and the plans of its queries on the requests table."""

from dataclasses import dataclass

from django.test import Client
from django.urls import reverse

from bench.measure import (
    CAPPED_COUNT,
    Row,
    alternated_medians_ms,
    captured,
    explain_page,
    get_ok,
    unbounded_seq_scans,
    yes_no,
)

from . import Context

TIME_BOUND = 3.0


@dataclass
class ListPage:
    target: str
    url_name: str
    user: str  # the Context attribute of the user who reads the page
    pages: dict[str, dict[str, str]]
    plans_of: tuple[str, ...]

    def _client(self, ctx: Context) -> Client:
        return ctx.client(getattr(ctx, self.user))

    def query_counts(self, ctx: Context) -> dict[str, int]:
        client, url = self._client(ctx), reverse(self.url_name)
        get_ok(client, url)  # warm up: session, caches
        return {
            f"{self.target} {name}": len(captured(client, url, params))
            for name, params in self.pages.items()
        }

    def rows(self, ctx: Context) -> list[Row]:
        client, url = self._client(ctx), reverse(self.url_name)
        large = self.query_counts(ctx)
        rows = []
        trivial = (ctx.client(ctx.evaluator), reverse("bench_trivial"), None)
        for name, params in self.pages.items():
            # The trivial page and this one in alternating blocks: a ratio of the same minutes.
            trivial_ms, ms = alternated_medians_ms(trivial, (client, url, params), ctx.repeat)
            ratio = ms / trivial_ms
            rows.append(
                Row(
                    f"{self.target} {name}: median server time",
                    f"{ms:.1f} ms = {ratio:.2f} × trivial ({trivial_ms:.1f} ms, blocks in turn)",
                    f"≤ {TIME_BOUND:g} ×",
                    yes_no(ratio <= TIME_BOUND),
                )
            )
            key = f"{self.target} {name}"
            small = ctx.small_counts.get(key)
            rows.append(
                Row(
                    f"{key}: SQL queries",
                    f"{small} at 10 % of the data, {large[key]} at 100 %",
                    "equal",
                    yes_no(small == large[key]),
                )
            )
        for name in self.plans_of:
            plans = explain_page(client, url, self.pages[name])
            for plan in plans:
                print(f"  plan [{self.target} {name}]: {plan}")
            scans = unbounded_seq_scans(plans)
            capped = plans.count(CAPPED_COUNT)
            rows.append(
                Row(
                    f"{self.target} {name}: EXPLAIN",
                    f"{len(plans)} queries on the requests table, {len(scans)} Seq Scan"
                    + (f" (+ {capped} capped count stopping at 1,001 rows)" if capped else ""),
                    "no Seq Scan on requests",
                    yes_no(not scans),
                )
            )
        return rows

"""Targets 1 and 2 share this: a list page at 1,000,000 requests against itself at 10,000
(bench/sizes.py: two databases, one process), against the trivial page and against the
Django admin's changelist of the requests searching the same columns (bench/admin.py), all
in alternating blocks in one run; its SQL query count at both sizes; the plans of its
queries on the requests table."""

from dataclasses import dataclass, field

from django.test import Client
from django.urls import reverse

from bench import sizes
from bench.measure import (
    CAPPED_COUNT,
    Row,
    alternated_medians_ms,
    captured,
    explain_page,
    request,
    unbounded_seq_scans,
    yes_no,
)

from . import Context

OWN_BOUND = 1.2  # × the same page at 10,000 requests
TRIVIAL_BOUND = 3.5  # × the trivial page
ADMIN_BOUND = 0.2  # × the Django admin's changelist
ADMIN_CHANGELIST = "bench_admin:derogations_derogationrequest_changelist"


@dataclass
class ListPage:
    target: str
    url_name: str
    user: str  # the Context attribute of the user who reads the page
    # name: (the page's query string, the admin changelist's that shows the same files)
    pages: dict[str, tuple[dict[str, str], dict[str, str]]]
    plans_of: tuple[str, ...]
    admin_notes: dict[str, str] = field(default_factory=dict)

    def page_client(self, ctx: Context) -> Client:
        return ctx.client(getattr(ctx, self.user))

    def admin_params(self, ctx: Context, params: dict[str, str]) -> dict[str, str]:
        return params

    def rows(self, ctx: Context) -> list[Row]:
        client, url = self.page_client(ctx), reverse(self.url_name)
        admin_client, admin_url = ctx.client(ctx.admin), reverse(ADMIN_CHANGELIST)
        trivial = request(ctx.client(ctx.evaluator), reverse("bench_trivial"))
        rows = []
        for name, (params, admin_params) in self.pages.items():
            page = request(client, url, params)

            def small(page=page) -> None:  # type: ignore[no-untyped-def]
                with sizes.on(sizes.SMALL):
                    page()

            admin = request(admin_client, admin_url, self.admin_params(ctx, admin_params))
            trivial_ms, small_ms, ms, admin_ms = alternated_medians_ms(
                [trivial, small, page, admin],
                ctx.repeat,
                repeats=[ctx.repeat] * 3 + [max(3, ctx.repeat // 3)],
            )
            key = f"{self.target} {name}"
            sized = f"at {ctx.large:,} requests"
            rows += [
                Row(
                    f"{key}: {sized} against {ctx.small:,}",
                    f"{ms:.1f} ms = {ms / small_ms:.2f} × ({small_ms:.1f} ms)",
                    f"≤ {OWN_BOUND:g} ×",
                    yes_no(ms / small_ms <= OWN_BOUND),
                ),
                Row(
                    f"{key}: {sized} against the trivial page",
                    f"{ms / trivial_ms:.2f} × trivial ({trivial_ms:.1f} ms)",
                    f"≤ {TRIVIAL_BOUND:g} ×",
                    yes_no(ms / trivial_ms <= TRIVIAL_BOUND),
                ),
                Row(
                    f"{key}: {sized} against the Django admin changelist"
                    + (f" ({self.admin_notes[name]})" if name in self.admin_notes else ""),
                    f"{ms / admin_ms:.3f} × admin ({admin_ms:.0f} ms)",
                    f"≤ {ADMIN_BOUND:g} ×",
                    yes_no(ms / admin_ms <= ADMIN_BOUND),
                ),
            ]
            # The fewer of two: the queue's filter lists are read again every 5 s.
            large_count = min(len(captured(client, url, params)) for _ in range(2))
            with sizes.on(sizes.SMALL):
                small_count = min(len(captured(client, url, params)) for _ in range(2))
            rows.append(
                Row(
                    f"{key}: SQL queries",
                    f"{small_count} at {ctx.small:,} requests, {large_count} at {ctx.large:,}",
                    "equal",
                    yes_no(small_count == large_count),
                )
            )
        for name in self.plans_of:
            plans = explain_page(client, url, self.pages[name][0])
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

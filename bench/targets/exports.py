"""Target 4: registry CSV and JSON exports of 2,000 and 20,000 entries.

Each export runs in a fresh process (bench/export_probe.py) so that its peak resident
memory is its own; the growth from 2,000 to 20,000 entries must stay under 30 MB and the
time per entry must not grow (linear: at most 1.3 × the time per entry at 2,000). The
views must answer with a streamed response. Global derogations are added by the generator
(COPY) when the registry holds fewer than 20,000.
"""

import json
import subprocess
import sys

from django.test import Client
from django.urls import reverse

from bench.measure import Row, yes_no
from derogations.models import Derogation

from . import Context

SIZES = (2_000, 20_000)
BOUND_MB = 30
LINEAR = 1.3


def _probe(fmt: str, size: int) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "bench.export_probe", fmt, str(size)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def run(ctx: Context) -> list[Row]:
    missing = SIZES[-1] - Derogation.objects.filter(request__kind="global").count()
    if missing > 0:
        ctx.generator.resync()
        ctx.generator.requests(count=missing, granted_globals=missing, big_org_files=0)
        ctx.generator.analyze()
    rows = []
    for fmt in ("csv", "json"):
        response = Client().get(reverse(f"derogations:registry_{fmt}"))
        streamed = response.status_code == 200 and response.streaming
        small, large = (_probe(fmt, size) for size in SIZES)
        for probe, size in zip((small, large), SIZES, strict=True):
            if probe["lines"] < size:
                raise RuntimeError(f"{fmt} export of {size}: {probe['lines']} lines")
        grown_kb = [probe["peak_kb"] - probe["before_kb"] for probe in (small, large)]
        growth_mb = (grown_kb[1] - grown_kb[0]) / 1024
        per_entry = [
            probe["seconds"] / size for probe, size in zip((small, large), SIZES, strict=True)
        ]
        slope = per_entry[1] / per_entry[0]
        rows += [
            Row(
                f"4 registry {fmt.upper()} export: peak RSS growth 2,000 → 20,000 entries",
                f"+{growth_mb:.1f} MB ({small['bytes'] / 1e6:.1f} MB → "
                f"{large['bytes'] / 1e6:.1f} MB sent; streamed: {yes_no(streamed)})",
                f"< {BOUND_MB} MB, streamed",
                yes_no(growth_mb < BOUND_MB and streamed),
            ),
            Row(
                f"4 registry {fmt.upper()} export: time 2,000 → 20,000 entries",
                f"{small['seconds']:.2f} s → {large['seconds']:.2f} s (per entry × {slope:.2f})",
                f"linear (per entry ≤ {LINEAR:g} ×)",
                yes_no(slope <= LINEAR),
            ),
        ]
    return rows

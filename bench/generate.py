"""The benchmarks' data: tests.bulk_data (COPY, shared with the query-plan tests), timed.

Used by bench/run.py (``bash bench/run.sh --generate-only`` fills and keeps nothing).
"""

import time
from typing import Any

from tests.bulk_data import FULL, Generator, generate

__all__ = ["FULL", "Generator", "generate", "timed_generate"]


def timed_generate(scale: float, **kwargs: Any) -> Generator:
    before = time.perf_counter()
    start_counts = dict(kwargs["gen"].counts) if kwargs.get("gen") else {}
    gen = generate(scale, **kwargs)
    seconds = time.perf_counter() - before
    rows = sum(gen.counts.values()) - sum(start_counts.values())
    detail = ", ".join(
        f"{table.split('_', 1)[1]} {count - start_counts.get(table, 0):,}"
        for table, count in gen.counts.items()
    )
    print(f"generated {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s): {detail}")
    return gen

"""Stream one registry export in a fresh process and print its figures as JSON:
``python -m bench.export_probe csv 20000``.

The rows are those of the export view (registry_views._export_rows: every derogation,
sorted by reference) cut to the first N, streamed by the generator the view hands to
StreamingHttpResponse (registry.csv_lines / json_chunks), byte by byte counted and
dropped as a server would send them. Resident memory (VmRSS) is read before (after
Django and a warm-up export of 10 rows) and every 200 chunks during the export: its
highest value is the peak (ru_maxrss, the process's high-water mark since it started,
would hide a growth that stays under the memory taken by the imports).
"""

import json
import os
import sys
import time
from pathlib import Path


def vm_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main() -> None:
    fmt, size = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.test import RequestFactory
    from django.urls import reverse

    from derogations import registry
    from derogations.www.public import registry_views

    stream = registry.csv_lines if fmt == "csv" else registry.json_chunks
    request = RequestFactory().get(reverse(f"derogations:registry_{fmt}"))
    rows = registry_views._export_rows(request)

    peak = [0]

    def export(n: int) -> tuple[int, int]:
        sent = lines = 0
        for number, chunk in enumerate(stream(rows[:n])):
            sent += len(chunk.encode())
            lines += chunk.count("\n")
            if number % 200 == 0:
                peak[0] = max(peak[0], vm_rss_kb())
        peak[0] = max(peak[0], vm_rss_kb())
        return sent, lines

    export(10)
    before_kb = peak[0] = vm_rss_kb()
    started = time.perf_counter()
    sent, lines = export(size)
    seconds = time.perf_counter() - started
    figures = {"bytes": sent, "lines": lines, "seconds": seconds}
    print(json.dumps({**figures, "before_kb": before_kb, "peak_kb": peak[0]}))


if __name__ == "__main__":
    main()

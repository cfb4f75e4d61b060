"""Stream one registry export in a fresh process and print its figures as JSON:
``python -m bench.export_probe csv 20000``.

The rows are those of the export view (registry_views._export_rows: every derogation,
sorted by reference) cut to the first N, streamed by the generator the view hands to
StreamingHttpResponse (registry.csv_lines / json_chunks), byte by byte counted and
dropped as a server would send them. Peak resident memory (ru_maxrss) is read before
(after Django, a warm-up export of 10 rows) and after.
"""

import json
import os
import resource
import sys
import time


def main() -> None:
    fmt, size = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.test import RequestFactory
    from django.urls import reverse

    from derogations import registry, registry_views

    stream = registry.csv_lines if fmt == "csv" else registry.json_chunks
    request = RequestFactory().get(reverse(f"derogations:registry_{fmt}"))
    rows = registry_views._export_rows(request)

    def export(n: int) -> tuple[int, int]:
        sent = lines = 0
        for chunk in stream(rows[:n]):
            sent += len(chunk.encode())
            lines += chunk.count("\n")
        return sent, lines

    export(10)
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    sent, lines = export(size)
    seconds = time.perf_counter() - started
    after_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "bytes": sent,
                "lines": lines,
                "seconds": seconds,
                "before_kb": before_kb,
                "peak_kb": after_kb,
            }  # fmt: skip
        )
    )


if __name__ == "__main__":
    main()

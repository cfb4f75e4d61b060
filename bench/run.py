"""Run the benchmarks of issue 8 on the PostgreSQL of DATABASE_URL and print a table.

Normally started by ``bash bench/run.sh [--scale 0.1]``, which brings a throw-away
PostgreSQL up and down around it. Never fails on time: it prints figures.

Steps: migrate; generate 10 % of the data; count each list page's SQL queries; generate
the other 90 %; VACUUM ANALYZE; measure every target; print the table.
"""

import argparse
import importlib
import os
import sys
import time

# Module of bench/targets for each target of issue 8, in the order they run.
TARGETS = {
    "queue": "1",
    "dashboard": "2",
    "letters": "5",
    "registry": "3",
    "fanout": "6",
    "memory": "7",
    "exports": "4",
    "uploads": "issue 15, finding 1",
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmarks of issue 8")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="data volume; 1.0 = 100,000 requests"
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument(
        "--mixed-requests",
        type=int,
        default=None,
        help="requests sent to gunicorn for target 7 (default 10,000 × scale, at least 500)",
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated, among {','.join(TARGETS)} (default: all, in that order)",
    )
    parser.add_argument("--generate-only", action="store_true", help="fill the database, stop")
    return parser.parse_args()


def table(rows: list) -> str:
    header = ("target", "figure", "bound", "met")
    cells = [header] + [(r.target, r.figure, r.bound, r.met) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = [" | ".join(c[i].ljust(widths[i]) for i in range(4)) for c in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    args = parse()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from bench import generate
    from bench.targets import Context

    chosen = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = set(chosen) - set(TARGETS)
    if unknown:
        sys.exit(f"bench: unknown targets {sorted(unknown)}; choose among {list(TARGETS)}")
    modules = [
        importlib.import_module(f"bench.targets.{name}") for name in TARGETS if name in chosen
    ]

    if connection.vendor != "postgresql":
        sys.exit("bench: set DATABASE_URL to a PostgreSQL database (bench/run.sh does)")
    started = time.perf_counter()
    if not any(getattr(target, "NEEDS_DATA", True) for target in modules):
        rows = [row for target in modules for row in target.run(Context.bare(args.repeat))]
        print(table(rows))
        return
    call_command("migrate", verbosity=0)
    print(f"bench: scale {args.scale}, {connection.settings_dict['NAME']} on PostgreSQL")
    gen = generate.timed_generate(args.scale, share=0.1)
    if args.generate_only:
        generate.timed_generate(args.scale, share=0.9, gen=gen)
        return
    ctx = Context(
        scale=args.scale,
        repeat=args.repeat,
        mixed_requests=args.mixed_requests or max(500, round(10_000 * args.scale)),
        evaluator=User.objects.get(pk=gen.evaluators[0]),
        operator=User.objects.get(pk=gen.organisations[0]),
        generator=gen,
    )
    for target in modules:
        if hasattr(target, "query_counts"):
            ctx.small_counts.update(target.query_counts(ctx))
    generate.timed_generate(args.scale, share=0.9, gen=gen)
    settle()
    rows = []
    for target in modules:
        print(f"bench: {target.__name__.rsplit('.', 1)[1]}", flush=True)
        found = target.run(ctx)
        for row in found:  # as soon as measured: the gunicorn target takes minutes
            print(f"  {row.target}: {row.figure} (bound {row.bound}: {row.met})", flush=True)
        rows += found
    print()
    print(table(rows))
    print(f"\nbench: done in {time.perf_counter() - started:.0f} s")


def settle(most_seconds: float = 300) -> None:
    """Wait until PostgreSQL's autovacuum workers have finished with the rows just written
    (they would share the 2 cores with the measures), then for no worker 3 s in a row."""
    from django.db import connection

    started, quiet_since = time.perf_counter(), None
    while time.perf_counter() - started < most_seconds:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            )
            (workers,) = cursor.fetchone()
        now = time.perf_counter()
        if workers:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 3:
            break
        time.sleep(0.5)
    print(f"bench: database settled after {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()

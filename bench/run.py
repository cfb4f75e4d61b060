"""Run the benchmarks of issues 8 and 18 on the PostgreSQL of DATABASE_URL, print a table.

Normally started by ``bash bench/run.sh [--requests 1000000]``, which brings a throw-away
PostgreSQL up and down around it. Never fails on time: it prints figures, PASS or FAIL.

Steps: migrate; generate the base (``--base`` requests, tests.bulk_data); sign the
bench's users in; copy the base into the small database and multiply it up to
``--requests`` in the large one (bench/sizes.py); VACUUM ANALYZE; measure every target;
print the table.
"""

import argparse
import importlib
import os
import sys
import time

# Module of bench/targets for each target of issue 8, in the order they run.
TARGETS = {
    "queue": "1",
    "deep": "issue 18, 2",
    "registry_pages": "issue 18, 3",
    "dashboard": "2",
    "letters": "5",
    "registry": "3",
    "fanout": "6",
    "memory": "7",
    "exports": "4",
    "uploads": "issue 15, finding 1",
}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmarks of issues 8 and 18")
    parser.add_argument(
        "--requests", type=int, default=1_000_000, help="requests of the large database"
    )
    parser.add_argument(
        "--base",
        type=int,
        default=10_000,
        help="requests generated one by one (the small database); --requests must be a "
        "multiple of it",
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page")
    parser.add_argument(
        "--mixed-requests",
        type=int,
        default=None,
        help="requests sent to gunicorn for target 7 (default 1 %% of --requests, at least 500)",
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
    verdict = {"yes": "PASS", "no": "FAIL"}
    cells = [header] + [(r.target, r.figure, r.bound, verdict.get(r.met, r.met)) for r in rows]
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

    from accounts.enums import Role
    from accounts.models import User
    from bench import generate, sizes
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
    if args.requests % args.base:
        sys.exit("bench: --requests must be a multiple of --base")
    call_command("migrate", verbosity=0)
    print(f"bench: {args.base:,} then {args.requests:,} requests, on PostgreSQL", flush=True)
    scale = args.base / generate.FULL["requests"]
    gen = generate.timed_generate(scale)
    if args.generate_only:
        multiply(args.requests // args.base)
        return
    admin = User.objects.create(
        email="admin@ansm.example", role=Role.EVALUATOR, is_staff=True, is_superuser=True
    )
    ctx = Context(
        scale=scale,
        repeat=args.repeat,
        mixed_requests=args.mixed_requests or max(500, args.requests // 100),
        evaluator=User.objects.get(pk=gen.evaluators[0]),
        operator=User.objects.get(pk=gen.organisations[0]),
        admin=admin,
        generator=gen,
        small=args.base,
        large=args.requests,
    )
    for user in (ctx.evaluator, ctx.operator, ctx.admin):
        ctx.client(user)  # signed in before the copy: the sessions exist at both sizes
    print(f"bench: small database copied in {sizes.clone_to_small():.1f} s", flush=True)
    multiply(args.requests // args.base)
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
    sizes.drop_small()


def multiply(factor: int) -> None:
    from django.db import connection

    from bench import sizes

    before = time.perf_counter()
    seconds = sizes.multiply(factor)
    detail = ", ".join(f"{table} {s:.0f} s" for table, s in seconds.items())
    print(f"bench: base × {factor} in {time.perf_counter() - before:.0f} s ({detail})", flush=True)
    before = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"bench: VACUUM ANALYZE in {time.perf_counter() - before:.0f} s", flush=True)


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

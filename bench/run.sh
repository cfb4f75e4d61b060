#!/usr/bin/env bash
# The benchmarks of issues 8 and 18 in one command, on a throw-away PostgreSQL 15:
#   bash bench/run.sh [--requests 1000000] [--base 10000] [--repeat 15] [--mixed-requests N]
#     [--targets queue,deep,registry_pages,dashboard,letters,registry,fanout,memory,exports,uploads]
# (`--targets uploads` alone needs no data: nothing is generated)
# Starts PostgreSQL (scripts/pg_tmp.sh), migrates, generates at two sizes (bench/sizes.py),
# measures, prints a table with PASS/FAIL per bound, stops PostgreSQL. Never fails on time.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/python ]] || bash scripts/bootstrap.sh
unset DATABASE_URL REDIS_URL EMAIL_URL DJANGO_SETTINGS_MODULE
export PG_TMP_STATE="var/pg_tmp.bench.$$.env"
trap 'bash scripts/pg_tmp.sh stop >/dev/null || true' EXIT
DATABASE_URL=$(bash scripts/pg_tmp.sh start | sed -n 's/^DATABASE_URL=//p')
[[ -n $DATABASE_URL ]] || { echo "PostgreSQL did not start" >&2; exit 1; }
export DATABASE_URL DJANGO_SETTINGS_MODULE=bench.settings
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var -v 0
.venv/bin/python -m bench.run "$@"

#!/usr/bin/env bash
# Issue 21: recovery from faults on the production-shaped stack (bench/faults.py):
#   bash bench/faults.sh [--acts 4] [--outage 10] [--faults worker-kill9,redis-stop,...]
# Starts a throw-away PostgreSQL (scripts/pg_tmp.sh), runs every fault, prints a table,
# stops PostgreSQL. Prints figures; never fails on time.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/python ]] || bash scripts/bootstrap.sh
unset DATABASE_URL APP_DATABASE_URL REDIS_URL EMAIL_URL DJANGO_SETTINGS_MODULE
export PG_TMP_STATE="var/pg_tmp.faults.$$.env"
trap 'bash scripts/pg_tmp.sh stop >/dev/null || true' EXIT
urls=$(bash scripts/pg_tmp.sh start)
DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' <<<"$urls")
APP_DATABASE_URL=$(sed -n 's/^APP_DATABASE_URL=//p' <<<"$urls")
[[ -n $DATABASE_URL && -n $APP_DATABASE_URL ]] || { echo "PostgreSQL did not start" >&2; exit 1; }
export DATABASE_URL APP_DATABASE_URL
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var -v 0
.venv/bin/python -m bench.faults "$@"

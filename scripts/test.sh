#!/usr/bin/env bash
# Command 2: install what is needed, start a throw-away PostgreSQL 15 and run the whole
# test suite on it. Arguments go to pytest: bash scripts/test.sh -k lifecycle
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

bash scripts/bootstrap.sh
# The suite's own settings only (pyproject), whatever this shell has configured.
unset DATABASE_URL APP_DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL EMAIL_URL DJANGO_SETTINGS_MODULE DJANGO_STORAGE MEDIA_ROOT PORTAL_VAR_DIR
echo "==> Compiling translations"
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=var -v 0

# One state file per run, so that two runs on the same machine do not collide.
export PG_TMP_STATE="var/pg_tmp.$$.env"
finish() {
  local status=$?
  bash scripts/pg_tmp.sh stop >/dev/null || true
  echo "==> Elapsed: $((SECONDS - started)) s (exit status $status)"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> Starting a throw-away PostgreSQL 15"
pg_urls=$(bash scripts/pg_tmp.sh start)
DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' <<<"$pg_urls")
[[ -n $DATABASE_URL ]] || { echo "PostgreSQL did not start" >&2; exit 1; }
# The restricted application role, for tests/security/test_audit_role.py.
APP_DATABASE_URL=$(sed -n 's/^APP_DATABASE_URL=//p' <<<"$pg_urls")
export DATABASE_URL APP_DATABASE_URL

echo "==> Quality gate: ruff format, ruff check, migrations up to date"
.venv/bin/ruff format --check --quiet .
.venv/bin/ruff check --quiet .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "A model change has no migration: run manage.py makemigrations" >&2; exit 1; }
# Known vulnerabilities in the dependencies: skipped (with a message) without network.
bash scripts/audit_dependencies.sh

echo "==> pytest $*"
.venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# The quality gate, without PostgreSQL: formatting, lint, types, templates, migrations up to
# date and the import arrows between the apps. scripts/test.sh runs it before the suite;
# run it alone before a commit: bash scripts/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
# The embedded defaults (SQLite, no broker), whatever this shell has configured.
unset DATABASE_URL APP_DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL EMAIL_URL DJANGO_SETTINGS_MODULE

step() { echo "==> [$((SECONDS - started)) s] $1"; }

step "ruff format --check"
.venv/bin/ruff format --check --quiet .
step "ruff check"
.venv/bin/ruff check --quiet .
step "mypy (django-stubs)"
.venv/bin/mypy
step "djlint templates/"
.venv/bin/djlint templates --lint --quiet
step "makemigrations --check (SQLite)"
DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "A model change has no migration: run manage.py makemigrations" >&2; exit 1; }
step "import arrows between the apps, and other source checks (tests/test_architecture.py)"
.venv/bin/python -m pytest -p no:xdist -p no:cacheprovider -q tests/test_architecture.py
echo "==> Quality gate passed in $((SECONDS - started)) s"

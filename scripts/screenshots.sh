#!/usr/bin/env bash
# Regenerate the screenshots of docs/screenshots/ from the browser suite: the pages marked
# `shot=True` in tests/e2e/pages.py, for each role, as the production stack serves them
# (a throw-away PostgreSQL with its restricted role, as scripts/test.sh), headless Chromium.
# Usage: bash scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh >/dev/null
.venv/bin/python manage.py compilemessages -l en >/dev/null
export PG_TMP_STATE="var/pg_shots.$$.env"
trap 'bash scripts/pg_tmp.sh stop >/dev/null || true' EXIT
pg_urls=$(bash scripts/pg_tmp.sh start)
DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' <<<"$pg_urls")
APP_DATABASE_URL=$(sed -n 's/^APP_DATABASE_URL=//p' <<<"$pg_urls")
[[ -n $DATABASE_URL && -n $APP_DATABASE_URL ]] || { echo "PostgreSQL did not start" >&2; exit 1; }
export DATABASE_URL APP_DATABASE_URL
rm -f docs/screenshots/*.png
PORTAL_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/e2e/test_accessibility.py -k every_page
ls -l docs/screenshots/

#!/usr/bin/env bash
# Command 1: install what is needed, create the demo data and run the portal on its
# embedded defaults (SQLite in var/, Celery tasks inline, emails as files in var/mail/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

# Embedded defaults only: ignore any real stack configured in this shell.
unset DATABASE_URL REDIS_URL EMAIL_URL DJANGO_SETTINGS_MODULE DJANGO_STORAGE MEDIA_ROOT PORTAL_VAR_DIR
py=.venv/bin/python
port=${PORT:-8000}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:$port}

echo "==> Migrating the database (var/db.sqlite3)"
"$py" manage.py migrate --noinput -v 0
echo "==> Compiling translations"
"$py" manage.py compilemessages --ignore=.venv --ignore=var -v 0
echo "==> Creating the demo data"
"$py" manage.py seed_demo

cat <<MSG

==> Portal: http://127.0.0.1:$port/
    Emails sent by the portal are written as files in var/mail/
    and shown at http://127.0.0.1:$port/demo/courriels/
    Stop with Ctrl-C.

MSG
exec "$py" manage.py runserver "127.0.0.1:$port"

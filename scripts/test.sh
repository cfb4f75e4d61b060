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

# The quality gate needs no database: it runs beside the tests (about 90 s of one core that
# came first), and its failure stops the tests as soon as it is known.
gate_log="var/check.$$.log"
mkdir -p var
gate_failed() {
  cat "$gate_log"
  echo "==> The quality gate failed (above): the tests are stopped" >&2
  exit 1
}
trap gate_failed USR1
main=$$
(
  bash scripts/check.sh >"$gate_log" 2>&1 && exit 0
  kill -USR1 "$main" 2>/dev/null
  exit 1
) &
gate=$!

# One state file per run, so that two runs on the same machine do not collide.
export PG_TMP_STATE="var/pg_tmp.$$.env"
collect_dir="var/test-static.$$"
finish() {
  local status=$?
  # The collection may have ended long ago: a failed kill must not change the exit status.
  if [[ -n ${collector:-} ]]; then kill "$collector" 2>/dev/null || true; fi
  if [[ -n ${tests:-} ]]; then kill "$tests" 2>/dev/null || true; wait "$tests" 2>/dev/null || true; fi
  if [[ -n ${gate:-} ]]; then kill "$gate" 2>/dev/null || true; fi
  rm -f "${gate_log:-}"
  rm -rf "$collect_dir"
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

# Known vulnerabilities in the dependencies: skipped (with a message) without network.
bash scripts/audit_dependencies.sh

# The browser journeys also run on the production stack (tests/production_stack.py): its
# static files, collected by the production storage (hashed, compressed), are prepared here
# in the background while the first tests run.
echo "==> Collecting static files with the production settings (in the background)"
export PORTAL_TEST_COLLECTED_STATIC="$PWD/$collect_dir/staticfiles"
mkdir -p "$collect_dir"
(
  export DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_HTTPS=0 \
    PORTAL_VAR_DIR="$PWD/$collect_dir" PORTAL_ALLOW_NO_ANTIVIRUS=1
  DJANGO_SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')
  export DJANGO_SECRET_KEY
  status=0
  .venv/bin/python manage.py collectstatic --noinput -v 0 \
    >"$PORTAL_TEST_COLLECTED_STATIC.log" 2>&1 || status=$?
  echo "$status" >"$PORTAL_TEST_COLLECTED_STATIC.done"
) &
collector=$!

# Three processes share the tests on the two cores (pytest-xdist; TEST_WORKERS=0 runs them in
# this one): with two, a core stood idle in parts of the run (CPU use sampled every 10 s on
# clean clones, 2026-12-04: 1,095 s in all with two processes, 1,007 s with three).
workers=${TEST_WORKERS:-3}

# The test databases, one per process, migrated once: each process migrated its own at its
# start (about 27 s of one core, nearly all of it Django rendering the models' states); the
# others are now PostgreSQL's copies of the first (CREATE DATABASE ... TEMPLATE, under a
# second), and pytest-django reuses them (--reuse-db: it keeps an existing test database and
# migrates it, which finds nothing left to do).
echo "==> Migrating the test databases"
databases=(test_portal)
if ((workers > 0)); then
  databases=()
  for ((i = 0; i < workers; i++)); do databases+=("test_portal_gw$i"); done
fi
sql() { psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }
sql -c "CREATE DATABASE \"${databases[0]}\""
DATABASE_URL="${DATABASE_URL%/*}/${databases[0]}" DJANGO_SETTINGS_MODULE=config.settings.test \
  .venv/bin/python manage.py migrate --noinput -v 0
for name in "${databases[@]:1}"; do
  sql -c "CREATE DATABASE \"$name\" TEMPLATE \"${databases[0]}\""
done
# The load smoke test (bench/load.sh) runs on a copy too, instead of a PostgreSQL server and a
# migration of its own (about 20 s of CPU).
sql -c "CREATE DATABASE load_smoke TEMPLATE \"${databases[0]}\""
export LOAD_DATABASE_URL="${DATABASE_URL%/*}/load_smoke"
echo "==> pytest with $workers workers $*"
# Two tests at a time per worker, the longest first (tests/conftest.py LONGEST_FIRST). The
# architecture test is the gate's last step: not run twice by the whole suite.
(($#)) || set -- --ignore=tests/test_architecture.py
# In the background, so that the gate's signal is handled at once (bash runs a trap only
# once its foreground command has ended).
.venv/bin/python -m pytest -n "$workers" --dist load --maxschedchunk 2 --reuse-db "$@" &
tests=$!
status=0
wait "$tests" || status=$?
tests=""
wait "$gate" || gate_failed
cat "$gate_log"
exit "$status"

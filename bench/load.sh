#!/usr/bin/env bash
# Load test (issue 7): operators filing, evaluators working the queue and the public reading
# the registry at the same time, against gunicorn on loopback. Bounded in time.
#
#   bash bench/load.sh [SECONDS]      # default 60
#
# Environment: LOAD_OPERATORS, LOAD_EVALUATORS, LOAD_PUBLIC (simulated users per class,
# default 4 each), LOAD_WORKERS (gunicorn workers, default 4), LOAD_OUTPUT (a directory:
# locust's CSV files are copied there).
# Starts a throw-away PostgreSQL (scripts/pg_tmp.sh; LOAD_DATABASE_URL: a migrated database
# to use instead, on a server the caller runs), migrates, loads the demo data
# (seed_demo) and the load accounts (bench/load/prepare.py), runs gunicorn with the
# production settings (HTTP on 127.0.0.1), then locust headless (bench/load/locustfile.py).
# Prints requests/s, median and 95th percentile per endpoint and the failures; exits non-zero
# if any request failed or a class of users made no request. Everything is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-60}
if ! [[ $duration =~ ^[0-9]+$ ]] || ((duration < 5)); then
  echo "usage: bash bench/load.sh [SECONDS ≥ 5]" >&2
  exit 2
fi
export LOAD_OPERATORS=${LOAD_OPERATORS:-4} LOAD_EVALUATORS=${LOAD_EVALUATORS:-4}
export LOAD_PUBLIC=${LOAD_PUBLIC:-4}
users=$((LOAD_OPERATORS + LOAD_EVALUATORS + LOAD_PUBLIC))

bash scripts/bootstrap.sh >/dev/null
py=.venv/bin/python
run=$(mktemp -d /tmp/load.XXXXXX)
export PG_TMP_STATE=$run/pg.env
gunicorn_pid=""
cleanup() {
  if [[ -n $gunicorn_pid ]]; then kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true; fi
  [[ -n ${LOAD_DATABASE_URL:-} ]] || bash scripts/pg_tmp.sh stop >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT

if [[ -n ${LOAD_DATABASE_URL:-} ]]; then
  # A database given by the caller (scripts/test.sh: a copy of the freshly migrated test
  # database), on a server it runs: migrate finds nothing left to do.
  echo "==> PostgreSQL database given by LOAD_DATABASE_URL"
  DATABASE_URL=$LOAD_DATABASE_URL
else
  echo "==> Throw-away PostgreSQL"
  DATABASE_URL=$(bash scripts/pg_tmp.sh start | sed -n 's/^DATABASE_URL=//p')
fi
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
unset REDIS_URL EMAIL_URL DJANGO_STORAGE MEDIA_ROOT
export DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_HTTPS=0 DJANGO_DEBUG=0
DJANGO_SECRET_KEY=$("$py" -c 'import secrets; print(secrets.token_urlsafe(64))')
export DJANGO_SECRET_KEY PORTAL_VAR_DIR=$run/var DJANGO_ALLOWED_HOSTS=127.0.0.1
# No clamd in the load test: the production settings must be told so explicitly.
export PORTAL_ALLOW_NO_ANTIVIRUS=1
export PORTAL_BASE_URL=http://127.0.0.1:$port LOAD_FIXTURES=$run/fixtures.json

echo "==> Migrating, static files, demo data, load accounts"
"$py" manage.py migrate --noinput -v 0
prepared=${PORTAL_TEST_COLLECTED_STATIC:-}
if [[ -n $prepared ]]; then
  # scripts/test.sh collects the production static files once, in the background, for the
  # production stack of the browser tests: the same files serve here (wait for the end).
  for _ in $(seq 1200); do [[ -f $prepared.done ]] && break; sleep 0.5; done
  [[ $(cat "$prepared.done" 2>/dev/null) == 0 ]] || { echo "collectstatic into $prepared failed" >&2; exit 1; }
  mkdir -p "$PORTAL_VAR_DIR"
  ln -s "$prepared" "$PORTAL_VAR_DIR/staticfiles"
else
  "$py" manage.py collectstatic --noinput -v 0
fi
"$py" manage.py compilemessages --ignore=.venv --ignore=var -v 0
"$py" manage.py seed_demo >"$run/seed.log" 2>&1 || { cat "$run/seed.log" >&2; exit 1; }
"$py" -m bench.load.prepare "$LOAD_FIXTURES" --evaluators "$LOAD_EVALUATORS"

echo "==> gunicorn on 127.0.0.1:$port (${LOAD_WORKERS:-4} workers)"
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$port" --timeout 120 \
  --workers "${LOAD_WORKERS:-4}" --log-level warning >"$run/gunicorn.log" 2>&1 &
gunicorn_pid=$!
up=""
for _ in $(seq 120); do
  if "$py" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/registre/', timeout=5)" \
    2>/dev/null; then up=1; break; fi
  sleep 0.5
done
[[ -n $up ]] || { echo "gunicorn did not answer" >&2; tail -40 "$run/gunicorn.log" >&2; exit 1; }

echo "==> locust: $LOAD_OPERATORS operators, $LOAD_EVALUATORS evaluators, $LOAD_PUBLIC public, ${duration} s"
status=0
.venv/bin/locust -f bench/load/locustfile.py --host "http://127.0.0.1:$port" --headless \
  -u "$users" -r "$users" --run-time "${duration}s" --stop-timeout 10 \
  --csv "$run/result" --only-summary --loglevel WARNING >"$run/locust.log" 2>&1 || status=$?
if [[ -n ${LOAD_OUTPUT:-} ]]; then
  mkdir -p "$LOAD_OUTPUT"
  cp "$run"/result_*.csv "$run/locust.log" "$LOAD_OUTPUT"/
fi
"$py" bench/load/report.py "$run/result_stats.csv" "$run/result_failures.csv" || status=$?
if ((status != 0)); then
  echo "==> locust log:" >&2
  tail -40 "$run/locust.log" >&2
  [[ -s $run/gunicorn.log ]] && { echo "==> gunicorn log:" >&2; tail -40 "$run/gunicorn.log" >&2; }
fi
exit "$status"

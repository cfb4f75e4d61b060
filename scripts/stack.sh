#!/usr/bin/env bash
# The production-shaped stack, locally from Debian packages, all on loopback:
# PostgreSQL 15, Redis, an SMTP sink, a ClamAV daemon, Celery worker and beat, gunicorn.
#   bash scripts/stack.sh start|stop|status
# State, pid files and logs live in var/stack/; `source var/stack/env` gives a shell the
# same environment (mails received by the sink: var/stack/mail/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STACK=$ROOT/var/stack
PGBIN=/usr/lib/postgresql/15/bin
PG_PORT=${STACK_PG_PORT:-5432}
REDIS_PORT=${STACK_REDIS_PORT:-6379}
SMTP_PORT=${STACK_SMTP_PORT:-1025}
CLAMD_PORT=${STACK_CLAMD_PORT:-3310}
WEB_PORT=${STACK_WEB_PORT:-8000}
# Started in this order, stopped in the reverse one.
SERVICES=(postgres redis smtp clamd worker beat web)

step() { printf '==> %s\n' "$*"; }
as_postgres() { runuser -u postgres -- "$@"; }
pid_of() { [[ -f $STACK/$1.pid ]] && cat "$STACK/$1.pid"; }
alive() { local pid; pid=$(pid_of "$1") && [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }
wait_port() {  # wait_port NAME PORT: until something accepts connections on it
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$1 does not listen on port $2; see $STACK/$1.log" >&2
  exit 1
}
launch() {  # launch NAME COMMAND...: in the background, with the stack's environment
  if alive "$1"; then echo "    $1 already running"; return 0; fi
  # shellcheck source=/dev/null
  (set -a && source "$STACK/env" && exec nohup "${@:2}") >>"$STACK/$1.log" 2>&1 </dev/null &
  echo $! >"$STACK/$1.pid"
}
# shellcheck source=/dev/null
manage() { (set -a && source "$STACK/env" && exec .venv/bin/python manage.py "$@"); }
# Migrations and grants run as the owner of the tables, the application as portal_app.
# shellcheck source=/dev/null
manage_as_owner() {
  (set -a && source "$STACK/env" && DATABASE_URL=$MIGRATION_DATABASE_URL \
    exec .venv/bin/python manage.py "$@")
}

write_env() {
  [[ -s $STACK/secret_key ]] || (umask 077 && .venv/bin/python -c \
    'import secrets; print(secrets.token_urlsafe(64))' >"$STACK/secret_key")
  cat >"$STACK/env" <<ENV
export DJANGO_SETTINGS_MODULE=config.settings.production
export DJANGO_SECRET_KEY=$(cat "$STACK/secret_key")
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
# Plain HTTP on loopback: no HTTPS redirect, no secure-only cookies.
export DJANGO_HTTPS=0
# The application connects as portal_app (audit table: INSERT and SELECT only); migrations
# run as portal, the owner of the tables.
export DATABASE_URL=postgres://portal_app:portal_app@127.0.0.1:$PG_PORT/portal
export MIGRATION_DATABASE_URL=postgres://portal:portal@127.0.0.1:$PG_PORT/portal
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export EMAIL_URL=smtp://127.0.0.1:$SMTP_PORT
export CLAMAV_URL=tcp://127.0.0.1:$CLAMD_PORT
export DJANGO_STORAGE=file
export PORTAL_VAR_DIR=$STACK
export MEDIA_ROOT=$STACK/media
export PORTAL_BASE_URL=http://127.0.0.1:$WEB_PORT
ENV
  chmod 600 "$STACK/env"
}

start_postgres() {
  local pg=$STACK/pg
  if ! runuser -u postgres -- test -x "$STACK"; then
    echo "user postgres cannot reach $STACK: put the repository where it can" >&2; exit 1
  fi
  mkdir -p "$pg" && chown postgres:postgres "$pg"
  if [[ ! -f $pg/data/PG_VERSION ]]; then
    step "Creating the PostgreSQL cluster in $pg/data"
    as_postgres "$PGBIN/initdb" -D "$pg/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$STACK/postgres-initdb.log" 2>&1
  fi
  if as_postgres "$PGBIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
    echo "    postgres already running"
  else
    step "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_postgres "$PGBIN/pg_ctl" -D "$pg/data" -l "$pg/postgresql.log" -w -t 60 -s start -o \
      "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$pg -c random_page_cost=1.1" \
      || { tail -n 20 "$pg/postgresql.log" >&2; exit 1; }
  fi
  as_postgres "$PGBIN/pg_ctl" -D "$pg/data" status | sed -n 's/.*PID: \([0-9]*\).*/\1/p' \
    >"$STACK/postgres.pid"
  local psql=(as_postgres psql -X -q -h "$pg" -p "$PG_PORT" -U postgres -d postgres -At)
  if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'portal'") ]]; then
    "${psql[@]}" -c "CREATE ROLE portal LOGIN PASSWORD 'portal'"
  fi
  if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'portal_app'") ]]; then
    "${psql[@]}" -c "CREATE ROLE portal_app LOGIN PASSWORD 'portal_app' NOCREATEDB NOCREATEROLE"
  fi
  if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'portal'") ]]; then
    "${psql[@]}" -c "CREATE DATABASE portal OWNER portal"
  fi
}

# clamd with the official databases when freshclam has fetched them (/var/lib/clamav), else
# with the test signatures only (EICAR; see tests/clamav.py): no network needed.
start_clamd() {
  local dir=$STACK/clamd
  mkdir -p "$dir/db"
  if compgen -G "/var/lib/clamav/*.c[lv]d" >/dev/null; then
    cp -u /var/lib/clamav/*.c[lv]d "$dir/db/"
  fi
  .venv/bin/python -c 'import sys, pathlib; from tests.clamav import write_signatures; write_signatures(pathlib.Path(sys.argv[1]))' "$dir/db"
  cat >"$dir/clamd.conf" <<CONF
Foreground yes
DatabaseDirectory $dir/db
TCPAddr 127.0.0.1
TCPSocket $CLAMD_PORT
StreamMaxLength 25M
LogFile $dir/clamd-scan.log
CONF
  launch clamd clamd --config-file "$dir/clamd.conf"
}

start() {
  bash scripts/bootstrap.sh
  mkdir -p "$STACK/redis" "$STACK/mail" "$STACK/media"
  write_env
  start_postgres

  step "Starting Redis on 127.0.0.1:$REDIS_PORT and the SMTP sink on 127.0.0.1:$SMTP_PORT"
  launch redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STACK/redis" \
    --appendonly yes --maxmemory-policy noeviction --daemonize no
  launch smtp .venv/bin/python scripts/smtp_sink.py --port "$SMTP_PORT" --maildir "$STACK/mail"
  step "Starting ClamAV (clamd) on 127.0.0.1:$CLAMD_PORT"
  start_clamd
  wait_port redis "$REDIS_PORT"
  wait_port smtp "$SMTP_PORT"
  wait_port clamd "$CLAMD_PORT"

  step "Migrating, collecting static files, compiling translations"
  manage_as_owner migrate --noinput -v 0
  manage_as_owner grant_app_role portal_app >/dev/null
  manage collectstatic --noinput -v 0
  manage compilemessages --ignore=.venv --ignore=var -v 0

  step "Starting the Celery worker and beat"
  launch worker .venv/bin/celery -A config worker -l info --concurrency 2
  launch beat .venv/bin/celery -A config beat -l info -S django

  step "Creating the demo data"
  manage seed_demo

  step "Starting gunicorn on 127.0.0.1:$WEB_PORT"
  launch web .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$WEB_PORT" \
    --workers 2 --access-logfile - --control-socket "$STACK/gunicorn.ctl"
  wait_port web "$WEB_PORT"
  status
  echo "Portal: http://127.0.0.1:$WEB_PORT/   mails: $STACK/mail/   env: source $STACK/env"
}

stop_pid() {  # stop_pid NAME: SIGTERM, then SIGKILL after 30 s
  local pid
  pid=$(pid_of "$1") || return 0
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "    $1 stopped"
  fi
  rm -f "$STACK/$1.pid"
}

stop() {
  local i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    case ${SERVICES[i]} in
      postgres)
        if [[ -f $STACK/pg/data/PG_VERSION ]] \
          && as_postgres "$PGBIN/pg_ctl" -D "$STACK/pg/data" status >/dev/null 2>&1; then
          as_postgres "$PGBIN/pg_ctl" -D "$STACK/pg/data" -m fast -w -s stop
          echo "    postgres stopped"
        fi
        rm -f "$STACK/postgres.pid" ;;
      *) stop_pid "${SERVICES[i]}" ;;
    esac
  done
}

status() {
  local name
  for name in "${SERVICES[@]}"; do
    if [[ $name == postgres ]]; then
      [[ -f $STACK/pg/data/PG_VERSION ]] \
        && as_postgres "$PGBIN/pg_ctl" -D "$STACK/pg/data" status >/dev/null 2>&1 \
        && state="running (port $PG_PORT)" || state=stopped
    elif alive "$name"; then
      state="running (pid $(pid_of "$name"))"
    else
      state=stopped
    fi
    printf '    %-9s %s\n' "$name" "$state"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

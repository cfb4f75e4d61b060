#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for the tests, tuned for speed (no durability).
#   bash scripts/pg_tmp.sh start   # prints DATABASE_URL=postgres://portal:portal@127.0.0.1:PORT/portal
#                                  # and APP_DATABASE_URL=postgres://portal_app:portal_app@...
# Two roles: portal owns the database and its tables (migrations; the tests create their
# database with it); portal_app is what the application connects as in production: it gets
# its privileges from `manage.py grant_app_role portal_app` (audit table: INSERT, SELECT).
#   bash scripts/pg_tmp.sh stop    # stops it and removes its directory
# State (directory, port, URL) goes to $PG_TMP_STATE (default var/pg_tmp.env).
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=/usr/lib/postgresql/15/bin
STATE=${PG_TMP_STATE:-var/pg_tmp.env}
as_postgres() { runuser -u postgres -- "$@"; }

free_port() {
  local py=.venv/bin/python
  [[ -x $py ]] || py=python3
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  [[ -f $STATE ]] && stop  # left over by an interrupted run
  mkdir -p "$(dirname "$STATE")"
  local dir port
  dir=$(mktemp -d /tmp/pg_tmp.XXXXXX)
  chown postgres:postgres "$dir"
  port=$(free_port)
  # Written first, so that stop can clean up even if what follows fails.
  printf 'PG_TMP_DIR=%s\nPG_TMP_PORT=%s\n' "$dir" "$port" >"$STATE"

  as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # random_page_cost as in production (docker-compose.yml, docs/deployment.md): the plans
  # the tests pin and the bench measures are those users get.
  as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s start -o "\
    -c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
    -c random_page_cost=1.1" \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE portal LOGIN PASSWORD 'portal' CREATEDB CREATEROLE" \
    -c "CREATE ROLE portal_app LOGIN PASSWORD 'portal_app' NOCREATEDB NOCREATEROLE" \
    -c "CREATE DATABASE portal OWNER portal"

  local url="postgres://portal:portal@127.0.0.1:$port/portal"
  local app_url="postgres://portal_app:portal_app@127.0.0.1:$port/portal"
  printf 'DATABASE_URL=%s\nAPP_DATABASE_URL=%s\n' "$url" "$app_url" >>"$STATE"
  echo "DATABASE_URL=$url"
  echo "APP_DATABASE_URL=$app_url"
}

stop() {
  [[ -f $STATE ]] || { echo "pg_tmp: nothing to stop ($STATE not found)" >&2; return 0; }
  local dir
  dir=$(sed -n 's/^PG_TMP_DIR=//p' "$STATE")
  if [[ $dir == /tmp/pg_tmp.* && -d $dir ]]; then
    if [[ -f $dir/data/postmaster.pid ]]; then
      as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -s stop || true
    fi
    rm -rf "$dir"
  fi
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

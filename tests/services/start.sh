#!/usr/bin/env bash
# Start throwaway PostgreSQL and Redis servers on 127.0.0.1 for the scale tests, installing them from Debian's
# packages when missing. Prints the environment to use (DATABASE_URL, HUEY_REDIS_URL) as shell assignments.
# Usage: eval "$(bash tests/services/start.sh DIR)"; ... ; bash tests/services/stop.sh DIR
set -euo pipefail
DIR=${1:?usage: start.sh STATE_DIR}
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63799}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "installing $* from Debian's packages" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
[ -n "$(pg_bin)" ] || apt_install postgresql
command -v redis-server >/dev/null || apt_install redis-server
PG_BIN=$(pg_bin)

# PostgreSQL refuses to run as root: the cluster belongs to the postgres user (or the current user when not root).
PG_DATA="$DIR/pgdata"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$DIR" postgres
  as_pg() { runuser -u postgres -- "$@"; }
  chown postgres "$DIR"
else
  as_pg() { "$@"; }
fi
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$DIR/postgres.log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DATA -c fsync=off -c max_connections=200" start >/dev/null
fi
as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='town'" \
  | grep -q 1 || as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres town

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR" >/dev/null
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/town"
echo "export HUEY_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"

#!/usr/bin/env bash
# Stop the servers started by start.sh (and leave their data for inspection).
set -uo pipefail
DIR=${1:?usage: stop.sh STATE_DIR}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$PG_BIN" ] && [ -f "$DIR/pgdata/PG_VERSION" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/pgdata" -m fast stop >/dev/null 2>&1
  else
    "$PG_BIN/pg_ctl" -D "$DIR/pgdata" -m fast stop >/dev/null 2>&1
  fi
fi
[ -f "$DIR/redis.pid" ] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null
exit 0

#!/usr/bin/env bash
# The scale path: the whole suite on PostgreSQL, then the tests marked `scale` (several Huey consumers on RedisHuey).
# Servers are started on 127.0.0.1 (installed from Debian's packages when missing) and stopped at the end.
set -euo pipefail
PYTEST=${1:?usage: run-scale.sh PATH_TO_PYTEST}
STATE=${SCALE_STATE_DIR:-$(mktemp -d /tmp/wagtail-whatsapp-scale.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
trap 'bash "$HERE/stop.sh" "$STATE"' EXIT
eval "$(bash "$HERE/start.sh" "$STATE")"
echo "PostgreSQL: $DATABASE_URL  Redis: $HUEY_REDIS_URL"
# PYTEST_PARALLEL (from the Makefile) spreads the suite over the cores; each worker has a test database of its own.
# The wheel's tests are left out: a wheel and a new project of its own (SQLite) are the same on either path.
# shellcheck disable=SC2086
"$PYTEST" ${PYTEST_PARALLEL:-} -m "not scale" --ignore=tests/test_packaging.py --ignore=tests/test_new_project.py
"$PYTEST" -m scale

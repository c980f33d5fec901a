#!/usr/bin/env bash
# Install everything the tests need (Python packages into the active venv or ./.venv; Debian's
# chromium, PostgreSQL, Redis and nginx), start throw-away servers on loopback, and run the one
# quality command: ruff (lint + format), mypy, then every test. `.ci/run` runs exactly this.
# Arguments go to pytest (e.g. `bash scripts/test.sh -k slack`).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/sbin:/sbin"  # runuser, nginx and redis-server live there; a user's PATH may lack them

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "note: cannot install ${need_apt[*]} without root; the tests that need them will say they are skipped" >&2
  fi
fi

bash scripts/install.sh --test
. scripts/python-env.sh

# A PostgreSQL server on loopback for the PostgreSQL tests, removed afterwards.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pgbin" ] && [ -z "${DATABASE_URL_TEST:-}" ]; then
  as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  for attempt in 1 2 3; do  # a busy machine can miss pg_ctl's wait, or another process take the port
    pgdir=$(mktemp -d /tmp/credbot-pg.XXXXXX)
    port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
    if as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U credbot >/dev/null \
       && as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -o "-h 127.0.0.1 -p $port -k $pgdir" -l "$pgdir/log" -t 120 -w start >/dev/null; then
      export DATABASE_URL_TEST="postgresql+psycopg://credbot@127.0.0.1:$port/postgres"
      export CREDBOT_TEST_PGCTL="$pgbin/pg_ctl" CREDBOT_TEST_PGDATA="$pgdir/data" CREDBOT_TEST_PGPORT="$port" CREDBOT_TEST_PGSOCK="$pgdir"
      trap 'as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
      break
    fi
    echo "note: PostgreSQL did not start (attempt $attempt): $(tail -n 3 "$pgdir/log" 2>/dev/null | tr '\n' ' ')" >&2
    as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  done
  [ -n "${DATABASE_URL_TEST:-}" ] || echo "note: could not start PostgreSQL; its tests will say they are skipped" >&2
fi

exec bash scripts/check.sh "$@"

#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's chromium, a throw-away PostgreSQL
# on loopback) and run the whole test suite. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export DEBIAN_FRONTEND=noninteractive

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "note: cannot install ${need_apt[*]} without root; those tests will say they are skipped" >&2
  fi
fi

bash scripts/install.sh --test

# A PostgreSQL server on loopback for the PostgreSQL tests, removed afterwards.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pgbin" ] && [ -z "${DATABASE_URL_TEST:-}" ]; then
  pgdir=$(mktemp -d /tmp/credbot-pg.XXXXXX)
  port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
  if as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U credbot >/dev/null \
     && as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -o "-h 127.0.0.1 -p $port -k $pgdir" -l "$pgdir/log" -w start >/dev/null; then
    export DATABASE_URL_TEST="postgresql+psycopg://credbot@127.0.0.1:$port/postgres"
    trap 'as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
  else
    echo "note: could not start PostgreSQL; its tests will say they are skipped" >&2
  fi
fi

"$PY" -m pytest "$@"

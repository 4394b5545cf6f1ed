#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, from the Debian package (postgresql-NN).
#
#   source .ci/postgres.sh          # starts it, exports the URLs, stops it when the shell exits
#   bash .ci/postgres.sh CMD ARGS   # starts it, runs CMD with the URLs exported, stops it
#
# The cluster lives in a temporary directory, listens only on a Unix socket there (no TCP port
# to collide with), trusts local connections, and runs as an unprivileged user (`oura-pg`,
# created when this runs as root). Exports OURA_TEST_POSTGRES_URL and DATABASE_URL.
# Without the package it fails under CI=true and otherwise only warns (the tests then skip).

oura_pg_main() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$initdb" ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "error: PostgreSQL is not installed (apt-get install postgresql)" >&2
      return 1
    fi
    echo "warning: PostgreSQL is not installed; the PostgreSQL tests will skip" >&2
    return 0
  fi
  local bin run_as=()
  bin=$(dirname "$initdb")
  OURA_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/oura-pg.XXXXXX")
  if [ "$(id -u)" = "0" ]; then
    id -u oura-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin oura-pg
    chown oura-pg "$OURA_PG_DIR"
    chmod 0755 "$OURA_PG_DIR"
    run_as=(runuser -u oura-pg --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$OURA_PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 \
    --no-sync >"$OURA_PG_DIR/initdb.log" 2>&1 || {
    cat "$OURA_PG_DIR/initdb.log" >&2
    return 1
  }
  local port=5432
  OURA_PG_CTL=("${run_as[@]}" "$bin/pg_ctl" -D "$OURA_PG_DIR/data")
  "${OURA_PG_CTL[@]}" -l "$OURA_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $OURA_PG_DIR -p $port -c fsync=off -c max_connections=200" start >/dev/null || {
    cat "$OURA_PG_DIR/server.log" >&2
    return 1
  }
  export OURA_TEST_POSTGRES_URL="postgres://postgres@localhost/postgres?host=$OURA_PG_DIR&port=$port"
  export DATABASE_URL="$OURA_TEST_POSTGRES_URL"
  echo "$("$bin/postgres" --version) on $OURA_PG_DIR (socket, port $port)"
}

oura_pg_stop() {
  if [ -n "${OURA_PG_DIR:-}" ] && [ -d "$OURA_PG_DIR/data" ]; then
    "${OURA_PG_CTL[@]}" -m fast -w stop >/dev/null 2>&1 || true
  fi
  [ -n "${OURA_PG_DIR:-}" ] && rm -rf "$OURA_PG_DIR"
  OURA_PG_DIR=
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: the server lives as long as the calling shell.
  oura_pg_main || return 1
  trap oura_pg_stop EXIT
else
  set -euo pipefail
  oura_pg_main
  trap oura_pg_stop EXIT
  if [ "$#" -gt 0 ]; then
    "$@"
  fi
fi

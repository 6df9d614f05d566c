#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, from Debian's `postgresql` package:
#   scripts/postgres.sh start DIR   makes a cluster in DIR (empty or missing), starts it on a
#                                   Unix socket inside DIR (no TCP port to collide with) and
#                                   prints the server's URL, for CARNET_TEST_POSTGRES;
#   scripts/postgres.sh stop DIR    stops it and removes DIR.
# Durability is off (fsync, synchronous commit): a test database is thrown away anyway; with
# `start DIR --durable` it is on, as in production (for the load benchmark).
set -euo pipefail

command=${1:-}
dir=${2:-}
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${3:-}" = "--durable" ] && durability=""
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: scripts/postgres.sh start|stop DIR" >&2
  exit 2
fi

# Debian installs the server's programs beside its version, not on the PATH.
bin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)")
if [[ ! -x "$bin/initdb" ]]; then
  echo "postgres.sh: initdb not found; scripts/setup.sh --test installs Debian's postgresql" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: then it runs as the `postgres` user Debian's package made.
as_owner() {
  if [[ "$(id -u)" = 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ "$(id -u)" = 0 ]] && chown postgres: "$dir"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --silent \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=400 \
          $durability" start || {
      cat "$dir/server.log" >&2
      exit 1
    }
    echo "postgres://postgres@localhost/postgres?host=$dir"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      as_owner "$bin/pg_ctl" --pgdata="$dir/data" --wait --silent --mode=fast stop || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac

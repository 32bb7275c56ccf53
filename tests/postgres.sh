#!/usr/bin/env bash
# Starts a private PostgreSQL cluster on 127.0.0.1 for the test suite and exports CHATAGENT_TEST_POSTGRES.
# Source it: `source tests/postgres.sh`; `chatagent_postgres_stop` stops it. Idempotent.
set -euo pipefail
PG_PORT="${CHATAGENT_PG_PORT:-55432}"
PG_DIR="${CHATAGENT_PG_DIR:-${TMPDIR:-/tmp}/chatagent-pg-$PG_PORT}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL server binaries not found: installing Debian's postgresql package" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

# initdb refuses to run as root: run the cluster as the 'postgres' system user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd --system --home-dir /var/lib/postgresql postgres; fi

if [ ! -f "$PG_DIR/PG_VERSION" ]; then
  rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR" -U postgres --auth=trust -E UTF8 >/dev/null
fi
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
  # Another server (another checkout's cluster, a system PostgreSQL) may hold the port: take the next free one.
  while port_busy "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
  echo "$PG_PORT" > "$PG_DIR/chatagent.port"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
fi
[ -f "$PG_DIR/chatagent.port" ] && PG_PORT="$(cat "$PG_DIR/chatagent.port")"
export CHATAGENT_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Pooling=true"
chatagent_postgres_stop() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null 2>&1 || true; }
echo "PostgreSQL running on 127.0.0.1:$PG_PORT ($PG_DIR)" >&2

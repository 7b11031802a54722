# Sourced by the PostgreSQL benchmarks: a throwaway cluster in $work/pg on a free loopback port (as user
# postgres when run as root, since initdb refuses root), fsync off, stopped and deleted on exit, with
# database "bench" and DISKTOOLS_CONNECTION pointing at it. Needs $work set by the caller.
# PG_SETTINGS adds server settings, e.g. PG_SETTINGS='-c log_min_duration_statement=100' to print the
# statements slower than 100 ms when the bench ends.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

cleanup() {
  if [ -n "${PG_SETTINGS:-}" ] && [ -f "$work/pg.log" ]; then
    echo "== server log" >&2
    grep -E 'duration:|ERROR' "$work/pg.log" | cut -c1-400 >&2 || true
  fi
  run_pg "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$work" "$work/pg"
run_pg "$pgbin/initdb -D $work/pg -A trust -U postgres" >/dev/null
run_pg "$pgbin/pg_ctl -D $work/pg -l $work/pg.log -o \"-p $port -k $work -c fsync=off -c synchronous_commit=off -c listen_addresses=127.0.0.1 ${PG_SETTINGS:-}\" -w start" >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE bench" >/dev/null
export DISKTOOLS_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=bench"

#!/usr/bin/env bash
# Private PostgreSQL and Redis for `make test` when DATABASE_URL / REDIS_URL are not given.
# `services.sh start` prints `export ...` lines for eval; `services.sh stop` stops both.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)/.tmp"
pgdir="$root/pg"; pgport=55432; redisport=56379
pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"

start() {
  mkdir -p "$root"; chmod 755 "$root"
  if [ ! -s "$pgdir/PG_VERSION" ]; then
    mkdir -p "$pgdir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pgdir"; as=(runuser -u postgres --); else as=(); fi
    "${as[@]}" "$pgbin/initdb" -D "$pgdir" -U postgres -A trust -E UTF8 >/dev/null
  fi
  if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); else as=(); fi
  if ! "$pgbin/pg_isready" -q -h 127.0.0.1 -p $pgport; then
    "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir" -l "$pgdir/server.log" -w \
      -o "-p $pgport -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off" start >/dev/null
  fi
  if ! redis-cli -p $redisport ping >/dev/null 2>&1; then
    redis-server --port $redisport --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize yes --pidfile "$root/redis.pid" --logfile "$root/redis.log" >/dev/null
  fi
  reused_by_another_checkout >&2
  "$pgbin/psql" -h 127.0.0.1 -p $pgport -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'atmp_portal'" | grep -q 1 \
    || "$pgbin/createdb" -h 127.0.0.1 -p $pgport -U postgres atmp_portal
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$pgport/atmp_portal"
  echo "export REDIS_URL=redis://127.0.0.1:$redisport/1"
}

# The ports are fixed, so a second checkout on this machine finds the first one's servers
# listening and uses them (same test database names): say so, on stderr, not in the eval'd output.
reused_by_another_checkout() {
  local dir pidfile
  dir="$("$pgbin/psql" -h 127.0.0.1 -p $pgport -U postgres -tAc 'show data_directory' 2>/dev/null || true)"
  if [ -n "$dir" ] && [ "$(realpath -m "$dir")" != "$(realpath -m "$pgdir")" ]; then
    echo "services.sh: note: reusing PostgreSQL on port $pgport from $dir"
  fi
  pidfile="$(redis-cli -p $redisport config get pidfile 2>/dev/null | sed -n 2p || true)"
  if [ -n "$pidfile" ] && [ "$(realpath -m "$pidfile")" != "$(realpath -m "$root/redis.pid")" ]; then
    echo "services.sh: note: reusing Redis on port $redisport (pidfile $pidfile)"
  fi
}

stop() {
  if [ -s "$pgdir/PG_VERSION" ]; then
    if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); else as=(); fi
    "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir" -m fast stop >/dev/null 2>&1 || true
  fi
  [ -s "$root/redis.pid" ] && kill "$(cat "$root/redis.pid")" 2>/dev/null || true
}

"${1:-start}"

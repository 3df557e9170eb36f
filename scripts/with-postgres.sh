#!/usr/bin/env bash
# Run a command with BONEWISE_TEST_POSTGRES_URL pointing at a real PostgreSQL server.
# If the variable is already set, use that server; otherwise start a throw-away cluster
# (as the postgres user, since initdb refuses root) and stop it when the command ends.
set -euo pipefail
if [ -n "${BONEWISE_TEST_POSTGRES_URL:-}" ]; then exec "$@"; fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then echo "with-postgres: PostgreSQL is not installed (make test installs it as root)" >&2; exit 1; fi
dir=$(mktemp -d /tmp/bonewise-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
"${as_pg[@]}" "$pgbin/initdb" -A trust -U bonewise -D "$dir/data" >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -s -w -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start
cleanup() { "${as_pg[@]}" "$pgbin/pg_ctl" -s -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U bonewise bonewise_test
export BONEWISE_TEST_POSTGRES_URL="postgresql+psycopg://bonewise@127.0.0.1:$port/bonewise_test"
"$@"

#!/usr/bin/env bash
# Install (Debian package) and start PostgreSQL for the service tests, create a user and a
# database, and print the connection URL on stdout (everything else goes to stderr):
#   export NETVET_TEST_POSTGRES="$(scripts/ci-postgres.sh)"
# The user may create databases: each test that needs isolation creates its own.
# Idempotent: re-running it on a machine where the cluster is up just prints the URL.
set -euo pipefail
USER_NAME="${NETVET_PG_USER:-netvet}"
PASSWORD="${NETVET_PG_PASSWORD:-netvet}"
DB_NAME="${NETVET_PG_DB:-netvet_test}"
PORT="${NETVET_PG_PORT:-5432}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "ci-postgres: installing postgresql" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$VERSION main$"; then
    as_root pg_createcluster "$VERSION" main --port "$PORT" >&2
fi
if ! pg_lsclusters -h | awk '$1=="'"$VERSION"'" && $2=="main" {print $4}' | grep -q online; then
    echo "ci-postgres: starting PostgreSQL $VERSION" >&2
    as_root pg_ctlcluster "$VERSION" main start >&2
fi
PORT="$(pg_lsclusters -h | awk '$1=="'"$VERSION"'" && $2=="main" {print $3}')"

psql_admin() { as_root su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qAt $*"; }
for _ in $(seq 1 30); do
    if psql_admin "-c 'SELECT 1'" >/dev/null 2>&1; then break; fi
    sleep 1
done
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$USER_NAME'\"")" != 1 ]; then
    psql_admin "-c \"CREATE ROLE $USER_NAME LOGIN CREATEDB PASSWORD '$PASSWORD'\"" >&2
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'\"")" != 1 ]; then
    psql_admin "-c \"CREATE DATABASE $DB_NAME OWNER $USER_NAME\"" >&2
fi
echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB_NAME"

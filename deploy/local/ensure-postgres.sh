#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is down, wait for it, and create Fundament's
# databases if they are missing. Safe to run any number of times.
set -euo pipefail

host="${FUNDAMENT_PG_HOST:-127.0.0.1}"
port="${FUNDAMENT_PG_PORT:-5432}"
user="${FUNDAMENT_PG_USER:-postgres}"
databases=(fundament fundament_test)

is_ready() {
  pg_isready -q -h "$host" -p "$port"
}

start_cluster() {
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  echo "ensure-postgres: starting PostgreSQL $version/main"
  # Tolerate "already running": the cluster may just be slow to accept connections.
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
}

wait_until_ready() {
  for _ in $(seq 1 60); do
    is_ready && return 0
    sleep 0.5
  done
  echo "ensure-postgres: PostgreSQL on $host:$port is not ready after 30 s" >&2
  return 1
}

database_exists() {
  [[ "$(psql -h "$host" -p "$port" -U "$user" -d postgres -Atc \
    "SELECT 1 FROM pg_database WHERE datname = '$1'")" == "1" ]]
}

ensure_database() {
  database_exists "$1" && return 0
  echo "ensure-postgres: creating database $1"
  # A concurrent run may create it first; only fail if it is still missing.
  createdb -h "$host" -p "$port" -U "$user" "$1" 2>/dev/null || database_exists "$1"
}

is_ready || start_cluster
wait_until_ready
for database in "${databases[@]}"; do
  ensure_database "$database"
done
echo "ensure-postgres: PostgreSQL ready on $host:$port (${databases[*]})"

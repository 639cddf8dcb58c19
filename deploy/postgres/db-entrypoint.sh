#!/usr/bin/env bash
# Entrypoint wrapper for the db container (runs as root, then hands over to the image's own
# docker-entrypoint.sh, which drops to the postgres user).
#
# Why: Compose (v1 and v2) implements file secrets as bind mounts, so each file keeps its host
# owner and mode (0600). The image's entrypoint reads POSTGRES_PASSWORD_FILE while still root,
# but the official image runs /docker-entrypoint-initdb.d scripts as the postgres user, which
# cannot read the per-service role passwords. On first initialisation only, this copies the
# password files the init script needs into a private directory on the /tmp tmpfs (0700,
# owned by postgres); the init script deletes it when done. Nothing is written to disk.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
src="${FLOTILLA_SECRETS_DIR:-/run/secrets}"
dst="${FLOTILLA_DB_INIT_SECRETS:-/tmp/flotilla-db-init-secrets}"

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  install -d -m 0700 -o postgres -g postgres "$dst"
  for file in "$src"/*_db_password; do
    [ -e "$file" ] || continue
    install -m 0400 -o postgres -g postgres "$file" "$dst/$(basename "$file")"
  done
  export FLOTILLA_DB_INIT_SECRETS="$dst"
fi

exec docker-entrypoint.sh "$@"

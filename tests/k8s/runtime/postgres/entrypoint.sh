#!/usr/bin/env bash
# The official postgres image's entrypoint contract when the container starts as a non-root uid
# (docker-entrypoint.sh there skips its chown and gosu steps for any uid but 0): POSTGRES_USER,
# POSTGRES_PASSWORD(_FILE), POSTGRES_DB, PGDATA (created below the mount point when missing),
# /docker-entrypoint-initdb.d/*.sql|*.sh (.sh sourced unless executable) on first initialisation,
# a temporary server on the Unix socket only while they run. As root: the stand-in's own entrypoint.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then exec /usr/local/bin/ci-docker-entrypoint.sh "$@"; fi
: "${PGDATA:=/var/lib/postgresql/data}"
if [ "${1:-}" != postgres ]; then exec "$@"; fi

file_env() { # VAR [default]: VAR's value, or the contents of the file VAR_FILE names
  local var="$1" file_var="${1}_FILE" def="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    echo "error: both $var and $file_var are set" >&2
    exit 1
  fi
  if [ -n "${!file_var:-}" ]; then export "$var"="$(<"${!file_var}")"; elif [ -z "${!var:-}" ]; then export "$var"="$def"; fi
  unset "$file_var"
}
file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"

mkdir -p "$PGDATA"
chmod 700 "$PGDATA" || :
mkdir -p /var/run/postgresql || :
chmod 3775 /var/run/postgresql || :

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then echo "error: POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE is required" >&2; exit 1; fi
  # The official image's initdb arguments: the superuser's password from a pipe, scram for TCP.
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) if [ -x "$f" ]; then echo "running $f"; "$f"; else echo "sourcing $f"; . "$f"; fi ;;
      *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) echo "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "${@:2}"

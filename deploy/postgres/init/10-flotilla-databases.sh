#!/usr/bin/env bash
# Creates one database and one login role per Flotilla service, plus the translation SQL
# console's read-only role, from the password secrets. Runs once, when the db volume is first
# initialised (docker-entrypoint-initdb.d); it is idempotent, so it can also be re-run on a
# running stack to add a service that landed later:
#   docker compose exec -e FLOTILLA_DB_INIT_SECRETS=/run/secrets db \
#     bash /docker-entrypoint-initdb.d/10-flotilla-databases.sh
#
# Least privilege: each service role owns only its own database (it runs its own migrations
# there, so it needs DDL on it) and is NOSUPERUSER NOCREATEDB NOCREATEROLE; no role but the
# owner (and the superuser) may connect to a service database; the console login role may
# connect to the translation database and read only what the translation service grants its
# reader role (SELECT on the translations table), and every transaction it opens is read-only
# with a 2 s statement timeout, 8 MB of work_mem and 64 MB of temporary files.
#
# The image entrypoint sources this file (it is not executable), so it defines a function and
# calls it rather than setting shell options or exiting.

flotilla_init_databases() {
  local dir="${FLOTILLA_DB_INIT_SECRETS:-/run/secrets}"
  local admin="${POSTGRES_USER:-postgres}"
  local service password_file
  local -a psql_admin=(psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$admin")

  for service in users fleet translation stats; do
    password_file="$dir/${service}_db_password"
    if [ ! -r "$password_file" ]; then
      echo "flotilla-init: no readable ${service}_db_password in $dir; skipping the $service database" >&2
      continue
    fi
    echo "flotilla-init: database and role for $service"
    # The password is read by psql itself (\set with backticks), so it never appears in a
    # command line, the environment or the logs.
    "${psql_admin[@]}" --dbname postgres -v role="$service" -v pwfile="$password_file" <<'SQL' || return 1
\set pw `cat :'pwfile'`
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'pw' CONNECTION LIMIT 40;
\unset pw
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"role" TO :"role";
SQL
    # Inside the new database: the service role owns the public schema (PostgreSQL 15+ no
    # longer lets PUBLIC create there), and nobody else may use it.
    "${psql_admin[@]}" --dbname "$service" -v role="$service" <<'SQL' || return 1
ALTER SCHEMA public OWNER TO :"role";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
  done

  # fleet's no-overlap exclusion constraint needs btree_gist. It is a trusted extension, so the
  # database owner could create it too; creating it here keeps the fleet role from needing to.
  if [ -r "$dir/fleet_db_password" ]; then
    "${psql_admin[@]}" --dbname fleet -c 'CREATE EXTENSION IF NOT EXISTS btree_gist' || return 1
  fi

  # The SQL console: translation's migration grants SELECT on its translations table to the
  # NOLOGIN role translation_console_reader (and nothing else); the console logs in as
  # translation_console, a member of it. The service role cannot create roles, so both are
  # created here, before the service first migrates.
  password_file="$dir/translation_console_db_password"
  if [ -r "$password_file" ] && [ -r "$dir/translation_db_password" ]; then
    echo "flotilla-init: read-only roles for the translation SQL console"
    "${psql_admin[@]}" --dbname translation -v pwfile="$password_file" <<'SQL' || return 1
SELECT 'CREATE ROLE translation_console_reader NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'translation_console_reader') \gexec
\set pw `cat :'pwfile'`
SELECT 'CREATE ROLE translation_console LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'translation_console') \gexec
ALTER ROLE translation_console WITH LOGIN INHERIT PASSWORD :'pw' CONNECTION LIMIT 10;
\unset pw
GRANT translation_console_reader TO translation_console;
-- Defence in depth under the service's own checks: every transaction read-only, short queries,
-- bounded memory and temporary files (the service sets the first three per query too, but only a
-- superuser may set temp_file_limit, hence here; keep them equal to DEFAULT_LIMITS in
-- services/translation/src/console/limits.ts).
ALTER ROLE translation_console SET default_transaction_read_only = on;
ALTER ROLE translation_console SET statement_timeout = '2s';
ALTER ROLE translation_console SET work_mem = '8MB';
ALTER ROLE translation_console SET temp_file_limit = '64MB';
ALTER ROLE translation_console SET idle_in_transaction_session_timeout = '10s';
GRANT CONNECT ON DATABASE translation TO translation_console;
SQL
  else
    echo "flotilla-init: no translation_console_db_password; skipping the console roles" >&2
  fi

  # The copies made by db-entrypoint.sh are no longer needed.
  if [ "$dir" != /run/secrets ] && [ "$dir" = "${FLOTILLA_DB_INIT_SECRETS:-}" ]; then
    rm -rf -- "$dir" 2>/dev/null || true
  fi
}

flotilla_init_databases

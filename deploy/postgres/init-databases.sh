#!/bin/sh
# One database per service, each owned by a login role of the same name, so a service can
# reach only its own records. The postgres image runs this once, when its data volume is
# first initialised; against a server you bring yourself, run it with PGHOST/PGUSER set:
#   PGHOST=db.example POSTGRES_USER=admin ELIG_DB_PASSWORD=... sh deploy/postgres/init-databases.sh
set -eu
: "${ELIG_DB_PASSWORD:?ELIG_DB_PASSWORD must be set}"
# The services of the stack (tests/unit/test_deploy_consistency.py keeps this list whole).
SERVICES="treasury ssa hhs usda orchestrator"
for service in $SERVICES; do
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        -v name="$service" -v password="$ELIG_DB_PASSWORD" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
SQL
done

#!/usr/bin/env bash
# Restore a dump made by backup.sh into an EMPTY PostgreSQL database named by DATABASE_URL.
# Usage: createdb oligoboard_restored && DATABASE_URL=postgres://.../oligoboard_restored scripts/restore.sh FILE
set -euo pipefail
: "${DATABASE_URL:?Set DATABASE_URL to the empty database to restore into}"
source_file="${1:?Usage: restore.sh FILE}"
tables="$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")"
if [[ "$tables" != "0" ]]; then
  echo "Refusing to restore: the target database already has $tables tables. Restore into an empty database." >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$source_file"
echo "Restored $source_file"

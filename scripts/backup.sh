#!/usr/bin/env bash
# Back up the Oligoboard PostgreSQL database named by DATABASE_URL into one custom-format dump file.
# Usage: DATABASE_URL=postgres://... scripts/backup.sh /secure/backups/oligoboard-$(date +%F).dump
set -euo pipefail
: "${DATABASE_URL:?Set DATABASE_URL to the database to back up}"
target="${1:?Usage: backup.sh FILE}"
umask 077   # the dump holds identifiable health data
pg_dump --format=custom --no-owner --no-privileges --file="$target" "$DATABASE_URL"
pg_restore --list "$target" >/dev/null   # the file is readable as a dump
echo "Backed up to $target ($(du -h "$target" | cut -f1))"

#!/usr/bin/env bash
# The benchmark suite on SQLite and on PostgreSQL (`make bench`): one line per figure, `name value unit`,
# and bench-results/bench-<db>.json. Each run starts from a new database filled by generate_load_data.
# PostgreSQL: $BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oligoboard_bench (dropped and
# created again). Skip a database with BENCH_DATABASES="sqlite" or "postgresql"; add --pages-only to skip
# PDFs and lists. Timings depend on what else runs: the load average is printed before each database.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PG_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/oligoboard_bench}
mkdir -p bench-results
export PYTHONWARNINGS=ignore
workdirs=()
trap 'rm -rf "${workdirs[@]}"' EXIT

for db in ${BENCH_DATABASES:-sqlite postgresql}; do
  workdir=$(mktemp -d)
  workdirs+=("$workdir")
  case "$db" in
    sqlite)
      url="sqlite:///$workdir/bench.sqlite3" ;;
    postgresql)
      url=$PG_URL
      admin_url="${PG_URL%/*}/postgres"
      name="${PG_URL##*/}"
      psql "$admin_url" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" ;;
    *) echo "unknown database '$db' (sqlite or postgresql)" >&2; exit 2 ;;
  esac
  echo "# $db ($(nproc) CPUs,$(uptime | sed 's/.*load/ load/'))"
  DATABASE_URL=$url MEDIA_ROOT="$workdir/media" "$PYTHON" -m benchmarks.pages --label "$db" \
    --out "bench-results/bench-$db.json" "$@"
done

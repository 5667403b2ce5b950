#!/usr/bin/env bash
# Load test of a meeting (`make loadtest`): gunicorn as deployed (gunicorn.conf.py: 2 workers × 4 threads)
# on 127.0.0.1:${LOAD_PORT:-8017} against PostgreSQL filled by generate_load_data; locust (headless,
# ${LOAD_SECONDS:-30} s) runs 25 members reading the case review and its guidance fragment while the chair
# records decisions. Loopback only.
# Prints one line per figure (`name value unit`: throughput, p50/p95/p99, errors) and writes
# bench-results/loadtest.json. locust comes from the `bench` extra of pyproject.toml (`make loadtest`
# installs it). Database: $LOAD_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oligoboard_load
# (dropped and created again). Exits non-zero when a request failed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${LOAD_PORT:-8017}
SECONDS_RUN=${LOAD_SECONDS:-30}
DB_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/oligoboard_load}
WORKDIR=$(mktemp -d)
export DATABASE_URL=$DB_URL DJANGO_SETTINGS_MODULE=benchmarks.settings PYTHONWARNINGS=ignore
export LOAD_PASSWORD=${LOAD_PASSWORD:-oligoboard-load} MEDIA_ROOT=$WORKDIR/media
[ -x "$BIN/locust" ] || { echo "locust is not installed: run make loadtest (it installs the bench extra)" >&2; exit 2; }

psql "${DB_URL%/*}/postgres" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"${DB_URL##*/}\"" \
  -c "CREATE DATABASE \"${DB_URL##*/}\""
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py generate_load_data --patients 2000 --lesions 5 --measurements 3 --events 20 \
  --meetings 2 --cases-per-meeting 20 --members 25 --seed 1 | tail -1
read -r MEETING PATIENTS < <($BIN/python manage.py shell -v0 -c "
from boards.models import Meeting
meeting = Meeting.objects.get(board__name='Load test board 1', status='in_progress')
items = meeting.agenda_items.order_by('position').select_related('patient')
print(meeting.public_id, ','.join(str(item.patient.public_id) for item in items))")
export MEETING PATIENTS USER_PREFIX=load1- LOAD_FIGURES=$WORKDIR/meeting.json

$BIN/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true; rm -rf "$WORKDIR"' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 0.2; done

echo "# load test: 25 members + 1 chair for ${SECONDS_RUN} s ($(nproc) CPUs,$(uptime | sed 's/.*load/ load/'))"
status=0
$BIN/locust -f benchmarks/locustfile.py --headless --users 26 --spawn-rate 13 --run-time "${SECONDS_RUN}s" \
  --host "http://127.0.0.1:$PORT" --only-summary --reset-stats --csv "$WORKDIR/load" --exit-code-on-error 1 \
  > "$WORKDIR/locust.out" 2>&1 || status=$?
tail -n 40 "$WORKDIR/locust.out"
mkdir -p bench-results
$BIN/python benchmarks/loadtest_figures.py "$WORKDIR/load_stats.csv" "$LOAD_FIGURES" bench-results/loadtest.json
exit $status

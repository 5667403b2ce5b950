#!/usr/bin/env bash
# Load test of a meeting: gunicorn (2 workers) on 127.0.0.1:${LOAD_PORT:-8017} against PostgreSQL filled by
# generate_load_data; locust (headless, ${LOAD_SECONDS:-30} s) runs 25 members reading the case review and its
# guidance fragment while the chair records decisions. Loopback only. Needs locust in the venv:
#   .venv/bin/pip install locust
# Database: $LOAD_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oligoboard_load (recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${LOAD_PORT:-8017}
SECONDS_RUN=${LOAD_SECONDS:-30}
DB_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/oligoboard_load}
export DATABASE_URL=$DB_URL DJANGO_SETTINGS_MODULE=benchmarks.settings PYTHONWARNINGS=ignore
export LOAD_PASSWORD=${LOAD_PASSWORD:-oligoboard-load} MEDIA_ROOT=$(mktemp -d)
[ -x "$BIN/locust" ] || { echo "locust is not installed: $BIN/pip install locust" >&2; exit 2; }

psql "${DB_URL%/*}/postgres" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"${DB_URL##*/}\"" \
  -c "CREATE DATABASE \"${DB_URL##*/}\""
$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py generate_load_data --patients 2000 --lesions 5 --measurements 3 --events 20 \
  --meetings 2 --cases-per-meeting 20 --members 25 --seed 1 | tail -1
export MEETING=$($BIN/python manage.py shell -v0 -c \
  "from boards.models import Meeting; print(Meeting.objects.get(board__name='Load test board 1', status='in_progress').public_id)")
export CASES=20 USER_PREFIX=load1-

$BIN/gunicorn config.wsgi --workers 2 --no-control-socket --bind "127.0.0.1:$PORT" --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 0.2; done

$BIN/locust -f benchmarks/locustfile.py --headless --users 26 --spawn-rate 13 --run-time "${SECONDS_RUN}s" \
  --host "http://127.0.0.1:$PORT" --only-summary --csv "${TMPDIR:-/tmp}/oligoboard-load" --exit-code-on-error 1

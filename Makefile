# Oligoboard developer commands. Quick start: `make run` (app with demo data on SQLite), `make test` (whole suite).
BIN := .venv/bin
PORT ?= 8000
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: setup system-deps runtime-deps run test test-fast e2e lint worker compose-check bench loadtest clean

setup:
	bash scripts/bootstrap.sh

system-deps:
	bash scripts/system-deps.sh

runtime-deps:
	bash scripts/system-deps.sh runtime

## Set up, migrate, load the demo data and run the app at http://127.0.0.1:$(PORT) (SQLite unless DATABASE_URL is set).
run: runtime-deps setup
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py loaddemo
	DEBUG=true TASKS_BACKEND=django.tasks.backends.immediate.ImmediateBackend $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Set up and run the whole test suite, browser tests included (SQLite unless DATABASE_URL is set).
test: system-deps setup
	$(BIN)/python manage.py check --settings=config.test_settings --fail-level WARNING
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

## Everything except the browser tests.
test-fast: setup
	$(BIN)/pytest -m "not e2e"

e2e: system-deps setup
	$(BIN)/pytest -m e2e

## Lint and format check (ruff, configured in pyproject.toml); `.venv/bin/ruff format .` formats.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Background worker for PDF exports (database-backed task queue).
worker: setup
	$(BIN)/python manage.py db_worker --queue-name "*"

compose-check: setup
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

## Benchmarks on SQLite and PostgreSQL: one line per figure, JSON in bench-results/ (BENCH_DATABASE_URL, BENCH_DATABASES).
bench: setup
	VIRTUAL_ENV=.venv $(BIN)/uv pip install -q -r pyproject.toml --extra dev --extra bench
	bash scripts/bench.sh

## Load test of a meeting: gunicorn + PostgreSQL on 127.0.0.1, locust for LOAD_SECONDS (LOAD_DATABASE_URL).
loadtest: setup
	VIRTUAL_ENV=.venv $(BIN)/uv pip install -q -r pyproject.toml --extra dev --extra bench
	bash scripts/loadtest.sh

clean:
	rm -rf .venv staticfiles media screenshots .pytest_cache db.sqlite3

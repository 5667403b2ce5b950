import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import parse_database_url
from tests.factories import PatientFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///:memory:", {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}),
        ("sqlite:////var/lib/oligoboard/db.sqlite3", {"NAME": "/var/lib/oligoboard/db.sqlite3"}),
        (
            "postgres://board:s%40cret@db.example:5433/oligoboard",
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "oligoboard",
                "USER": "board",
                "PASSWORD": "s@cret",
                "HOST": "db.example",
                "PORT": "5433",
            },
        ),
        (
            "postgresql://postgres@127.0.0.1/oligoboard?sslmode=require",
            {"OPTIONS": {"sslmode": "require", "server_side_binding": True, "prepare_threshold": 5}},
        ),
    ],
)
def test_parse_database_url_reads_engine_and_credentials(url, expected):
    config = parse_database_url(url)

    assert expected.items() <= config.items()


def test_prepared_statements_can_be_turned_off_for_a_pooling_proxy(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "false")

    assert parse_database_url("postgres://postgres@127.0.0.1/oligoboard")["OPTIONS"] == {}
    assert "OPTIONS" not in parse_database_url("sqlite:///:memory:")


def test_prepared_statements_setting_refuses_other_words(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "sometimes")

    with pytest.raises(ImproperlyConfigured, match="DATABASE_PREPARED_STATEMENTS"):
        parse_database_url("postgres://postgres@127.0.0.1/oligoboard")


def test_parse_database_url_refuses_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        parse_database_url("mysql://root@localhost/oligoboard")


def _run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    clean_env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-production-secret-key-that-is-long-and-random-enough-0123456789",
        ALLOWED_HOSTS="oligoboard.example.org",
        DATABASE_URL="sqlite:///:memory:",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_secret_key_in_production():
    result = _run_manage("check", DATABASE_URL="sqlite:///:memory:")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SESSION_IDLE_TIMEOUT_MINUTES", "thirty", "SESSION_IDLE_TIMEOUT_MINUTES must be a whole number, not 'thirty'"),
        ("PDF_RENDER_PROCESSES", "0", "PDF_RENDER_PROCESSES must be at least 1, not 0"),
    ],
)
def test_settings_refuse_a_bad_number_with_the_variable_named(name, value, message):
    result = _run_manage("check", DEBUG="true", DATABASE_URL="sqlite:///:memory:", **{name: value})

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_pages_send_content_security_policy_without_unsafe_inline(client_logged_in):
    response = client_logged_in.get("/patients/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_patient_pages_are_not_cached_by_the_browser(client_logged_in):
    patient = PatientFactory()

    response = client_logged_in.get(patient.get_absolute_url())

    assert response["Cache-Control"] == "no-store"


def test_htmx_is_served_from_our_static_files(client_logged_in):
    response = client_logged_in.get("/patients/")

    content = response.content.decode()
    assert "django_htmx/htmx-2.min.js" in content
    assert "https://" not in content.split("<body")[0]


def test_healthz_answers_ok_without_login_or_patient_data(client, db, django_assert_num_queries):
    PatientFactory(name="Secret Patientname")

    # SELECT 1
    with django_assert_num_queries(1):
        response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz/").status_code == 405


HEALTHCHECK_RUN = """
import os, threading, urllib.request, http.client
from config.wsgi import application  # what the container's gunicorn serves
from wsgiref.simple_server import WSGIRequestHandler, make_server

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

server = make_server("127.0.0.1", 0, application, handler_class=Quiet)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_port
exec(os.environ["HEALTHCHECK"].replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
login = http.client.HTTPConnection("127.0.0.1", port)
login.request("GET", "/accounts/login/", headers={"Host": "oligoboard.example.org"})
print("healthcheck ok; login over http:", login.getresponse().status)
server.shutdown()
"""


def _compose_healthcheck() -> str:
    from ruamel.yaml import YAML

    compose = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    return test[3]


def test_compose_healthcheck_passes_against_production_settings_over_plain_http():
    """The web container's own check: plain HTTP from inside, SSL redirect on, the hospital's host name."""
    healthcheck = _compose_healthcheck()
    assert "/healthz/" in healthcheck

    result = _run_python(
        HEALTHCHECK_RUN,
        HEALTHCHECK=healthcheck,
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="a-production-secret-key-that-is-long-and-random-enough-0123456789",
        ALLOWED_HOSTS="oligoboard.example.org,.example.org",
        DATABASE_URL="sqlite:///:memory:",
        BEHIND_TLS_PROXY="true",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # The check passed, while every other page still redirects plain HTTP to HTTPS.
    assert "healthcheck ok; login over http: 301" in result.stdout


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    clean_env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_postgresql_prepares_a_query_run_again_on_the_same_connection():
    from django.db import connection

    from config.settings import PREPARE_THRESHOLD
    from patients.models import Patient

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    patient = PatientFactory()
    for _ in range(PREPARE_THRESHOLD + 1):
        assert Patient.objects.get(pk=patient.pk) == patient
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "patients_patient"' in statement for statement in prepared)


def test_the_app_server_freezes_start_up_and_collects_young_objects_less_often():
    """config.wsgi, as gunicorn loads it: start-up frozen, the young generation collected every 50,000 allocations."""
    script = (
        "import gc; import config.wsgi; from config.runtime import YOUNG_COLLECTION_THRESHOLD as young; "
        "print(gc.get_threshold()[0] == young == 50_000, gc.get_freeze_count() > 10_000)"
    )
    clean_env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]

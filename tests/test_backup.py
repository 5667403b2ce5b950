"""The documented backup and restore procedure (scripts/backup.sh, scripts/restore.sh) on PostgreSQL."""

import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from audit.models import AuditEvent
from tests.boards.factories import AgendaItemFactory, DecisionFactory
from tests.factories import LesionFactory, MeasurementFactory, PatientFactory

ROOT = Path(__file__).resolve().parent.parent
COUNTED_TABLES = (
    "patients_patient",
    "patients_lesion",
    "patients_measurement",
    "boards_meeting",
    "boards_agendaitem",
    "boards_decision",
    "audit_auditevent",
    "auth_user",
)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are made of the PostgreSQL database"),
    pytest.mark.django_db(transaction=True),
]


def _url(database: str) -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgresql://{settings['USER']}{password}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{database}"


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}


def _mrns(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute("SELECT mrn FROM patients_patient ORDER BY mrn")]


def _decisions(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT public_id, recommendation, signed_at FROM boards_decision ORDER BY id").fetchall()


def test_restored_backup_has_the_same_patients_decisions_and_audit_records(tmp_path):
    lesion = LesionFactory(patient=PatientFactory(mrn="BK-1"))
    MeasurementFactory(lesion=lesion)
    PatientFactory(mrn="BK-2")
    DecisionFactory(agenda_item=AgendaItemFactory(patient=lesion.patient))
    AuditEvent.record(by=lesion.created_by, action="patient.viewed", target=lesion.patient, patient=lesion.patient)
    source = _url(connection.settings_dict["NAME"])
    restored_name = f"{connection.settings_dict['NAME']}_restored"
    dump = tmp_path / "oligoboard.dump"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        subprocess.run(
            ["bash", "scripts/backup.sh", str(dump)],
            cwd=ROOT,
            check=True,
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": source},
            capture_output=True,
        )
        subprocess.run(
            ["bash", "scripts/restore.sh", str(dump)],
            cwd=ROOT,
            check=True,
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": _url(restored_name)},
            capture_output=True,
        )

        assert _counts(_url(restored_name)) == _counts(source)
        assert _counts(source)["boards_decision"] == 1
        assert _mrns(_url(restored_name)) == ["BK-1", "BK-2"]
        assert _decisions(_url(restored_name)) == _decisions(source)
        refused = subprocess.run(
            ["bash", "scripts/restore.sh", str(dump)],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": _url(restored_name)},
            capture_output=True,
            text=True,
        )
        assert refused.returncode == 1
        assert "empty database" in refused.stderr
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')

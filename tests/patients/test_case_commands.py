import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, ManagementUtility, call_command

from audit.models import AuditEvent
from patients.casefile import MAX_CASE_FILE_BYTES, case_export_json, case_import
from patients.models import Patient
from tests.factories import PatientFactory, UserFactory
from tests.patients.test_casefile import CASE


@pytest.fixture
def case_path(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE))
    return path


def run(*args) -> tuple[str, str]:
    """Run a management command and return its stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(*args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_import_case_creates_patient_and_prints_public_id(db, case_path):
    stdout, _ = run("import_case", str(case_path), "--mrn", "MRN-9", "--name", "Henrik Larsen")

    patient = Patient.objects.get(mrn="MRN-9")
    assert stdout.strip() == str(patient.public_id)
    assert patient.name == "Henrik Larsen"
    assert patient.lesions.count() == 2


def test_import_case_acts_as_inactive_system_user_by_default(db, case_path):
    run("import_case", str(case_path), "--mrn", "MRN-9")

    patient = Patient.objects.get(mrn="MRN-9")
    system = get_user_model().objects.get(username="system")
    assert patient.name == "Case MRN-9"
    assert patient.created_by == system
    assert not system.is_active and not system.has_usable_password()
    assert AuditEvent.objects.get(action="patient.case_imported").user == system


def test_import_case_acts_as_given_user(db, case_path):
    user = UserFactory(username="coordinator")

    run("import_case", str(case_path), "--mrn", "MRN-9", "--user", "coordinator")

    assert Patient.objects.get(mrn="MRN-9").created_by == user


def test_import_case_refuses_unknown_user(db, case_path):
    with pytest.raises(CommandError, match="--user: no user named 'nobody'"):
        run("import_case", str(case_path), "--mrn", "MRN-9", "--user", "nobody")

    assert not Patient.objects.exists()


def test_import_case_prints_every_error_with_its_path(db, tmp_path, capsys):
    bad = json.loads(json.dumps(CASE))
    bad["lesions"][1]["measurements"][0]["size_mm"] = 0
    bad["events"][4]["lesion_ids"] = ["S9"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"refused, nothing was imported \(2 error\(s\)\)"):
        call_command("import_case", str(path), "--mrn", "MRN-9", stderr=stderr)

    assert stderr.getvalue().splitlines() == [
        "lesions[1].measurements[0].size_mm: must be > 0",
        "events[4].lesion_ids[0]: unknown lesion id 'S9'",
    ]
    assert not Patient.objects.exists()


def test_import_case_refuses_malformed_json(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{")
    stderr = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_case", str(path), "--mrn", "MRN-9", stderr=stderr)

    assert stderr.getvalue().strip() == (
        "(root): not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"
    )
    assert not Patient.objects.exists()


def test_import_case_refuses_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match=r"missing\.json: no such file"):
        run("import_case", str(tmp_path / "missing.json"), "--mrn", "MRN-9")


def test_import_case_refuses_oversized_file(db, tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_CASE_FILE_BYTES + 1))
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="refused, nothing was imported"):
        call_command("import_case", str(path), "--mrn", "MRN-9", stderr=stderr)

    assert stderr.getvalue().strip() == "(root): the file is larger than 5 MB"
    assert not Patient.objects.exists()


def test_import_case_refuses_existing_mrn(db, case_path):
    PatientFactory(mrn="MRN-9", name="Already Here")
    stderr = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_case", str(case_path), "--mrn", "MRN-9", stderr=stderr)

    assert stderr.getvalue().strip() == "mrn: a patient with this hospital number already exists"
    assert Patient.objects.get(mrn="MRN-9").name == "Already Here"


def test_import_case_audits_refusal_without_identifiers(db, case_path):
    existing = PatientFactory(mrn="MRN-9")

    with pytest.raises(CommandError):
        run("import_case", str(case_path), "--mrn", "MRN-9", "--name", "Maria Rossi")

    audit = AuditEvent.objects.get(action="patient.case_import_refused")
    assert (audit.outcome, audit.patient) == ("refused", None)
    assert audit.detail == {"errors": ["mrn: a patient with this hospital number already exists"], "error_count": 1}
    assert "MRN-9" not in str(audit.detail) and "Maria Rossi" not in str(audit.detail)
    # The attempt on a number in use is audited apart, against the patient who holds it.
    attempt = AuditEvent.objects.get(action="patient.mrn_refused")
    assert (attempt.outcome, attempt.patient, attempt.detail["mrn"]) == ("refused", existing, "MRN-9")


def test_import_case_exits_non_zero_from_the_command_line(db, case_path):
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import_case", str(case_path) + ".missing", "--mrn", "MRN-9"]).execute()

    assert exited.value.code == 1


def test_export_case_prints_case_file(db):
    patient = case_import(case=CASE, mrn="MRN-1", name="Henrik Larsen", by=UserFactory())

    stdout, _ = run("export_case", "MRN-1")

    assert stdout == case_export_json(patient)
    assert json.loads(stdout)["lesions"][0]["id"] == "S4"


def test_export_case_is_audited(db):
    patient = case_import(case=CASE, mrn="MRN-1", name="Henrik Larsen", by=UserFactory())
    user = UserFactory(username="oncologist")

    run("export_case", "MRN-1", "--user", "oncologist")

    audit = AuditEvent.objects.get(action="patient.case_exported")
    assert (audit.patient, audit.user) == (patient, user)


def test_export_case_refuses_unknown_mrn(db):
    with pytest.raises(CommandError, match="No patient with hospital number 'NOPE'"):
        run("export_case", "NOPE")

    assert not AuditEvent.objects.exists()


def test_export_then_import_command_round_trip_is_identical(db, tmp_path):
    case_import(case=CASE, mrn="MRN-1", name="A", by=UserFactory())
    exported, _ = run("export_case", "MRN-1")
    path = tmp_path / "exported.json"
    path.write_text(exported)

    run("import_case", str(path), "--mrn", "MRN-2")
    again, _ = run("export_case", "MRN-2")

    assert again == exported

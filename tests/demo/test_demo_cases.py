from pathlib import Path

import pytest
from django.conf import settings

from demo.management.commands.loaddemo import DEMO_PATIENTS, demo_case_path
from patients.casefile import case_export, case_export_json, case_import, parse_case_file
from patients.models import Patient
from tests.factories import UserFactory

CASE_FILES = sorted(
    [
        *(Path(settings.BASE_DIR) / "patients" / "demo_cases").glob("*.json"),
        *(Path(settings.BASE_DIR) / "demo" / "cases").glob("*.json"),
    ]
)


def test_demo_case_files_exist_for_every_demo_patient():
    paths = [demo_case_path(file_name) for file_name, _, _ in DEMO_PATIENTS]

    assert all(path.is_file() for path in paths)
    assert 6 <= len(paths) <= 8


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_demo_case_imports(db, path):
    case = parse_case_file(path.read_bytes())

    patient = case_import(case=case, mrn="DEMO-1", name="Demo Patient", by=UserFactory())

    patient = Patient.objects.for_record().get(pk=patient.pk)
    assert len(patient.current_lesions) == len(case["lesions"])
    assert len(patient.current_events) == len(case["events"])
    assert case_export(patient) == case


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_demo_case_export_import_export_is_byte_identical(db, path):
    user = UserFactory()
    first = case_export_json(case_import(case=parse_case_file(path.read_bytes()), mrn="DEMO-1", name="A", by=user))

    second = case_export_json(case_import(case=parse_case_file(first), mrn="DEMO-2", name="B", by=user))

    assert second == first

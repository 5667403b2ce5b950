"""Bad values in every record form: a clear message at the field, nothing saved, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import (
    Comorbidity,
    EcogAssessment,
    Event,
    FrailtyAssessment,
    Ki67Result,
    LabResult,
    Lesion,
    Measurement,
    Patient,
    PrimaryTumour,
)
from tests.factories import LesionFactory, PatientFactory

HTMX = {"HX-Request": "true"}
FUTURE = "2999-01-01"

BASE = {
    "primary": {"disease": "acc", "site": "left adrenal", "diagnosed_on": "2016-05-10"},
    "ki67": {"measured_on": "2016-05-10", "value_pct": "10"},
    "lesion": {"label": "S4", "organ": "liver", "detected_on": "2024-04-28"},
    "measurement": {"measured_on": "2024-05-01", "size_mm": "20"},
    "event": {"type": "chemotherapy", "started_on": "2024-05-01", "line": "1"},
    "lab": {"analyte": "cea", "taken_on": "2024-04-28", "value": "14.2"},
    "ecog": {"assessed_on": "2024-04-28", "value": "1"},
    "frailty": {"assessed_on": "2024-04-28", "frail": "on"},
    "comorbidity": {"name": "hypertension"},
}
MODELS = {
    "primary": PrimaryTumour,
    "ki67": Ki67Result,
    "lesion": Lesion,
    "measurement": Measurement,
    "event": Event,
    "lab": LabResult,
    "ecog": EcogAssessment,
    "frailty": FrailtyAssessment,
    "comorbidity": Comorbidity,
}

CASES = [
    ("measurement", {"size_mm": "0"}, "size_mm", "A size must be greater than 0 mm."),
    ("measurement", {"size_mm": "-4"}, "size_mm", "A size must be greater than 0 mm."),
    ("measurement", {"size_mm": "401"}, "size_mm", "A size above 400 mm is not plausible."),
    ("measurement", {"size_mm": "big"}, "size_mm", "Enter a number."),
    ("measurement", {"measured_on": FUTURE}, "measured_on", "This date is in the future."),
    (
        "measurement",
        {"measured_on": "2024-01-01"},
        "measured_on",
        "A measurement cannot be before the lesion was detected.",
    ),
    ("ki67", {"value_pct": "101"}, "value_pct", "Ensure this value is less than or equal to 100."),
    ("ki67", {"value_pct": "-1"}, "value_pct", "Ensure this value is greater than or equal to 0."),
    ("ki67", {"value_pct": "", "low_pct": "20", "high_pct": "10"}, "high_pct", "The upper end is below the lower end."),
    ("ki67", {"value_pct": "", "low_pct": "20"}, "high_pct", "A range needs both ends."),
    ("ki67", {"value_pct": ""}, "value_pct", "Give a value or a range."),
    ("ki67", {"low_pct": "5", "high_pct": "8"}, "__all__", "Give either one value or a range, not both."),
    ("ecog", {"value": "5"}, "value", "Ensure this value is less than or equal to 4."),
    ("ecog", {"value": "-1"}, "value", "Ensure this value is greater than or equal to 0."),
    ("ecog", {"assessed_on": FUTURE}, "assessed_on", "This date is in the future."),
    ("lab", {"value": "-0.5"}, "value", "A value cannot be negative."),
    ("lab", {"taken_on": FUTURE}, "taken_on", "This date is in the future."),
    ("lab", {"taken_on": "31/02/2024"}, "taken_on", "Enter a valid date."),
    ("event", {"ended_on": "2024-04-01"}, "ended_on", "The end cannot be before the start."),
    ("event", {"started_on": FUTURE}, "started_on", "This date is in the future."),
    ("event", {"subtype": "mwa"}, "subtype", "A subtype applies to thermal ablation only."),
    ("event", {"recist_overall": "PD"}, "recist_overall", "A RECIST response belongs to an imaging event."),
    ("event", {"type": "sbrt"}, "line", "A line applies to systemic therapy only."),
    ("event", {"line": "0"}, "line", "Ensure this value is greater than or equal to 1."),
    (
        "lesion",
        {"removed_on": "2024-01-01", "removal": "resection"},
        "removed_on",
        "The removal cannot be before the detection.",
    ),
    (
        "lesion",
        {"removed_on": "2024-06-01"},
        "removal",
        "Give both the removal date and how it was removed, or neither.",
    ),
    ("lesion", {"detected_on": FUTURE}, "detected_on", "This date is in the future."),
    ("lesion", {"label": "s7"}, "label", "This patient already has a lesion labelled s7."),
    ("lesion", {"organ": "spleen"}, "organ", "Select a valid choice. spleen is not one of the available choices."),
    ("primary", {"diagnosed_on": FUTURE}, "diagnosed_on", "This date is in the future."),
    ("primary", {"resected_on": "2015-01-01"}, "resected_on", "The resection cannot be before the diagnosis."),
    ("primary", {"resection_margin": "R1"}, "resection_margin", "A margin needs a resection date."),
    (
        "primary",
        {"disease": "crc", "hormone_excess": "true"},
        "hormone_excess",
        "Hormone status applies to adrenocortical carcinoma only.",
    ),
    ("primary", {"site": ""}, "site", "This field is required."),
    ("frailty", {"assessed_on": ""}, "assessed_on", "This field is required."),
    ("comorbidity", {"name": ""}, "name", "This field is required."),
]


@pytest.fixture
def patient(db) -> Patient:
    patient = PatientFactory()
    LesionFactory(patient=patient, label="S7", detected_on=dt.date(2024, 4, 28))
    return patient


@pytest.mark.parametrize(("kind", "bad", "field", "message"), CASES)
def test_record_form_shows_the_error_at_the_field_and_saves_nothing(
    client_logged_in, patient, kind, bad, field, message
):
    data = BASE[kind] | bad
    if kind == "measurement":
        data["lesion"] = patient.lesions.get().pk
    count = MODELS[kind].objects.count()

    response = client_logged_in.post(
        reverse("patients:record-create", args=[patient.public_id, kind]), data, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Retarget" not in response and "<html" not in html
    assert message in response.context["form"].errors[field]
    assert message.replace("'", "&#x27;") in html
    if field != "__all__":
        assert 'aria-invalid="true"' in html and f'id="id_{field}_error"' in html
    assert MODELS[kind].objects.count() == count


def test_patient_form_refuses_a_future_birth_date(client_logged_in, patient):
    data = {"name": "X", "mrn": "NEW-MRN", "birth_date": FUTURE, "sex": "F", "version": "1"}

    response = client_logged_in.post(
        reverse("patients:record-edit", args=[patient.public_id, "patient", patient.public_id]), data, headers=HTMX
    )

    assert "This date is in the future." in response.context["form"].errors["birth_date"]
    patient.refresh_from_db()
    assert patient.mrn != "NEW-MRN" and patient.version == 1


def test_patient_form_refuses_a_taken_mrn_and_audits_the_attempt(client_logged_in, patient, user):
    taken = PatientFactory(mrn="TAKEN")
    data = {"name": "X", "mrn": "TAKEN", "birth_date": "1964-03-05", "sex": "F", "version": "1"}

    response = client_logged_in.post(
        reverse("patients:record-edit", args=[patient.public_id, "patient", patient.public_id]), data, headers=HTMX
    )

    assert "A patient with this hospital number already exists." in response.context["form"].errors["mrn"]
    patient.refresh_from_db()
    assert patient.mrn != "TAKEN" and patient.version == 1
    audit = AuditEvent.objects.get(action="patient.mrn_refused")
    assert (audit.user, audit.patient, audit.outcome) == (user, taken, "refused")


def test_record_form_without_htmx_renders_the_whole_page_with_errors(client_logged_in, patient):
    data = BASE["ecog"] | {"value": "9"}

    response = client_logged_in.post(reverse("patients:record-create", args=[patient.public_id, "ecog"]), data)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Ensure this value is less than or equal to 4." in html

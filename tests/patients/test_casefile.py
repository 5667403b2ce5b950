import copy
import json

import pytest

from audit.models import AuditEvent
from patients.casefile import (
    MAX_CASE_FILE_BYTES,
    CaseFileError,
    case_export,
    case_export_json,
    case_import,
    parse_case_file,
)
from patients.models import Event, LabResult, Lesion, Measurement, Patient
from patients.services import record_withdraw
from tests.factories import LesionFactory, MeasurementFactory, PatientFactory, UserFactory

CASE = {
    "format": "oligoboard-case/1",
    "patient": {
        "birth_date": "1958-04-02",
        "sex": "M",
        "ecog": [{"date": "2024-05-02", "value": 1}],
        "comorbidities": ["type 2 diabetes"],
        "frailty_assessments": [{"date": "2024-05-02", "frail": False}],
    },
    "primary": {
        "disease": "crc",
        "site": "sigmoid_colon",
        "diagnosis_date": "2022-11-15",
        "t_stage": "T3",
        "n_status": "N1",
        "resection": {"date": "2022-12-20", "margin": "R0"},
        "ki67": [],
        "notes": "",
    },
    "lesions": [
        {
            "id": "S7",
            "organ": "liver",
            "regional_node": False,
            "detected_on": "2024-04-28",
            "measurements": [{"date": "2024-04-28", "size_mm": 24}],
            "removed_on": None,
            "removal": None,
            "note": "segment 7, subcapsular",
        },
        {
            "id": "S4",
            "organ": "liver",
            "detected_on": "2024-04-28",
            "measurements": [{"date": "2024-04-28", "size_mm": 12.5}],
        },
    ],
    "events": [
        {"type": "diagnosis", "start": "2022-11-15", "end": None},
        {"type": "primary_resection", "start": "2022-12-20", "end": None, "margin": "R0"},
        {
            "type": "chemotherapy",
            "start": "2023-01-25",
            "end": "2023-06-30",
            "regimen": "CAPOX",
            "line": None,
            "intent": "adjuvant",
            "lesion_ids": [],
        },
        {"type": "metastatic_diagnosis", "start": "2024-04-28", "end": None},
        {"type": "thermal_ablation", "start": "2024-06-03", "lesion_ids": ["S4"], "subtype": "mwa"},
    ],
    "labs": {"cea": [{"date": "2024-04-28", "value_ng_ml": 14.2}]},
}


def case_with(change) -> dict:
    """Return a copy of CASE changed by a function of the copy."""
    case = copy.deepcopy(CASE)
    change(case)
    return case


def set_path(*keys_and_value):
    """Return a change that sets case[k1][k2]...[kn] = value."""
    *keys, value = keys_and_value

    def change(case):
        target = case
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


REFUSALS = [
    ("format", set_path("format", "oligoboard-case/2"), 'format: must be "oligoboard-case/1"'),
    ("missing patient", lambda case: case.pop("patient"), "patient: is required"),
    (
        "birth date type",
        set_path("patient", "birth_date", 19580402),
        "patient.birth_date: must be a date written YYYY-MM-DD, not 19580402",
    ),
    (
        "not ISO date",
        set_path("patient", "birth_date", "02/04/1958"),
        'patient.birth_date: must be a date written YYYY-MM-DD, not "02/04/1958"',
    ),
    (
        "non-ASCII digits",
        set_path("patient", "birth_date", "١٩٥٨-04-02"),
        'patient.birth_date: must be a date written YYYY-MM-DD, not "١٩٥٨-04-02"',
    ),
    (
        "long date text",
        set_path("patient", "birth_date", "x" * 100),
        'patient.birth_date: must be a date written YYYY-MM-DD, not "' + "x" * 30 + '..."',
    ),
    (
        "impossible date",
        set_path("primary", "diagnosis_date", "2022-02-30"),
        'primary.diagnosis_date: must be a date written YYYY-MM-DD, not "2022-02-30"',
    ),
    ("future date", set_path("lesions", 0, "detected_on", "2999-01-01"), "lesions[0].detected_on: is in the future"),
    ("unknown sex", set_path("patient", "sex", "female"), "patient.sex: must be one of F, M, X, U"),
    ("unknown disease", set_path("primary", "disease", "hcc"), "primary.disease: must be one of acc, crc"),
    ("site wrong type", set_path("primary", "site", ["sigmoid"]), "primary.site: must be text"),
    (
        "resection before diagnosis",
        set_path("primary", "resection", "date", "2022-10-01"),
        "primary.resection.date: is before the diagnosis date",
    ),
    (
        "hormones for crc",
        set_path("primary", "hormone_excess", True),
        "primary.hormone_excess: applies to adrenocortical carcinoma (acc) only",
    ),
    (
        "ki67 101",
        set_path("primary", "ki67", [{"date": "2022-11-15", "value_pct": 101}]),
        "primary.ki67[0].value_pct: must be between 0 and 100",
    ),
    (
        "ki67 range high 101",
        set_path("primary", "ki67", [{"date": "2022-11-15", "low_pct": 3, "high_pct": 101}]),
        "primary.ki67[0].high_pct: must be between 0 and 100",
    ),
    (
        "ki67 range reversed",
        set_path("primary", "ki67", [{"date": "2022-11-15", "low_pct": 5, "high_pct": 3}]),
        "primary.ki67[0].high_pct: is below low_pct",
    ),
    (
        "ki67 value and range",
        set_path("primary", "ki67", [{"date": "2022-11-15", "value_pct": 5, "low_pct": 3, "high_pct": 5}]),
        "primary.ki67[0]: give either value_pct or low_pct/high_pct, not both",
    ),
    ("ecog 5", set_path("patient", "ecog", 0, "value", 5), "patient.ecog[0].value: must be between 0 and 4"),
    ("ecog not whole", set_path("patient", "ecog", 0, "value", 1.5), "patient.ecog[0].value: must be a whole number"),
    (
        "frail not bool",
        set_path("patient", "frailty_assessments", 0, "frail", "no"),
        "patient.frailty_assessments[0].frail: must be true or false",
    ),
    ("comorbidity not text", set_path("patient", "comorbidities", [3]), "patient.comorbidities[0]: must be text"),
    ("lesions not a list", lambda case: case.update(lesions={"S7": {}}, events=[]), "lesions: must be a list"),
    (
        "unknown organ",
        set_path("lesions", 1, "organ", "kidney"),
        "lesions[1].organ: must be one of liver, lung, bone, brain, peritoneum, retroperitoneum, local_recurrence, "
        "lymph_node, pleura, soft_tissue, other",
    ),
    ("duplicate id", lambda case: case["lesions"].append(case["lesions"][0]), "lesions[2].id: duplicate id 'S7'"),
    (
        "size 0",
        set_path("lesions", 1, "measurements", 0, "size_mm", 0),
        "lesions[1].measurements[0].size_mm: must be > 0",
    ),
    (
        "size 401",
        set_path("lesions", 1, "measurements", 0, "size_mm", 401),
        "lesions[1].measurements[0].size_mm: must be ≤ 400",
    ),
    (
        "size as text",
        set_path("lesions", 1, "measurements", 0, "size_mm", "24"),
        "lesions[1].measurements[0].size_mm: must be a number",
    ),
    (
        "size two decimals",
        set_path("lesions", 1, "measurements", 0, "size_mm", 12.25),
        "lesions[1].measurements[0].size_mm: must have at most 1 decimal place",
    ),
    (
        "measurement before detection",
        set_path("lesions", 0, "measurements", 0, "date", "2024-04-01"),
        "lesions[0].measurements[0].date: is before the lesion was detected (2024-04-28)",
    ),
    (
        "removal before detection",
        lambda case: case["lesions"][0].update(removed_on="2024-01-01", removal="resection", measurements=[]),
        "lesions[0].removed_on: is before the lesion was detected (2024-04-28)",
    ),
    (
        "measurement after removal",
        lambda case: case["lesions"][0].update(
            removed_on="2024-05-10",
            removal="resection",
            measurements=[{"date": "2024-04-28", "size_mm": 24}, {"date": "2024-06-01", "size_mm": 20}],
        ),
        "lesions[0].measurements[1].date: is after the lesion was removed (2024-05-10)",
    ),
    (
        "removed_on without removal",
        set_path("lesions", 0, "removed_on", "2024-06-03"),
        "lesions[0].removal: removed_on and removal go together: give both or neither",
    ),
    (
        "unknown removal",
        lambda case: case["lesions"][0].update(removed_on="2024-06-03", removal="excision"),
        "lesions[0].removal: must be one of resection, ablation, disappeared",
    ),
    (
        "regional node not bool",
        set_path("lesions", 0, "regional_node", "no"),
        "lesions[0].regional_node: must be true or false",
    ),
    (
        "unknown event type",
        set_path("events", 2, "type", "hipec"),
        "events[2].type: must be one of diagnosis, metastatic_diagnosis, recurrence, progression, primary_resection, "
        "metastasectomy, thermal_ablation, sbrt, radiotherapy, tace, tare, chemotherapy, mitotane, immunotherapy, "
        "targeted_therapy, imaging",
    ),
    (
        "dangling lesion id",
        set_path("events", 4, "lesion_ids", ["S4", "S9"]),
        "events[4].lesion_ids[1]: unknown lesion id 'S9'",
    ),
    ("end before start", set_path("events", 2, "end", "2023-01-01"), "events[2].end: is before the start (2023-01-25)"),
    (
        "line for a resection",
        set_path("events", 1, "line", 1),
        "events[1].line: applies to systemic therapy only (chemotherapy, mitotane, immunotherapy, targeted_therapy)",
    ),
    ("line 0", set_path("events", 2, "line", 0), "events[2].line: must be between 1 and 20"),
    (
        "unknown intent",
        set_path("events", 2, "intent", "radical"),
        "events[2].intent: must be one of curative, adjuvant, neoadjuvant, perioperative, induction, palliative, "
        "maintenance, local_control",
    ),
    (
        "subtype outside ablation",
        set_path("events", 1, "subtype", "rfa"),
        "events[1].subtype: applies to thermal_ablation only",
    ),
    (
        "recist outside imaging",
        set_path("events", 1, "recist_overall", "PR"),
        "events[1].recist_overall: applies to imaging only",
    ),
    ("cea -1", set_path("labs", "cea", 0, "value_ng_ml", -1), "labs.cea[0].value_ng_ml: must be ≥ 0"),
    ("cea boolean", set_path("labs", "cea", 0, "value_ng_ml", True), "labs.cea[0].value_ng_ml: must be a number"),
    (
        "unknown root key",
        set_path("name", "Maria Rossi"),
        "name: unknown key (allowed: format, patient, primary, lesions, events, labs)",
    ),
    (
        "unknown lesion key",
        set_path("lesions", 1, "colour", "red"),
        "lesions[1].colour: unknown key (allowed: id, organ, regional_node, detected_on, measurements, removed_on, "
        "removal, note)",
    ),
    (
        "unknown measurement key",
        set_path("lesions", 0, "measurements", 0, "size_cm", 2.4),
        "lesions[0].measurements[0].size_cm: unknown key (allowed: date, size_mm)",
    ),
]


@pytest.mark.parametrize(("change", "expected"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_parse_case_file_refuses_bad_value_with_its_path(change, expected):
    case = case_with(change)

    with pytest.raises(CaseFileError) as refused:
        parse_case_file(json.dumps(case))

    assert refused.value.errors == [expected]


@pytest.mark.parametrize(("change", "expected"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_case_import_refuses_bad_file_without_creating_anything(db, change, expected):
    user = UserFactory()
    patients_before = Patient.objects.count()

    with pytest.raises(CaseFileError) as refused:
        case_import(case=case_with(change), mrn="MRN-NEW", name="New Patient", by=user)

    assert refused.value.errors == [expected]
    assert Patient.objects.count() == patients_before
    assert not Lesion.objects.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "(root): not valid JSON: Expecting value at line 1 column 1"),
        (
            '{"format": "oligoboard-case/1",}',
            "(root): not valid JSON: Expecting property name enclosed in double quotes at line 1 column 32",
        ),
        (b"\xff\xfe{}", "(root): not valid JSON: the file is not UTF-8 text"),
        ('{"format": NaN}', "(root): not valid JSON: NaN is not a number JSON allows"),
        ("[1, 2]", "(root): must be an object"),
        (b" " * (MAX_CASE_FILE_BYTES + 1), "(root): the file is larger than 5 MB"),
    ],
    ids=["empty", "trailing comma", "not utf-8", "NaN", "array", "oversized"],
)
def test_parse_case_file_refuses_unreadable_file(raw, expected):
    with pytest.raises(CaseFileError) as refused:
        parse_case_file(raw)

    assert refused.value.errors == [expected]


def test_parse_case_file_collects_every_error():
    case = case_with(set_path("lesions", 1, "measurements", 0, "size_mm", 0))
    case["events"][4]["lesion_ids"] = ["S9"]
    case["patient"]["ecog"][0]["value"] = 5

    with pytest.raises(CaseFileError) as refused:
        parse_case_file(case)

    assert refused.value.errors == [
        "patient.ecog[0].value: must be between 0 and 4",
        "lesions[1].measurements[0].size_mm: must be > 0",
        "events[4].lesion_ids[0]: unknown lesion id 'S9'",
    ]


def test_parse_case_file_fills_absent_optional_keys():
    case = parse_case_file(json.dumps(CASE).encode())

    assert case["lesions"][0] == {
        "id": "S4",
        "organ": "liver",
        "regional_node": False,
        "detected_on": "2024-04-28",
        "measurements": [{"date": "2024-04-28", "size_mm": 12.5}],
        "removed_on": None,
        "removal": None,
        "note": None,
    }
    assert case["events"][0] == {
        "type": "diagnosis",
        "start": "2022-11-15",
        "end": None,
        "regimen": None,
        "line": None,
        "intent": None,
        "lesion_ids": [],
        "margin": None,
        "notes": None,
    }
    assert case["events"][4]["subtype"] == "mwa"
    assert case["primary"]["hormone_excess"] is None
    assert case["primary"]["notes"] is None


def test_parse_case_file_orders_rows_like_an_export():
    case = case_with(lambda case: case["events"].reverse())
    case["patient"]["comorbidities"] = ["hypertension", "asthma"]

    parsed = parse_case_file(case)

    assert [event["start"] for event in parsed["events"]] == sorted(event["start"] for event in CASE["events"])
    assert [lesion["id"] for lesion in parsed["lesions"]] == ["S4", "S7"]
    assert parsed["patient"]["comorbidities"] == ["asthma", "hypertension"]


def test_parse_case_file_matches_export_of_the_imported_case(db):
    parsed = parse_case_file(CASE)

    exported = case_export(case_import(case=CASE, mrn="MRN-1", name="A", by=UserFactory()))

    assert exported == parsed


def test_parse_case_file_accepts_minimal_file():
    minimal = {"format": "oligoboard-case/1", "patient": {"birth_date": "1970-01-01"}}

    case = parse_case_file(minimal)

    assert case == {
        "format": "oligoboard-case/1",
        "patient": {"birth_date": "1970-01-01", "sex": "U", "ecog": [], "comorbidities": [], "frailty_assessments": []},
        "primary": None,
        "lesions": [],
        "events": [],
        "labs": {"cea": []},
    }


def test_case_import_creates_whole_record(db):
    user = UserFactory()

    patient = case_import(case=CASE, mrn="MRN-1", name="Henrik Larsen", by=user)

    patient = Patient.objects.for_record().get(pk=patient.pk)
    assert (patient.mrn, patient.name, str(patient.birth_date), patient.sex) == (
        "MRN-1",
        "Henrik Larsen",
        "1958-04-02",
        "M",
    )
    assert (patient.primary.disease, patient.primary.resection_margin) == ("crc", "R0")
    assert [lesion.label for lesion in patient.current_lesions] == ["S4", "S7"]
    assert [str(m.size_mm) for m in patient.current_lesions[0].current_measurements] == ["12.5"]
    ablation = patient.current_events[-1]
    assert (ablation.type, ablation.subtype, [lesion.label for lesion in ablation.treated]) == (
        "thermal_ablation",
        "mwa",
        ["S4"],
    )
    assert [str(lab.value) for lab in patient.current_labs] == ["14.20"]
    assert [c.name for c in patient.current_comorbidities] == ["type 2 diabetes"]
    assert {
        row.created_by for row in [patient, patient.primary, *patient.current_lesions, *patient.current_events]
    } == {user}


def test_case_import_writes_one_audit_event(db):
    user = UserFactory()

    patient = case_import(case=CASE, mrn="MRN-1", name="Henrik Larsen", by=user)

    audit = AuditEvent.objects.get()
    assert (audit.action, audit.patient, audit.user, audit.target_public_id) == (
        "patient.case_imported",
        patient,
        user,
        str(patient.public_id),
    )


def test_case_import_starts_change_history_with_the_importing_user(db):
    user = UserFactory()

    patient = case_import(case=CASE, mrn="MRN-1", name="A", by=user)

    lesion = patient.lesions.get(label="S7")
    for record in (patient, patient.primary, lesion, lesion.measurements.get(), patient.lab_results.get()):
        first = record.history.get()
        assert (first.history_type, first.history_user, first.history_change_reason) == (
            "+",
            user,
            "Imported from a case file",
        )


def test_case_import_names_patient_after_mrn_when_no_name(db):
    patient = case_import(case=CASE, mrn="MRN-7", name=None, by=UserFactory())

    assert patient.name == "Case MRN-7"


def test_case_import_reports_identity_and_file_errors_together(db, user):
    PatientFactory(mrn="MRN-1")

    with pytest.raises(CaseFileError) as refused:
        case_import(case=case_with(set_path("patient", "ecog", 0, "value", 5)), mrn="MRN-1", name="A", by=user)

    assert refused.value.errors == [
        "mrn: a patient with this hospital number already exists",
        "patient.ecog[0].value: must be between 0 and 4",
    ]


def test_case_import_refuses_existing_mrn_plainly_to_who_may_see_every_patient(user):
    """`user` coordinates a board, so may open any patient: the refusal says the number is taken."""
    existing = PatientFactory(mrn="MRN-1")

    with pytest.raises(CaseFileError) as refused:
        case_import(case=CASE, mrn="MRN-1", name="Someone Else", by=user)

    assert refused.value.errors == ["mrn: a patient with this hospital number already exists"]
    assert Patient.objects.count() == 1
    assert not Lesion.objects.exists()
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.outcome, audit.patient, audit.user) == (
        "patient.mrn_refused",
        "refused",
        existing,
        user,
    )
    assert audit.detail == {"mrn": "MRN-1", "in_use": True, "throttled": False}


def test_case_import_refuses_existing_mrn_neutrally_to_a_clinician_and_audits_the_attempt(db):
    """A clinician outside the patient's boards learns nothing about whose number it is; the attempt is audited."""
    existing = PatientFactory(mrn="MRN-1", name="Hidden Person")
    clinician = UserFactory()

    with pytest.raises(CaseFileError) as refused:
        case_import(case=CASE, mrn="MRN-1", name="Someone Else", by=clinician)

    assert refused.value.errors == [
        "mrn: this hospital number cannot be used for a new patient. If the patient is already known here, "
        "a coordinator can list them at your board's meeting"
    ]
    assert "Hidden Person" not in str(refused.value.errors)
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.outcome, audit.patient, audit.user) == (
        "patient.mrn_refused",
        "refused",
        existing,
        clinician,
    )
    assert audit.detail["mrn"] == "MRN-1"


def test_case_import_stops_a_clinician_probing_hospital_numbers(db, settings):
    settings.MRN_REFUSAL_LIMIT = 3
    clinician = UserFactory()
    for number in range(3):
        PatientFactory(mrn=f"TAKEN-{number}")
        with pytest.raises(CaseFileError):
            case_import(case=CASE, mrn=f"TAKEN-{number}", name="Probe", by=clinician)

    with pytest.raises(CaseFileError) as refused:
        case_import(case=CASE, mrn="FREE-1", name="Probe", by=clinician)

    assert refused.value.errors == [
        "mrn: too many hospital numbers that are already in use were tried in the last 24 hours; "
        "ask a coordinator to add the patient"
    ]
    assert not Patient.objects.filter(mrn="FREE-1").exists()
    assert AuditEvent.objects.filter(action="patient.mrn_refused", user=clinician).count() == 4
    # Someone who may see every patient is never held back, and another clinician is not affected.
    assert case_import(case=CASE, mrn="FREE-2", name="B", by=UserFactory()).mrn == "FREE-2"


@pytest.mark.parametrize(
    ("mrn", "name", "expected"),
    [
        ("  ", "Someone", ["mrn: is required"]),
        ("M" * 41, "Someone", ["mrn: is too long (at most 40 characters)"]),
        ("MRN-1", " ", ["name: is required"]),
    ],
)
def test_case_import_refuses_bad_identity(db, mrn, name, expected):
    with pytest.raises(CaseFileError) as refused:
        case_import(case=CASE, mrn=mrn, name=name, by=UserFactory())

    assert refused.value.errors == expected
    assert not Patient.objects.exists()


def test_case_export_round_trip_is_byte_identical(db):
    user = UserFactory()
    first = case_export_json(case_import(case=CASE, mrn="MRN-1", name="A", by=user))

    second = case_export_json(case_import(case=parse_case_file(first), mrn="MRN-2", name="B", by=user))

    assert second == first
    assert first.endswith("}\n")
    assert "MRN-1" not in first and '"A"' not in first


def test_case_export_writes_whole_sizes_as_ints(db):
    patient = case_import(case=CASE, mrn="MRN-1", name="A", by=UserFactory())

    exported = case_export(patient)

    assert [lesion["measurements"][0]["size_mm"] for lesion in exported["lesions"]] == [12.5, 24]
    assert isinstance(exported["lesions"][1]["measurements"][0]["size_mm"], int)
    assert exported["labs"]["cea"] == [{"date": "2024-04-28", "value_ng_ml": 14.2}]


def test_case_export_leaves_out_withdrawn_rows(db):
    user = UserFactory()
    patient = case_import(case=CASE, mrn="MRN-1", name="A", by=user)
    lesion = Lesion.objects.get(patient=patient, label="S4")

    record_withdraw(record=lesion, by=user, reason="Entered for the wrong patient")
    record_withdraw(record=LabResult.objects.get(patient=patient), by=user, reason="Haemolysed sample")
    exported = case_export(patient)

    assert [lesion["id"] for lesion in exported["lesions"]] == ["S7"]
    assert exported["events"][4]["lesion_ids"] == []
    assert exported["labs"]["cea"] == []


def test_case_export_of_record_entered_in_the_app(db):
    patient = PatientFactory()
    MeasurementFactory(lesion=LesionFactory(patient=patient, label="L1"))

    case = parse_case_file(case_export_json(patient))

    assert case["primary"] is None
    assert case["lesions"][0]["measurements"] == [{"date": "2021-03-01", "size_mm": 18}]


def test_case_export_of_withdrawn_primary_is_null(db):
    user = UserFactory()
    patient = case_import(case=CASE, mrn="MRN-1", name="A", by=user)

    record_withdraw(record=patient.primary, by=user, reason="Wrong primary site recorded")

    assert case_export(patient)["primary"] is None


def _loaded(patient: Patient) -> Patient:
    return Patient.objects.for_record().get(pk=patient.pk)


def test_case_export_of_a_loaded_record_equals_the_read_one_and_costs_no_query(db, django_assert_num_queries):
    user = UserFactory()
    patient = case_import(case=CASE, mrn="MRN-1", name="A", by=user)
    record_withdraw(record=Lesion.objects.get(patient=patient, label="S4"), by=user, reason="Wrong patient")
    loaded = _loaded(patient)

    with django_assert_num_queries(0):
        exported = case_export(loaded)

    assert exported == case_export(Patient.objects.get(pk=patient.pk))
    assert [lesion["id"] for lesion in exported["lesions"]] == ["S7"]
    assert exported["labs"]["cea"] == [{"date": "2024-04-28", "value_ng_ml": 14.2}]


def test_case_export_of_a_loaded_record_with_withdrawn_primary_is_null(db):
    user = UserFactory()
    patient = case_import(case=CASE, mrn="MRN-1", name="A", by=user)
    record_withdraw(record=patient.primary, by=user, reason="Wrong primary site recorded")

    assert case_export(_loaded(patient)) == case_export(Patient.objects.get(pk=patient.pk))
    assert case_export(_loaded(PatientFactory()))["primary"] is None


def case_with_lesions(count: int) -> dict:
    """A case with `count` liver lesions, each measured twice and treated by its own event."""
    case = copy.deepcopy(CASE)
    case["lesions"] = [
        {
            "id": f"L{n}",
            "organ": "liver",
            "detected_on": "2024-04-28",
            "measurements": [{"date": "2024-04-28", "size_mm": 10 + n}, {"date": "2024-07-01", "size_mm": 8 + n}],
        }
        for n in range(count)
    ]
    case["events"] = [
        {"type": "thermal_ablation", "start": "2024-08-01", "lesion_ids": [f"L{n}"], "subtype": "mwa"}
        for n in range(count)
    ]
    return case


@pytest.mark.parametrize("lesion_count", [2, 10])
def test_case_import_queries_do_not_grow_with_lesions(db, django_assert_num_queries, lesion_count):
    user = UserFactory()
    case = case_with_lesions(lesion_count)

    # mrn exists?, the user's refused hospital numbers of the last 24 hours, savepoint, patient + its
    # history row, primary + its history row, and one insert plus one history insert each for ecog,
    # frailty, comorbidities, lesions, measurements, events and labs; event-lesion links, audit event,
    # release savepoint
    with django_assert_num_queries(24):
        case_import(case=case, mrn="MRN-1", name="A", by=user)

    assert Measurement.objects.count() == 2 * lesion_count
    assert Event.lesions.through.objects.count() == lesion_count


@pytest.mark.parametrize("lesion_count", [2, 10])
def test_case_export_queries_do_not_grow_with_lesions(db, django_assert_num_queries, lesion_count):
    patient = case_import(case=case_with_lesions(lesion_count), mrn="MRN-1", name="A", by=UserFactory())

    # patient + primary, lesions, measurements, events, treated lesions, ki67, ecog, frailty,
    # comorbidities, labs
    with django_assert_num_queries(10):
        exported = case_export(patient)

    assert sum(len(lesion["measurements"]) for lesion in exported["lesions"]) == 2 * lesion_count
    assert all(len(event["lesion_ids"]) == 1 for event in exported["events"])

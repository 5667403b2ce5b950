import datetime as dt

from guidance import facts
from tests.factories import LesionFactory, MeasurementFactory
from tests.guidance.db_factories import CRC_CASE, crc_patient, heavy_patient


def test_case_dict_for_returns_the_current_record(db):
    patient = crc_patient()
    withdrawn = LesionFactory(patient=patient, label="W1", organ="liver", detected_on=dt.date(2026, 9, 1))
    withdrawn.withdrawn_at = dt.datetime(2026, 9, 2, tzinfo=dt.UTC)
    withdrawn.withdrawn_reason = "entered twice"
    withdrawn.save()

    case = facts.case_dict_for(patient)

    assert facts.disease_of(case) == "crc"
    assert [lesion["id"] for lesion in case["lesions"]] == ["S4", "S7"]
    assert case["labs"]["cea"] == CRC_CASE["labs"]["cea"]


def test_record_for_builds_the_engine_record(db):
    record = facts.record_for(facts.case_dict_for(crc_patient()))

    assert record.primary.disease == "crc"
    assert record.primary.resection.date == dt.date(2024, 12, 20)
    assert [lesion.id for lesion in record.lesions] == ["S4", "S7"]
    assert record.lesions[1].measurements[0].size_mm == 24
    assert [lab.value for lab in record.cea] == [14.2]


def test_input_hash_changes_with_record_as_of_and_board_inputs(db):
    patient = crc_patient()
    case = facts.case_dict_for(patient)
    base = facts.input_hash(case, as_of=dt.date(2026, 10, 1), board_inputs={})

    MeasurementFactory(lesion=patient.lesions.get(label="S7"), measured_on=dt.date(2026, 9, 30), size_mm=26)
    changed_record = facts.input_hash(facts.case_dict_for(patient), as_of=dt.date(2026, 10, 1), board_inputs={})

    assert base == facts.input_hash(
        facts.case_dict_for(crc_patient(mrn="OTHER1")), as_of=dt.date(2026, 10, 1), board_inputs={}
    )
    assert base != changed_record
    assert base != facts.input_hash(case, as_of=dt.date(2026, 9, 1), board_inputs={})
    assert base != facts.input_hash(case, as_of=dt.date(2026, 10, 1), board_inputs={"resectability": "unresectable"})


def test_case_dict_for_uses_a_fixed_number_of_queries(db, django_assert_num_queries):
    light = crc_patient()
    heavy = heavy_patient()
    # patient+primary, lesions, measurements, events, treated lesions, ki67, ecog, frailty, comorbidities, labs
    with django_assert_num_queries(10):
        facts.case_dict_for(light)
    with django_assert_num_queries(10):
        case = facts.case_dict_for(heavy)

    assert len(case["lesions"]) == 40
    assert sum(len(lesion["measurements"]) for lesion in case["lesions"]) == 320
    assert len(case["events"]) == 150

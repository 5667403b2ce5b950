import datetime as dt
from decimal import Decimal

import pytest

from boards.readiness import ReadinessProfile, readiness_problems
from patients.models import Disease, EventType, Patient
from tests.factories import (
    EcogAssessmentFactory,
    EventFactory,
    Ki67ResultFactory,
    LabResultFactory,
    LesionFactory,
    MeasurementFactory,
    PatientFactory,
    PrimaryTumourFactory,
)

MEETING_DAY = dt.date(2024, 5, 14)
PROFILE = ReadinessProfile(imaging_max_age_days=42, ecog_max_age_days=90, cea_max_age_days=90)


def record(patient):
    return Patient.objects.for_record().get(pk=patient.pk)


def ready_acc_patient():
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient, disease=Disease.ACC, t_stage="T3", n_status="N0")
    lesion = LesionFactory(patient=patient, detected_on=dt.date(2024, 1, 10))
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2024, 4, 20))
    EcogAssessmentFactory(patient=patient, assessed_on=dt.date(2024, 4, 1))
    Ki67ResultFactory(patient=patient)
    return patient


def codes(problems):
    return [problem.code for problem in problems]


@pytest.mark.django_db
def test_readiness_problems_none_for_complete_fresh_record():
    patient = ready_acc_patient()

    assert readiness_problems(record(patient), PROFILE, MEETING_DAY) == []


@pytest.mark.django_db
def test_readiness_problems_lists_everything_missing_for_empty_record():
    patient = PatientFactory()

    problems = readiness_problems(record(patient), PROFILE, MEETING_DAY)

    assert codes(problems) == ["primary", "imaging", "ecog"]
    assert all(problem.fix_url.startswith(patient.get_absolute_url() + "#") for problem in problems)


@pytest.mark.django_db
def test_readiness_problems_flags_imaging_older_than_limit():
    patient = ready_acc_patient()
    patient.lesions.get().measurements.all().update(measured_on=dt.date(2024, 4, 1))

    problems = readiness_problems(record(patient), PROFILE, MEETING_DAY)

    assert codes(problems) == ["imaging"]
    assert problems[0].message == "Latest imaging is from 01 Apr 2024, 43 days before the meeting (limit 42)."


@pytest.mark.django_db
def test_readiness_problems_accepts_imaging_exactly_at_limit():
    patient = ready_acc_patient()
    patient.lesions.get().measurements.all().update(measured_on=MEETING_DAY - dt.timedelta(days=42))

    assert readiness_problems(record(patient), PROFILE, MEETING_DAY) == []


@pytest.mark.django_db
def test_readiness_problems_counts_imaging_event_as_imaging():
    patient = ready_acc_patient()
    patient.lesions.get().measurements.all().update(measured_on=dt.date(2024, 1, 10))
    EventFactory(patient=patient, type=EventType.IMAGING, started_on=dt.date(2024, 5, 1), ended_on=None, line=None)

    assert readiness_problems(record(patient), PROFILE, MEETING_DAY) == []


@pytest.mark.django_db
def test_readiness_problems_flags_stale_ecog_and_ignores_withdrawn_rows():
    patient = ready_acc_patient()
    patient.ecog_assessments.update(assessed_on=dt.date(2023, 12, 1))
    EcogAssessmentFactory(
        patient=patient, assessed_on=dt.date(2024, 5, 1), withdrawn_at=dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    )

    problems = readiness_problems(record(patient), PROFILE, MEETING_DAY)

    assert codes(problems) == ["ecog"]
    assert "01 Dec 2023" in problems[0].message


@pytest.mark.django_db
def test_readiness_problems_requires_ki67_for_acc_only():
    acc = ready_acc_patient()
    acc.ki67_results.all().delete()
    crc = PatientFactory()
    PrimaryTumourFactory(patient=crc, disease=Disease.CRC, site="sigmoid_colon")
    LabResultFactory(patient=crc, taken_on=dt.date(2024, 4, 28), value=Decimal("3.1"))

    assert codes(readiness_problems(record(acc), PROFILE, MEETING_DAY)) == ["ki67"]
    assert "ki67" not in codes(readiness_problems(record(crc), PROFILE, MEETING_DAY))


@pytest.mark.django_db
def test_readiness_problems_requires_fresh_cea_for_crc():
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient, disease=Disease.CRC, site="sigmoid_colon")
    LabResultFactory(patient=patient, taken_on=dt.date(2023, 11, 1))

    problems = readiness_problems(record(patient), PROFILE, MEETING_DAY)

    assert "cea" in codes(problems)
    assert next(p for p in problems if p.code == "cea").fix_url.endswith("#labs")


@pytest.mark.django_db
def test_readiness_problems_flags_missing_margin_after_resection():
    patient = ready_acc_patient()
    patient.primary.resected_on = dt.date(2016, 6, 1)
    patient.primary.n_status = ""
    patient.primary.save()

    problems = readiness_problems(record(patient), PROFILE, MEETING_DAY)

    assert codes(problems) == ["primary"]
    assert problems[0].message == "Primary pathology incomplete: no N status, resection margin."


@pytest.mark.django_db
def test_readiness_problems_skips_items_the_profile_does_not_require():
    patient = PatientFactory()
    profile = ReadinessProfile(
        imaging_max_age_days=None,
        ecog_max_age_days=None,
        cea_max_age_days=None,
        requires_ki67=False,
        requires_primary_pathology=False,
    )

    assert readiness_problems(record(patient), profile, MEETING_DAY) == []

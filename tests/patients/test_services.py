"""Record writes: optimistic locking, withdrawal instead of deletion, an audit row per write."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from patients.models import Lesion, Measurement
from patients.services import AlreadyWithdrawn, EditConflict, record_save, record_withdraw
from tests.factories import LesionFactory, MeasurementFactory, UserFactory


@pytest.fixture
def lesion(db):
    return LesionFactory(label="S7", detected_on=dt.date(2024, 4, 28))


def test_record_save_creates_with_version_one_and_audits(lesion, user):
    measurement = Measurement(lesion=lesion, measured_on=dt.date(2024, 5, 1), size_mm=Decimal("20"))

    record_save(record=measurement, by=user)

    assert measurement.version == 1 and measurement.created_by == user
    event = AuditEvent.objects.get(action="measurement.created")
    assert event.patient == lesion.patient and event.target_public_id == str(measurement.public_id)


def test_record_save_refuses_an_outdated_version(lesion, user):
    first = Lesion.objects.get(pk=lesion.pk)
    second = Lesion.objects.get(pk=lesion.pk)
    first.note = "mine"
    record_save(record=first, by=user, expected_version=1)
    second.note = "theirs"

    with pytest.raises(EditConflict) as conflict:
        record_save(record=second, by=UserFactory(), expected_version=1)

    lesion.refresh_from_db()
    assert lesion.note == "mine" and lesion.version == 2
    assert conflict.value.current.note == "mine"


def test_record_save_validates_before_writing(lesion, user):
    measurement = Measurement(lesion=lesion, measured_on=dt.date(2024, 1, 1), size_mm=Decimal("20"))

    with pytest.raises(ValidationError):
        record_save(record=measurement, by=user)

    assert not Measurement.objects.exists() and not AuditEvent.objects.exists()


def test_record_withdraw_keeps_the_row_and_takes_the_lesions_measurements(lesion, user):
    MeasurementFactory(lesion=lesion)

    record_withdraw(record=lesion, by=user, reason="duplicate")

    lesion.refresh_from_db()
    assert lesion.is_withdrawn and lesion.withdrawn_reason == "duplicate"
    assert Measurement.objects.filter(lesion=lesion, withdrawn_at__isnull=False).count() == 1
    assert not Lesion.objects.current().filter(pk=lesion.pk).exists()
    with pytest.raises(AlreadyWithdrawn):
        record_withdraw(record=lesion, by=user, reason="again")


def test_record_withdraw_requires_a_reason(lesion, user):
    with pytest.raises(ValueError):
        record_withdraw(record=lesion, by=user, reason="   ")

    lesion.refresh_from_db()
    assert not lesion.is_withdrawn


def _record_version(patient) -> int:
    patient.refresh_from_db(fields=["record_version"])
    return patient.record_version


def test_every_record_write_raises_the_patients_record_version(lesion, user):
    patient = lesion.patient
    versions = [_record_version(patient)]

    measurement = record_save(
        record=Measurement(lesion=lesion, measured_on=dt.date(2024, 5, 1), size_mm=Decimal("20")), by=user
    )
    versions.append(_record_version(patient))
    lesion.note = "segment 7"
    record_save(record=lesion, by=user)
    versions.append(_record_version(patient))
    record_withdraw(record=measurement, by=user, reason="wrong lesion")
    versions.append(_record_version(patient))
    patient.name = "Renamed Patient"
    saved = record_save(record=patient, by=user)
    versions.append(_record_version(patient))

    assert versions == sorted(set(versions)) and len(versions) == 5
    assert saved.record_version == versions[-1]


def test_a_refused_write_leaves_the_record_version(lesion, user):
    before = _record_version(lesion.patient)

    with pytest.raises(ValidationError):
        record_save(record=Measurement(lesion=lesion, measured_on=dt.date(2024, 1, 1), size_mm=Decimal("20")), by=user)

    assert _record_version(lesion.patient) == before


def test_a_patient_saved_from_a_stale_copy_keeps_the_raised_record_version(lesion, user):
    stale = type(lesion.patient).objects.get(pk=lesion.patient_id)
    lesion.note = "raised by this save"
    record_save(record=lesion, by=user)
    raised = _record_version(lesion.patient)

    stale.name = "Stale Copy"
    record_save(record=stale, by=user)

    assert _record_version(lesion.patient) == raised + 1

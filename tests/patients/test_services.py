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

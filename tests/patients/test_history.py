import datetime as dt
from decimal import Decimal

import pytest

from patients.services import record_save, record_withdraw
from tests.factories import LesionFactory, MeasurementFactory, UserFactory


@pytest.fixture
def radiologist(db):
    return UserFactory(username="radiologist")


def test_record_save_keeps_before_and_after_values_with_the_editor(radiologist):
    measurement = MeasurementFactory(size_mm=Decimal("18"))
    measurement.size_mm = Decimal("21")

    record_save(record=measurement, by=radiologist, expected_version=measurement.version)

    newest, previous = measurement.history.all()[:2]
    assert (previous.size_mm, newest.size_mm) == (Decimal("18"), Decimal("21"))
    assert newest.history_user == radiologist
    assert newest.diff_against(previous).changed_fields == ["size_mm", "updated_by"]


def test_withdrawing_a_lesion_records_history_for_it_and_its_measurements(radiologist):
    lesion = LesionFactory(detected_on=dt.date(2022, 1, 4))
    measurement = MeasurementFactory(lesion=lesion)

    record_withdraw(record=lesion, by=radiologist, reason="Duplicate entry")

    assert lesion.history.first().withdrawn_reason == "Duplicate entry"
    assert measurement.history.first().withdrawn_reason == "Lesion withdrawn: Duplicate entry"
    assert measurement.history.first().history_user == radiologist

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.casefile import case_export_json, case_import, parse_case_file
from patients.services import record_save, record_withdraw
from tests.factories import EventFactory, LesionFactory, MeasurementFactory, UserFactory


def test_event_end_in_the_future_is_refused_like_in_case_files(db):
    event = EventFactory.build(
        patient=LesionFactory().patient, started_on=dt.date(2024, 1, 1), ended_on=dt.date(2999, 1, 1)
    )

    with pytest.raises(ValidationError) as refused:
        record_save(record=event, by=UserFactory())

    assert refused.value.message_dict["ended_on"] == ["This date is in the future."]


@pytest.fixture
def measured_lesion(db):
    """A lesion detected 2021-03-01 and measured 2021-03-01 and 2021-09-01."""
    lesion = LesionFactory(detected_on=dt.date(2021, 3, 1), label="L1")
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 3, 1))
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 9, 1))
    return lesion


def test_lesion_detection_cannot_move_after_its_first_measurement(measured_lesion):
    measured_lesion.detected_on = dt.date(2021, 6, 1)

    with pytest.raises(ValidationError) as refused:
        record_save(record=measured_lesion, by=UserFactory(), expected_version=1)

    assert refused.value.message_dict["detected_on"] == [
        "This lesion has a measurement on 2021-03-01; the detection cannot be after its first measurement."
    ]
    measured_lesion.refresh_from_db()
    assert measured_lesion.detected_on == dt.date(2021, 3, 1) and measured_lesion.version == 1


def test_lesion_removal_cannot_move_before_its_last_measurement(measured_lesion):
    measured_lesion.removed_on, measured_lesion.removal = dt.date(2021, 6, 1), "resection"

    with pytest.raises(ValidationError) as refused:
        record_save(record=measured_lesion, by=UserFactory(), expected_version=1)

    assert refused.value.message_dict["removed_on"] == [
        "This lesion has a measurement on 2021-09-01; the removal cannot be before its last measurement."
    ]


def test_withdrawn_measurements_do_not_hold_the_lesion_dates(measured_lesion):
    user = UserFactory()
    record_withdraw(
        record=measured_lesion.measurements.get(measured_on=dt.date(2021, 3, 1)), by=user, reason="Wrong scan"
    )
    measured_lesion.detected_on = dt.date(2021, 6, 1)

    record_save(record=measured_lesion, by=user, expected_version=1)

    measured_lesion.refresh_from_db()
    assert measured_lesion.detected_on == dt.date(2021, 6, 1)


def test_measurement_after_the_lesion_was_removed_is_refused(measured_lesion):
    measured_lesion.removed_on, measured_lesion.removal = dt.date(2021, 9, 1), "resection"
    record_save(record=measured_lesion, by=UserFactory(), expected_version=1)
    late = MeasurementFactory.build(lesion=measured_lesion, measured_on=dt.date(2021, 10, 1), created_by=UserFactory())

    with pytest.raises(ValidationError) as refused:
        record_save(record=late, by=UserFactory())

    assert refused.value.message_dict["measured_on"] == [
        "The lesion was removed on 2021-09-01; a measurement cannot be after its removal."
    ]


def test_lesion_form_shows_the_detection_refusal_at_the_field(client_logged_in, measured_lesion):
    patient = measured_lesion.patient
    url = reverse("patients:record-edit", args=[patient.public_id, "lesion", measured_lesion.public_id])
    data = {"label": "L1", "organ": "lung", "detected_on": "2021-06-01", "version": "1"}

    response = client_logged_in.post(url, data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.context["form"].errors["detected_on"] == [
        "This lesion has a measurement on 2021-03-01; the detection cannot be after its first measurement."
    ]
    assert 'id="id_detected_on_error"' in response.content.decode()
    measured_lesion.refresh_from_db()
    assert measured_lesion.detected_on == dt.date(2021, 3, 1)


def test_refused_lesion_dates_keep_export_import_export_identical(measured_lesion):
    user = UserFactory()
    before = case_export_json(measured_lesion.patient)
    measured_lesion.detected_on = dt.date(2021, 6, 1)
    with pytest.raises(ValidationError):
        record_save(record=measured_lesion, by=user, expected_version=1)

    exported = case_export_json(measured_lesion.patient)
    imported = case_import(case=parse_case_file(exported), mrn="ROUND-TRIP", name="Round Trip", by=user)

    assert exported == before
    assert case_export_json(imported) == exported

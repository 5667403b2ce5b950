"""Inputs the fuzzing found that used to be server errors, kept as plain regression tests."""

import pytest
from django.urls import reverse

from guidance.forms import DryRunForm
from guidance.models import GuidelineRelease
from tests.boards.factories import AttendanceFactory
from tests.security.fuzz import row_counts

pytestmark = pytest.mark.django_db

TOO_LARGE = "99999999999999999999999999999"  # SQLite raised OverflowError for keys beyond 64 bits


@pytest.mark.parametrize("key", [TOO_LARGE, "-" + TOO_LARGE])
def test_event_with_a_treated_lesion_key_too_large_is_a_form_error(client, world, key):
    client.force_login(world.member)
    url = reverse("patients:record-edit", args=[world.patient.public_id, "event", world.event.public_id])
    before = row_counts()

    response = client.post(
        url,
        {
            "type": "chemotherapy",
            "started_on": "2021-04-01",
            "ended_on": "2021-09-01",
            "regimen": "EDP-M",
            "line": "1",
            "lesions": [key],
            "version": str(world.event.version),
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert row_counts() == before


def test_measurement_of_a_lesion_key_too_large_is_a_form_error(client, world):
    client.force_login(world.member)
    url = reverse("patients:record-create", args=[world.patient.public_id, "measurement"])
    before = row_counts()

    response = client.post(url, {"lesion": TOO_LARGE, "measured_on": "2024-01-01", "size_mm": "12", "modality": "ct"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert row_counts() == before


@pytest.fixture
def coordinator(world):
    return world.coordinator


def test_attendance_of_a_user_key_too_large_is_a_form_error(client, world, coordinator):
    client.force_login(coordinator)
    before = row_counts()

    response = client.post(world.meeting.get_absolute_url(), {"action": "arrive", "user": TOO_LARGE})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert row_counts() == before


def test_agenda_presenter_key_too_large_is_a_form_error(client, world, coordinator):
    client.force_login(coordinator)
    before = row_counts()

    response = client.post(
        world.meeting.get_absolute_url(),
        {
            "action": "update",
            "agenda_item": str(world.agenda_item.public_id),
            "question": "Q",
            "presenter": TOO_LARGE,
        },
    )

    assert response.status_code == 200
    assert row_counts() == before


@pytest.mark.parametrize("attendance", [TOO_LARGE, "²", "٣x", "", "-1"])
def test_leaving_an_attendance_that_is_no_key_is_404(client, world, coordinator, attendance):
    AttendanceFactory(meeting=world.meeting, user=world.member, recorded_by=coordinator)
    client.force_login(coordinator)
    before = row_counts()

    response = client.post(world.meeting.get_absolute_url(), {"action": "leave", "attendance": attendance})

    assert response.status_code == 404
    assert row_counts() == before


def test_guideline_dry_run_refuses_a_patient_key_too_large(world):
    release = GuidelineRelease.objects.first()

    form = DryRunForm({"patients": [TOO_LARGE], "as_of": "2024-05-01"}, release=release)

    assert not form.is_valid()
    assert "patients" in form.errors

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from boards.models import AgendaItem, MeetingStatus
from demo.management.commands.generate_load_data import generate
from patients.casefile import case_export, parse_case_file
from patients.models import Disease, Event, Patient


@pytest.mark.django_db
def test_generate_load_data_records_are_valid_case_files():
    result = generate(patients=6, lesions=4, measurements=3, events=25, meetings=2, cases_per_meeting=3, seed=5)
    assert {patient.primary.disease for patient in Patient.objects.select_related("primary")} == {
        Disease.ACC,
        Disease.CRC,
    }
    for patient in result.patients:
        case = case_export(patient)
        assert parse_case_file(case) == case
        assert len(case["lesions"]) == 4
        assert len(case["events"]) == 25
        assert all(len(lesion["measurements"]) == 3 for lesion in case["lesions"])
    assert Event.objects.filter(lesions__isnull=False).exists()


@pytest.mark.django_db
def test_generate_load_data_meetings_latest_in_progress_with_agenda():
    result = generate(patients=5, lesions=1, measurements=1, events=3, meetings=3, cases_per_meeting=4, seed=2)
    assert [meeting.status for meeting in result.meetings] == [
        MeetingStatus.PLANNED,
        MeetingStatus.PLANNED,
        MeetingStatus.IN_PROGRESS,
    ]
    assert AgendaItem.objects.filter(meeting=result.meetings[-1]).count() == 4
    assert list(AgendaItem.objects.filter(meeting=result.meetings[0]).values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
    ]


@pytest.mark.django_db
def test_generate_load_data_users_hold_the_groups_of_their_board_roles():
    result = generate(patients=2, lesions=1, measurements=1, events=3, meetings=1, cases_per_meeting=2, seed=3)
    users = result.users
    assert set(users["coordinator"].groups.values_list("name", flat=True)) == {"Coordinators"}
    assert set(users["chair"].groups.values_list("name", flat=True)) == {"Chairs"}
    assert users["coordinator"].has_perm("patients.view_any_patient")
    assert not users["chair"].has_perm("patients.view_any_patient")


def _snapshot():
    return sorted(
        Patient.objects.values_list("name", "birth_date", "primary__disease", "primary__diagnosed_on")
    ), sorted(Event.objects.values_list("type", "started_on", "ended_on", "line"))


@pytest.mark.django_db
def test_generate_load_data_same_seed_same_records():
    snapshots = []
    for seed in (3, 3, 4):
        with transaction.atomic():
            generate(patients=4, lesions=2, measurements=2, events=12, seed=seed, today=dt.date(2026, 1, 15))
            snapshots.append(_snapshot())
            transaction.set_rollback(True)
    assert snapshots[0] == snapshots[1]
    assert snapshots[0] != snapshots[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--patients", "0"], "--patients must be between 1 and 200000, not 0"),
        (["--patients", "3", "--events", "2"], "--events must be between 3 and 1000, not 2"),
        (["--patients", "3", "--lesions", "-1"], "--lesions must be between 0 and 200, not -1"),
        (["--patients", "3", "--meetings", "1", "--cases-per-meeting", "5"], "cannot exceed --patients"),
        (["--patients", "3", "--seed", "-2"], "--seed must be 0 or more"),
    ],
)
def test_generate_load_data_refuses_bad_arguments(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_load_data", *arguments)
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_generate_load_data_refuses_a_seed_already_used(capsys):
    call_command("generate_load_data", "--patients", "2", "--seed", "8")
    assert "Created 2 patients" in capsys.readouterr().out
    with pytest.raises(CommandError, match="seed 8 already exists"):
        call_command("generate_load_data", "--patients", "2", "--seed", "8")
    assert Patient.objects.count() == 2

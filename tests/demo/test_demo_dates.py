"""The demo meeting is realistic: the seed course keeps its dates, the other cases are dated for the meeting."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from boards.models import AgendaItem
from boards.readiness import readiness_problems
from demo.dates import dated_for_meeting, latest_date, shift_case
from patients.models import Patient

TODAY = dt.date(2026, 11, 2)  # fixed, in the past: the demo is built as on that day
CASE = {
    "patient": {"birth_date": "1960-01-15", "ecog": [{"date": "2024-03-01", "value": 1}]},
    "primary": {"diagnosis_date": "2020-06-01", "notes": "T3 N0, 2020-06-01 resected"},
    "events": [{"type": "imaging", "start": "2024-04-10", "end": None}],
}


def loaddemo(today=TODAY) -> str:
    stdout = io.StringIO()
    call_command("loaddemo", "--today", today.isoformat(), stdout=stdout)
    return stdout.getvalue()


def test_shift_case_moves_every_date_and_leaves_text_alone():
    moved = shift_case(CASE, 7)

    assert moved["patient"]["birth_date"] == "1960-01-22"
    assert moved["events"][0]["start"] == "2024-04-17" and moved["events"][0]["end"] is None
    assert moved["primary"]["notes"] == "T3 N0, 2020-06-01 resected"
    assert CASE["events"][0]["start"] == "2024-04-10"  # the original is untouched


def test_dated_for_meeting_moves_in_whole_weeks_never_later_than_asked():
    meeting_day = dt.date(2026, 11, 5)

    moved = dated_for_meeting(CASE, meeting_day=meeting_day, days_before=10)

    latest = latest_date(moved)
    assert 10 <= (meeting_day - latest).days < 17
    assert (latest - latest_date(CASE)).days % 7 == 0


def test_loaddemo_dates_the_meeting_cases_so_some_are_ready_and_others_have_gaps(db):
    loaddemo()

    problems = {}
    for agenda_item in AgendaItem.objects.select_related("meeting__board"):
        patient = Patient.objects.for_record().get(pk=agenda_item.patient_id)
        day = agenda_item.meeting.starts_at.date()
        problems[patient.mrn] = {
            p.code for p in readiness_problems(patient, agenda_item.meeting.board.readiness_profile, day)
        }
    assert problems == {
        "ACC-0001": {"imaging", "ecog"},  # the seed course ends in September 2025
        "ACC-0005": set(),
        "CRC-0002": set(),
        "CRC-0003": {"ecog", "cea"},
        "CRC-0004": set(),
        "CRC-0006": {"imaging"},
    }


def test_loaddemo_keeps_the_seed_course_on_its_own_dates(db):
    loaddemo()

    seed = Patient.objects.for_record().get(mrn="ACC-0001")
    assert seed.primary.diagnosed_on == dt.date(2016, 6, 14)
    assert max(e.started_on for e in seed.current_events) == dt.date(2025, 9, 15)


def test_loaddemo_a_later_run_changes_nothing(db):
    loaddemo()
    before = {p.mrn: latest for p, latest in ((p, p.updated_at) for p in Patient.objects.all())}

    output = loaddemo(TODAY + dt.timedelta(days=20))

    assert "Demo data is already loaded; nothing changed." in output
    assert {p.mrn: p.updated_at for p in Patient.objects.all()} == before


def test_loaddemo_refuses_a_future_day(db):
    with pytest.raises(CommandError, match="future"):
        call_command("loaddemo", "--today", "2999-01-01", stdout=io.StringIO())

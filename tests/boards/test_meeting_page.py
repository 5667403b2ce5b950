"""The meeting page: patient search by POST, agenda edits with conflicts, attendance corrections, closing, printing."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from boards.models import AgendaItem, AgendaItemStatus, MeetingStatus, Role, Specialty
from tests.boards.factories import AgendaItemFactory, AttendanceFactory, BoardMembershipFactory, DecisionFactory
from tests.factories import PatientFactory, UserFactory

HX = {"HX-Request": "true"}


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


# Patient search: never in a URL


def test_meeting_detail_patient_search_is_posted_and_puts_no_patient_data_in_urls(as_user, meeting, coordinator):
    PatientFactory(name="Erika Muster", mrn="HOSP-4711")
    client = as_user(coordinator)

    page = client.get(meeting.get_absolute_url()).content.decode()
    by_get = client.get(meeting.get_absolute_url(), {"q": "Muster"}).content.decode()
    by_post = client.post(meeting.get_absolute_url(), {"action": "search", "q": "Muster"})

    search_form = re.search(r'<form[^>]*role="search"[^>]*>', page).group(0)
    assert 'method="post"' in search_form and "hx-post=" in search_form
    assert 'name="csrfmiddlewaretoken"' in page.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert "Erika Muster" not in by_get  # a query string is ignored
    content = by_post.content.decode()
    assert by_post.status_code == 200 and "Erika Muster (HOSP-4711)" in content
    urls = re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', content)
    assert urls and not [u for u in urls if "Muster" in u or "HOSP-4711" in u or "q=" in u]


def test_meeting_detail_search_fragment_keeps_query_for_the_add_form(as_user, meeting, coordinator):
    patient = PatientFactory(name="Erika Muster")
    client = as_user(coordinator)

    response = client.post(meeting.get_absolute_url(), {"action": "add", "q": "Muster", "question": ""}, headers=HX)

    content = response.content.decode()
    assert f'value="{patient.public_id}"' in content  # the results are still there to choose from
    assert "Find and choose a patient." in content


# Agenda edits: the second coordinator sees the first one's version


@pytest.fixture
def second_coordinator(board):
    user = UserFactory(username="coordinator2", first_name="Dana", last_name="Deputy")
    BoardMembershipFactory(board=board, user=user, role=Role.COORDINATOR, specialty=Specialty.NURSING)
    return user


def test_agenda_item_update_by_two_coordinators_shows_conflict_instead_of_overwriting(
    meeting, coordinator, second_coordinator, chair
):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1, question="Original question?")
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(second_coordinator)
    for client in (first, second):
        assert 'name="version" value="1"' in client.get(meeting.get_absolute_url()).content.decode()
    post = {"action": "update", "agenda_item": str(agenda_item.public_id), "version": "1"}

    first.post(meeting.get_absolute_url(), {**post, "question": "Cora's question?", "presenter": chair.pk}, headers=HX)
    response = second.post(
        meeting.get_absolute_url(), {**post, "question": "Dana's question?", "presenter": ""}, headers=HX
    )

    content = response.content.decode()
    assert "Someone else saved this case while you were editing." in content
    assert "Cora Coordinator saved version 2" in content
    assert "<dd>Cora&#x27;s question?</dd>" in content and "<dd>Chris Chair</dd>" in content  # theirs
    assert ">Dana&#x27;s question?</textarea>" in content  # mine, kept
    assert 'name="version" value="2"' in content
    agenda_item.refresh_from_db()
    assert (agenda_item.question, agenda_item.presenter, agenda_item.version) == ("Cora's question?", chair, 2)

    again = second.post(
        meeting.get_absolute_url(),
        {**post, "version": "2", "question": "Dana's question?", "presenter": ""},
        headers=HX,
    )

    assert "Someone else saved" not in again.content.decode()
    agenda_item.refresh_from_db()
    assert (agenda_item.question, agenda_item.updated_by, agenda_item.version) == (
        "Dana's question?",
        second_coordinator,
        3,
    )


# Attendance corrections


def test_meeting_detail_attendance_corrected_with_times_and_quorum_event(
    as_user, running_meeting, coordinator, surgeon
):
    entry = AttendanceFactory(meeting=running_meeting, user=surgeon, specialty="surgery", recorded_by=coordinator)
    client = as_user(coordinator)

    response = client.post(
        running_meeting.get_absolute_url(),
        {"action": "correct-attendance", "attendance": entry.pk, "arrived_at": "18:20", "left_at": "19:05"},
        headers=HX,
    )

    content = response.content.decode()
    assert 'id="attendance"' in content and "<html" not in content
    assert "quorum-changed" in response["HX-Trigger"]
    entry.refresh_from_db()
    local = entry.arrived_at.astimezone(dt.timezone(dt.timedelta(hours=2)))  # Europe/Zurich in May
    assert (local.hour, local.minute) == (18, 20) and entry.left_at - entry.arrived_at == dt.timedelta(minutes=45)
    assert "arrived 18:20, left 19:05" in content


def test_meeting_detail_attendance_correction_errors_at_the_field(as_user, running_meeting, coordinator, surgeon):
    entry = AttendanceFactory(meeting=running_meeting, user=surgeon, specialty="surgery", recorded_by=coordinator)
    client = as_user(coordinator)

    backwards = client.post(
        running_meeting.get_absolute_url(),
        {"action": "correct-attendance", "attendance": entry.pk, "arrived_at": "18:20", "left_at": "18:00"},
        headers=HX,
    ).content.decode()
    no_reason = client.post(
        running_meeting.get_absolute_url(),
        {"action": "withdraw-attendance", "attendance": entry.pk, "reason": ""},
        headers=HX,
    ).content.decode()

    assert f'id="left-error-{entry.pk}"' in backwards and "Leaving cannot be before arriving." in backwards
    assert f'id="withdraw-error-{entry.pk}"' in no_reason and "Give a reason." in no_reason
    entry.refresh_from_db()
    assert entry.left_at is None and not entry.is_withdrawn


def test_meeting_detail_withdrawn_attendance_is_shown_struck_through(as_user, running_meeting, coordinator, surgeon):
    entry = AttendanceFactory(meeting=running_meeting, user=surgeon, specialty="surgery", recorded_by=coordinator)
    client = as_user(coordinator)

    content = client.post(
        running_meeting.get_absolute_url(),
        {"action": "withdraw-attendance", "attendance": entry.pk, "reason": "Wrong person"},
        headers=HX,
    ).content.decode()

    assert '<li class="withdrawn"' in content and "Wrong person" in content
    assert "No quorum: missing Medical oncology, Surgery, Radiology." in content


def test_meeting_detail_attendance_correction_refused_once_closed(as_user, running_meeting, coordinator, surgeon):
    entry = AttendanceFactory(meeting=running_meeting, user=surgeon, specialty="surgery", recorded_by=coordinator)
    running_meeting.status = MeetingStatus.CLOSED
    running_meeting.save()

    response = as_user(coordinator).post(
        running_meeting.get_absolute_url(),
        {"action": "withdraw-attendance", "attendance": entry.pk, "reason": "x"},
        headers=HX,
    )

    assert "This meeting is closed" in response.content.decode()
    entry.refresh_from_db()
    assert not entry.is_withdrawn


# Closing


def test_meeting_close_with_undecided_cases_names_them_and_offers_deferral(as_user, running_meeting, coordinator):
    AgendaItemFactory(meeting=running_meeting, position=1, patient=PatientFactory(name="Anna Listed"))
    client = as_user(coordinator)

    refused = client.post(running_meeting.get_absolute_url(), {"action": "close"})
    closed = client.post(
        running_meeting.get_absolute_url(), {"action": "close-deferring", "defer_reason": "Not reached"}
    )

    content = refused.content.decode()
    assert refused.status_code == 200 and "The meeting is not closed:" in content
    assert "Anna Listed</a>: no decision" in content
    assert 'value="Not reached at the meeting"' in content
    assert "Defer 1 remaining case and close the meeting" in content
    assert closed.status_code == 302
    running_meeting.refresh_from_db()
    assert running_meeting.status == MeetingStatus.CLOSED
    assert AgendaItem.objects.get().status == AgendaItemStatus.DEFERRED
    dashboard = client.get(reverse("boards:board-dashboard", args=[running_meeting.board.public_id])).content.decode()
    assert "1 (100%)" in dashboard  # the deferral now counts


def test_meeting_close_deferring_needs_a_reason(as_user, running_meeting, coordinator):
    AgendaItemFactory(meeting=running_meeting, position=1)

    response = as_user(coordinator).post(
        running_meeting.get_absolute_url(), {"action": "close-deferring", "defer_reason": "  "}
    )

    assert "Give a reason for deferring the remaining cases." in response.content.decode()
    running_meeting.refresh_from_db()
    assert running_meeting.status == MeetingStatus.IN_PROGRESS


def test_meeting_close_with_every_case_signed_closes(as_user, running_meeting, coordinator, chair):
    DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=running_meeting, position=1),
        signed_at=running_meeting.starts_at,
        signed_by=chair,
    )

    response = as_user(coordinator).post(running_meeting.get_absolute_url(), {"action": "close"})

    assert response.status_code == 302
    running_meeting.refresh_from_db()
    assert running_meeting.status == MeetingStatus.CLOSED


# Printing


def test_meeting_detail_offers_the_print_controls(as_user, meeting, surgeon):
    content = as_user(surgeon).get(meeting.get_absolute_url()).content.decode()

    print_url = reverse("reports:meeting-print", args=[meeting.public_id])
    assert f'action="{print_url}"' in content
    assert "Print the meeting pack" in content and "Print the outcomes" in content


# Follow-up after the meeting


def test_meeting_outcomes_htmx_follow_up_message_stays_in_the_fragment(as_user, running_meeting, chair, surgeon):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=running_meeting, position=1),
        signed_at=running_meeting.starts_at,
        signed_by=chair,
    )
    running_meeting.status = MeetingStatus.CLOSED
    running_meeting.save()
    client = as_user(surgeon)
    outcomes = reverse("boards:meeting-outcomes", args=[running_meeting.public_id])

    response = client.post(
        outcomes,
        {"decision": str(decision.public_id), "status": "implemented", "recorded_on": "2024-06-01"},
        headers=HX,
    )
    later = client.get(running_meeting.board.get_absolute_url()).content.decode()

    assert "Follow-up recorded." in response.content.decode() and "<html" not in response.content.decode()
    assert "Follow-up recorded." not in later
    assert AuditEvent.objects.filter(action="followup.recorded").count() == 1


def test_meeting_outcomes_follow_up_form_only_after_the_meeting(as_user, running_meeting, chair, surgeon):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=running_meeting, position=1),
        signed_at=running_meeting.starts_at,
        signed_by=chair,
    )
    client = as_user(surgeon)
    outcomes = reverse("boards:meeting-outcomes", args=[running_meeting.public_id])

    page = client.get(outcomes).content.decode()
    refused = client.post(
        outcomes,
        {"decision": str(decision.public_id), "status": "implemented", "recorded_on": "2024-06-01"},
        headers=HX,
    )

    assert "Record follow-up" not in page and "once it is closed" in page
    assert "Follow-up is recorded after the meeting, once it is closed." in refused.content.decode()
    assert not decision.followups.exists()

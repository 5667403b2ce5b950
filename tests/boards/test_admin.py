"""The boards admin: add and change of every model either go through the services or are refused, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from boards.models import AgendaItem, Attendance, Board, Decision, FollowUp, Meeting, MeetingStatus, Role, Specialty
from tests.boards.factories import AgendaItemFactory, AttendanceFactory, BoardMembershipFactory, DecisionFactory
from tests.factories import PatientFactory, UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_coordinator(board):
    """A staff member who coordinates the board: the policies let them plan and list."""
    user = UserFactory(username="staffcoord", first_name="Stella", is_staff=True, is_superuser=True)
    BoardMembershipFactory(board=board, user=user, role=Role.COORDINATOR, specialty=Specialty.NURSING)
    return user


def admin_url(model, view, *args):
    return reverse(f"admin:boards_{model}_{view}", args=args)


def test_board_admin_sets_quorum_rule_with_checkboxes_and_audits(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        admin_url("board", "add"),
        {
            "name": "Sarcoma",
            "disease_focus": "mixed",
            "description": "",
            "required_specialties": ["surgery", "pathology"],
            "imaging_max_age_days": "42",
            "ecog_max_age_days": "90",
            "cea_max_age_days": "",
            "requires_ki67": "on",
            "requires_primary_pathology": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    board = Board.objects.get(name="Sarcoma")
    assert board.required_specialties == ["surgery", "pathology"]
    assert board.cea_max_age_days is None
    assert AuditEvent.objects.filter(action="board.created", target_public_id=str(board.public_id)).exists()


@pytest.mark.parametrize("model", ["board", "meeting", "agendaitem", "attendance"])
def test_admin_add_pages_open(client, admin_user, model):
    client.force_login(admin_user)

    assert client.get(admin_url(model, "add")).status_code == 200


def test_meeting_admin_add_goes_through_the_service(client, board, staff_coordinator):
    client.force_login(staff_coordinator)

    response = client.post(
        admin_url("meeting", "add"),
        {"board": board.pk, "starts_at_0": "2024-06-04", "starts_at_1": "16:00", "place": "Room 1", "video_link": ""},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get()
    assert (meeting.created_by, meeting.status, meeting.place) == (staff_coordinator, MeetingStatus.PLANNED, "Room 1")
    assert AuditEvent.objects.filter(action="meeting.created", target_public_id=str(meeting.public_id)).exists()


def test_meeting_admin_add_by_non_coordinator_shows_the_policy_not_a_500(client, board, admin_user):
    client.force_login(admin_user)

    response = client.post(
        admin_url("meeting", "add"),
        {"board": board.pk, "starts_at_0": "2024-06-04", "starts_at_1": "16:00", "place": "", "video_link": ""},
    )

    assert response.status_code == 200
    assert "Only members of this board can do this." in response.content.decode()
    assert not Meeting.objects.exists()


def test_meeting_admin_change_of_a_closed_meeting_is_refused(client, meeting, staff_coordinator):
    meeting.status = MeetingStatus.CLOSED
    meeting.save()
    client.force_login(staff_coordinator)

    response = client.post(
        admin_url("meeting", "change", meeting.pk),
        {"starts_at_0": "2024-06-04", "starts_at_1": "16:00", "place": "Elsewhere", "video_link": ""},
    )

    assert response.status_code == 200
    assert "This meeting is closed" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.place == "Room 4.12"


def test_meeting_admin_change_updates_place_with_audit(client, meeting, staff_coordinator):
    client.force_login(staff_coordinator)

    response = client.post(
        admin_url("meeting", "change", meeting.pk),
        {"starts_at_0": "2024-05-14", "starts_at_1": "18:00", "place": "Room 2", "video_link": ""},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    meeting.refresh_from_db()
    assert meeting.place == "Room 2"
    assert AuditEvent.objects.filter(action="meeting.updated").exists()


def test_agenda_item_admin_add_lists_the_case_through_the_service(client, meeting, staff_coordinator):
    patient = PatientFactory()
    client.force_login(staff_coordinator)

    response = client.post(
        admin_url("agendaitem", "add"),
        {"meeting": meeting.pk, "patient": patient.pk, "question": "Resect?", "presenter": ""},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    agenda_item = AgendaItem.objects.get()
    assert (agenda_item.added_by, agenda_item.position, agenda_item.readiness_problems_at_listing) == (
        staff_coordinator,
        1,
        3,
    )
    assert AuditEvent.objects.filter(action="agenda_item.added").exists()


def test_agenda_item_admin_change_respects_closed_meeting(client, meeting, staff_coordinator):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1, question="Before?")
    meeting.status = MeetingStatus.CLOSED
    meeting.save()
    client.force_login(staff_coordinator)

    response = client.post(
        admin_url("agendaitem", "change", agenda_item.pk),
        {"question": "After?", "presenter": "", "expected_version": "1"},
    )

    assert response.status_code == 200
    assert "This meeting is closed" in response.content.decode()
    agenda_item.refresh_from_db()
    assert agenda_item.question == "Before?"


def test_agenda_item_admin_change_with_an_old_version_is_a_conflict(client, meeting, staff_coordinator):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1, question="Before?", version=3)
    client.force_login(staff_coordinator)

    stale = client.post(
        admin_url("agendaitem", "change", agenda_item.pk),
        {"question": "Mine?", "presenter": "", "expected_version": "2"},
    )
    fresh = client.post(
        admin_url("agendaitem", "change", agenda_item.pk),
        {"question": "Mine?", "presenter": "", "expected_version": "3"},
    )

    assert "Someone else changed this row meanwhile (now version 3)" in stale.content.decode()
    assert fresh.status_code == 302
    agenda_item.refresh_from_db()
    assert (agenda_item.question, agenda_item.version, agenda_item.updated_by) == ("Mine?", 4, staff_coordinator)


def test_attendance_admin_add_and_change_go_through_the_services(client, running_meeting, staff_coordinator, surgeon):
    client.force_login(staff_coordinator)

    added = client.post(
        admin_url("attendance", "add"),
        {
            "meeting": running_meeting.pk,
            "user": surgeon.pk,
            "specialty": "surgery",
            "arrived_at_0": "2024-05-14",
            "arrived_at_1": "18:10",
            "left_at_0": "",
            "left_at_1": "",
        },
    )
    attendance = Attendance.objects.get()
    changed = client.post(
        admin_url("attendance", "change", attendance.pk),
        {"arrived_at_0": "2024-05-14", "arrived_at_1": "18:10", "left_at_0": "2024-05-14", "left_at_1": "17:00"},
    )

    assert added.status_code == 302, added.content.decode()[:3000]
    assert attendance.recorded_by == staff_coordinator
    assert changed.status_code == 200 and "Leaving cannot be before arriving." in changed.content.decode()
    attendance.refresh_from_db()
    assert attendance.left_at is None
    assert list(AuditEvent.objects.filter(action__startswith="attendance.").values_list("action", flat=True)) == [
        "attendance.arrived"
    ]


def test_attendance_admin_change_refused_after_close(client, meeting, staff_coordinator, surgeon):
    attendance = AttendanceFactory(meeting=meeting, user=surgeon, specialty="surgery", recorded_by=staff_coordinator)
    meeting.status = MeetingStatus.CLOSED
    meeting.save()
    client.force_login(staff_coordinator)

    response = client.post(
        admin_url("attendance", "change", attendance.pk),
        {"arrived_at_0": "2024-05-14", "arrived_at_1": "17:00", "left_at_0": "", "left_at_1": ""},
    )

    assert response.status_code == 200 and "This meeting is closed" in response.content.decode()


@pytest.mark.parametrize("model", ["decision", "followup"])
def test_decision_and_followup_admin_are_read_only(client, admin_user, meeting, chair, model):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=meeting, position=1), signed_at=meeting.starts_at, signed_by=chair
    )
    row = (
        decision
        if model == "decision"
        else FollowUp.objects.create(
            decision=decision, status="implemented", recorded_on=dt.date(2024, 6, 1), recorded_by=chair
        )
    )
    client.force_login(admin_user)

    add = client.get(admin_url(model, "add"))
    view = client.get(admin_url(model, "change", row.pk))
    post = client.post(admin_url(model, "change", row.pk), {"recommendation": "Changed", "status": "pending"})

    assert add.status_code == 403
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert post.status_code == 403
    decision.refresh_from_db()
    assert decision.recommendation == "Metastasectomy of L1."
    assert Decision.objects.count() == 1

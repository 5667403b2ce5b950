import datetime as dt

import pytest

from boards import policies
from boards.access import patients_visible_to
from boards.models import AgendaItemStatus, MeetingStatus, Role
from boards.quorum import Quorum
from tests.boards.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    BoardMembershipFactory,
    DecisionFactory,
    MeetingFactory,
)
from tests.factories import PatientFactory, UserFactory

QUORATE = Quorum(required=("surgery",), present=frozenset({"surgery"}), missing=())
ROLES = [Role.COORDINATOR, Role.CHAIR, Role.MEMBER, None]


def membership(role):
    return BoardMembershipFactory.build(role=role) if role else None


def meeting(status=MeetingStatus.IN_PROGRESS):
    return MeetingFactory.build(status=status)


def decision(signed=False, status=MeetingStatus.IN_PROGRESS):
    agenda_item = AgendaItemFactory.build(meeting=meeting(status))
    return DecisionFactory.build(
        agenda_item=agenda_item, signed_at=dt.datetime(2024, 5, 14, tzinfo=dt.UTC) if signed else None
    )


@pytest.mark.parametrize(
    ("check", "make_args", "allowed_roles"),
    [
        ("can_change_agenda", lambda m: (meeting(), m), {Role.COORDINATOR}),
        ("can_record_attendance", lambda m: (meeting(), m), {Role.COORDINATOR, Role.CHAIR}),
        ("can_start_meeting", lambda m: (meeting(MeetingStatus.PLANNED), m), {Role.COORDINATOR, Role.CHAIR}),
        ("can_close_meeting", lambda m: (meeting(), m), {Role.COORDINATOR, Role.CHAIR}),
        ("can_create_meeting", lambda m: (m,), {Role.COORDINATOR}),
        (
            "can_edit_decision",
            lambda m: (AgendaItemFactory.build(meeting=meeting()), None, m),
            {Role.COORDINATOR, Role.CHAIR, Role.MEMBER},
        ),
        ("can_sign_decision", lambda m: (decision(), m, QUORATE), {Role.CHAIR}),
        ("can_amend_decision", lambda m: (decision(signed=True), m), {Role.CHAIR}),
        (
            "can_record_followup",
            lambda m: (decision(signed=True, status=MeetingStatus.CLOSED), m),
            {Role.COORDINATOR, Role.CHAIR, Role.MEMBER},
        ),
        (
            "can_change_attendance",
            lambda m: (AttendanceFactory.build(meeting=meeting()), m),
            {Role.COORDINATOR, Role.CHAIR},
        ),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_policies_allow_only_their_roles(check, make_args, allowed_roles, role):
    allowed = getattr(policies, check)(*make_args(membership(role)))

    assert allowed is (role in allowed_roles)


def test_policies_closed_meeting_is_read_only_except_followup():
    chair, coordinator = membership(Role.CHAIR), membership(Role.COORDINATOR)
    closed = meeting(MeetingStatus.CLOSED)

    assert not policies.can_change_agenda(closed, coordinator)
    assert not policies.can_record_attendance(closed, coordinator)
    assert not policies.can_edit_decision(AgendaItemFactory.build(meeting=closed), None, chair)
    assert not policies.can_sign_decision(decision(status=MeetingStatus.CLOSED), chair, QUORATE)
    assert policies.can_record_followup(decision(signed=True, status=MeetingStatus.CLOSED), chair)


def test_policies_signed_decision_cannot_be_edited_or_signed_again():
    chair = membership(Role.CHAIR)
    signed = decision(signed=True)

    with pytest.raises(policies.PolicyError, match="signed and locked"):
        policies.check_can_edit_decision(signed.agenda_item, signed, chair)
    assert not policies.can_sign_decision(signed, chair, QUORATE)


def test_policies_no_decision_on_deferred_case():
    agenda_item = AgendaItemFactory.build(meeting=meeting(), status=AgendaItemStatus.DEFERRED)

    with pytest.raises(policies.PolicyError, match="deferred"):
        policies.check_can_edit_decision(agenda_item, None, membership(Role.MEMBER))


def test_patients_visible_to_members_only_listed_patients(meeting, surgeon, coordinator, outsider):
    listed = AgendaItemFactory(meeting=meeting, position=1).patient
    elsewhere = AgendaItemFactory(meeting=MeetingFactory(created_by=coordinator), position=1).patient
    unlisted = PatientFactory()
    admin = UserFactory(username="admin", is_superuser=True)

    assert list(patients_visible_to(surgeon)) == [listed]
    assert list(patients_visible_to(outsider)) == []
    assert set(patients_visible_to(coordinator)) == {listed, elsewhere, unlisted}
    assert set(patients_visible_to(admin)) == {listed, elsewhere, unlisted}


def test_policies_follow_up_only_after_the_meeting_and_addenda_also_after_it():
    chair = membership(Role.CHAIR)

    assert not policies.can_record_followup(decision(signed=True, status=MeetingStatus.IN_PROGRESS), chair)
    assert policies.can_record_followup(decision(signed=True, status=MeetingStatus.CLOSED), chair)
    # Deliberate: a correction of a signed decision stays possible after close, as a signed addendum.
    assert policies.can_amend_decision(decision(signed=True, status=MeetingStatus.CLOSED), chair)
    assert "after it is closed" in policies.check_can_amend_decision.__doc__


def test_policies_withdrawn_attendance_cannot_be_changed_again():
    attendance = AttendanceFactory.build(meeting=meeting(), withdrawn_at=dt.datetime(2024, 5, 14, tzinfo=dt.UTC))

    with pytest.raises(policies.PolicyError, match="withdrawn"):
        policies.check_can_change_attendance(attendance, membership(Role.COORDINATOR))


def test_policies_no_cases_pending_names_each_case():
    listed = AgendaItemFactory.build(patient__name="Anna Listed")

    with pytest.raises(policies.CasesPending, match=r"1 case without a signed decision: Anna Listed \(no decision\)"):
        policies.check_no_cases_pending([listed])
    policies.check_no_cases_pending([])

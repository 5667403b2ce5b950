"""Realistic boards, meetings and patient courses for the printed documents."""

import datetime as dt

import pytest

from boards.models import AgendaItemStatus, Consensus, DecisionCategory, MeetingStatus, Role, Specialty
from tests.boards.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    BoardFactory,
    BoardMembershipFactory,
    DecisionFactory,
    MeetingFactory,
)
from tests.factories import UserFactory
from tests.reports.records import acc_patient

MEETING_START = dt.datetime(2024, 5, 14, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def board(db):
    return BoardFactory(
        name="Endocrine tumours board", required_specialties=["medical_oncology", "surgery", "radiology"]
    )


@pytest.fixture
def chair(board):
    user = UserFactory(username="chair", first_name="Chris", last_name="Chair")
    BoardMembershipFactory(board=board, user=user, role=Role.CHAIR, specialty=Specialty.MEDICAL_ONCOLOGY)
    return user


@pytest.fixture
def coordinator(board):
    user = UserFactory(username="coordinator", first_name="Cora", last_name="Coordinator")
    BoardMembershipFactory(board=board, user=user, role=Role.COORDINATOR, specialty=Specialty.NURSING)
    return user


@pytest.fixture
def surgeon(board):
    user = UserFactory(username="surgeon", first_name="Sam", last_name="Surgeon")
    BoardMembershipFactory(board=board, user=user, role=Role.MEMBER, specialty=Specialty.SURGERY)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", first_name="Otto", last_name="Outsider")


@pytest.fixture
def meeting(board, coordinator, chair, surgeon):
    return MeetingFactory(board=board, created_by=coordinator, starts_at=MEETING_START, place="Room 4.12")


@pytest.fixture
def held_meeting(meeting, coordinator, chair, surgeon):
    """A closed meeting: three cases listed, one decided and signed, one deferred, one withdrawn."""
    meeting.status = MeetingStatus.CLOSED
    meeting.started_at = MEETING_START
    meeting.closed_at = MEETING_START + dt.timedelta(hours=2)
    meeting.save()
    AttendanceFactory(meeting=meeting, user=chair, specialty=Specialty.MEDICAL_ONCOLOGY, arrived_at=MEETING_START)
    AttendanceFactory(
        meeting=meeting, user=surgeon, specialty=Specialty.SURGERY, arrived_at=MEETING_START + dt.timedelta(minutes=20)
    )
    decided = AgendaItemFactory(
        meeting=meeting,
        position=1,
        presenter=surgeon,
        status=AgendaItemStatus.DISCUSSED,
        patient=acc_patient(name="Anna Adrenal", mrn="ACC00001"),
        question="Is metastasectomy of L1 and L2 an option?",
    )
    DecisionFactory(
        agenda_item=decided,
        category=DecisionCategory.SURGERY,
        recommendation="Wedge resection of L1 and L2.",
        consensus=Consensus.MAJORITY,
        dissent="Dr Ray prefers SBRT.",
        departs_from_guidance=True,
        departure_reason="Patient prefers surgery.",
        created_by=chair,
        signed_by=chair,
        signed_at=MEETING_START + dt.timedelta(minutes=50),
    )
    AgendaItemFactory(
        meeting=meeting,
        position=2,
        status=AgendaItemStatus.DEFERRED,
        status_reason="Awaiting PET-CT.",
        patient=acc_patient(name="Bert Deferred", mrn="ACC00002"),
    )
    AgendaItemFactory(
        meeting=meeting,
        position=3,
        status=AgendaItemStatus.WITHDRAWN,
        status_reason="Patient declined discussion.",
        patient=acc_patient(name="Carla Withdrawn", mrn="ACC00003"),
    )
    return meeting

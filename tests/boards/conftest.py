import datetime as dt

import pytest

from boards.models import MeetingStatus, Role, Specialty
from tests.boards.factories import BoardFactory, BoardMembershipFactory, MeetingFactory
from tests.factories import UserFactory


@pytest.fixture
def board(db):
    return BoardFactory(name="Endocrine tumours", required_specialties=["medical_oncology", "surgery", "radiology"])


@pytest.fixture
def coordinator(board):
    user = UserFactory(username="coordinator", first_name="Cora", last_name="Coordinator")
    BoardMembershipFactory(board=board, user=user, role=Role.COORDINATOR, specialty=Specialty.NURSING)
    return user


@pytest.fixture
def chair(board):
    user = UserFactory(username="chair", first_name="Chris", last_name="Chair")
    BoardMembershipFactory(board=board, user=user, role=Role.CHAIR, specialty=Specialty.MEDICAL_ONCOLOGY)
    return user


@pytest.fixture
def surgeon(board):
    user = UserFactory(username="surgeon", first_name="Sam", last_name="Surgeon")
    BoardMembershipFactory(board=board, user=user, role=Role.MEMBER, specialty=Specialty.SURGERY)
    return user


@pytest.fixture
def radiologist(board):
    user = UserFactory(username="radiologist", first_name="Ray", last_name="Radiologist")
    BoardMembershipFactory(board=board, user=user, role=Role.MEMBER, specialty=Specialty.RADIOLOGY)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def meeting(board, coordinator):
    return MeetingFactory(board=board, created_by=coordinator)


@pytest.fixture
def running_meeting(meeting):
    meeting.status = MeetingStatus.IN_PROGRESS
    meeting.started_at = meeting.starts_at
    meeting.save()
    return meeting


@pytest.fixture
def at_meeting(meeting):
    """A moment one hour into the meeting."""
    return meeting.starts_at + dt.timedelta(hours=1)

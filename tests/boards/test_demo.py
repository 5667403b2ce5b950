import datetime as dt

from boards.demo import create_demo_boards
from boards.models import AgendaItem, Board, BoardMembership, Meeting
from patients.models import Disease
from tests.factories import PatientFactory, PrimaryTumourFactory, UserFactory

TODAY = dt.date(2024, 5, 10)


def demo_users():
    return {
        key: UserFactory(username=key)
        for key in ("coordinator", "oncologist", "surgeon", "chair", "editor", "outsider")
    }


def test_create_demo_boards_lists_patients_by_disease_and_is_idempotent(db):
    users = demo_users()
    acc = PrimaryTumourFactory(disease=Disease.ACC).patient
    crc = PrimaryTumourFactory(disease=Disease.CRC, site="sigmoid_colon").patient
    patients = [acc, crc, PatientFactory()]

    create_demo_boards(users=users, patients=patients, today=TODAY)
    create_demo_boards(users=users, patients=patients, today=TODAY)

    endocrine, hepatobiliary = Board.objects.get(name="Endocrine tumours"), Board.objects.get(name="Hepatobiliary")
    assert endocrine.required_specialties == ["medical_oncology", "endocrinology", "surgery", "radiology"]
    assert Meeting.objects.count() == 2
    assert [i.patient for i in AgendaItem.objects.filter(meeting__board=endocrine)] == [acc]
    assert [i.patient for i in AgendaItem.objects.filter(meeting__board=hepatobiliary)] == [crc]
    assert not BoardMembership.objects.filter(user=users["outsider"]).exists()
    assert BoardMembership.objects.get(board=hepatobiliary, user=users["chair"]).role == "chair"
    meeting = Meeting.objects.get(board=endocrine)
    assert meeting.starts_at.date() == dt.date(2024, 5, 13) and meeting.status == "planned"


def test_create_demo_boards_on_a_later_day_adds_no_second_meeting(db):
    users = demo_users()
    patients = [PrimaryTumourFactory(disease=Disease.ACC).patient]
    create_demo_boards(users=users, patients=patients, today=TODAY)

    create_demo_boards(users=users, patients=patients, today=TODAY + dt.timedelta(days=1))

    assert Meeting.objects.count() == 2

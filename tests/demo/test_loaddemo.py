import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from boards.models import AgendaItem, Board, Meeting
from patients.models import Lesion, Patient

DEMO_USERNAMES = {"coordinator", "oncologist", "surgeon", "chair", "editor", "outsider", "admin"}


def loaddemo() -> str:
    stdout = io.StringIO()
    call_command("loaddemo", stdout=stdout)
    return stdout.getvalue()


def test_loaddemo_creates_users_with_one_password(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    output = loaddemo()

    users = get_user_model().objects.filter(username__in=DEMO_USERNAMES)
    assert {user.username for user in users} == DEMO_USERNAMES
    assert all(user.check_password("oligoboard-demo") for user in users)
    assert "Password for all of them: oligoboard-demo" in output
    for username in DEMO_USERNAMES:
        assert username in output


def test_loaddemo_uses_demo_password_from_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "board-meeting-42")

    output = loaddemo()

    assert get_user_model().objects.get(username="chair").check_password("board-meeting-42")
    assert "Password for all of them: board-meeting-42" in output


def test_loaddemo_gives_roles_to_editor_and_admin(db):
    loaddemo()

    users = {user.username: user for user in get_user_model().objects.all()}
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["editor"].is_staff and not users["editor"].is_superuser
    assert "Guideline editors" in set(users["editor"].groups.values_list("name", flat=True))
    assert not users["oncologist"].groups.filter(name="Guideline editors").exists()
    assert not any(users[name].is_staff for name in ("coordinator", "oncologist", "surgeon", "chair", "outsider"))


def test_loaddemo_creates_demo_patients(db):
    output = loaddemo()

    seed = Patient.objects.get(mrn="ACC-0001")
    assert seed.name == "Maria Rossi"
    assert seed.primary.disease == "acc"
    assert seed.primary.diagnosed_on.year == 2016
    assert seed.age_on(seed.primary.diagnosed_on) == 52
    assert 6 <= Patient.objects.count() <= 8
    assert Patient.objects.filter(primary__disease="crc", lab_results__isnull=False).exists()
    assert "Maria Rossi (ACC-0001)" in output


def test_loaddemo_second_run_changes_nothing(db):
    loaddemo()
    models = (get_user_model(), Patient, Lesion, Board, Meeting, AgendaItem)
    counts = [model.objects.count() for model in models]

    output = loaddemo()

    assert [model.objects.count() for model in models] == counts
    assert "Demo data is already loaded; nothing changed." in output
    assert "Password" not in output


def test_loaddemo_puts_demo_patients_on_board_agendas(db):
    output = loaddemo()

    items = AgendaItem.objects.select_related("patient", "meeting__board")
    agenda = {item.patient.mrn: item.meeting.board.name for item in items}
    assert agenda["ACC-0001"] == "Endocrine tumours"
    assert agenda["CRC-0002"] == "Hepatobiliary"
    assert Meeting.objects.filter(status="planned").count() == 2
    assert "Created the demo boards" in output


@pytest.mark.parametrize("existing", ["chair", "admin"])
def test_loaddemo_keeps_existing_user_unchanged(db, existing):
    user = get_user_model().objects.create_user(username=existing, password="their own password")

    loaddemo()

    user.refresh_from_db()
    assert user.check_password("their own password")
    assert not user.is_superuser

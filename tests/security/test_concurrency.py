"""Two people saving the same thing: one conflict message, no lost update; sign-off is atomic.

The two-client tests run on every database. The lock tests need real row locks, so they run on
PostgreSQL only (SQLite locks the whole database file and has no SELECT ... FOR UPDATE): one
connection holds the row lock in the middle of its change, the other calls the service from a
second thread, is seen waiting on the lock in pg_stat_activity, and after the first commits it
reads the committed row and refuses instead of overwriting it.
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from boards import services as board_services
from boards.models import AgendaItem, MeetingStatus
from patients.models import Lesion
from patients.services import EditConflict, record_save
from tests.boards.factories import AttendanceFactory
from tests.factories import UserFactory

CONFLICT = "This entry was changed by someone else while you were editing it."


def _lesion_post(world, note: str, version: int) -> dict:
    lesion = world.lesion
    return {
        "label": lesion.label,
        "organ": lesion.organ,
        "detected_on": lesion.detected_on.isoformat(),
        "note": note,
        "version": str(version),
    }


@pytest.mark.django_db
def test_two_clients_saving_the_same_lesion_get_one_conflict_and_lose_nothing(client, world):
    from django.test import Client

    first, second = client, Client()
    first.force_login(world.member)
    second.force_login(world.chair)
    url = reverse("patients:record-edit", args=[world.patient.public_id, "lesion", world.lesion.public_id])
    # Both open the form at version 1.
    assert 'name="version" value="1"' in first.get(url).content.decode()
    assert 'name="version" value="1"' in second.get(url).content.decode()

    saved = first.post(url, _lesion_post(world, "first reader's note", 1))
    refused = second.post(url, _lesion_post(world, "second reader's note", 1))

    assert saved.status_code == 302
    assert refused.status_code == 200
    page = refused.content.decode()
    assert page.count(CONFLICT) == 1
    assert "first reader&#x27;s note" in page  # their saved value is shown
    assert "second reader&#x27;s note" in page  # my input is kept
    assert 'name="version" value="2"' in page
    world.lesion.refresh_from_db()
    assert (world.lesion.note, world.lesion.version) == ("first reader's note", 2)
    assert AuditEvent.objects.filter(action="lesion.updated").count() == 1

    resaved = second.post(url, _lesion_post(world, "second reader's note", 2))

    assert resaved.status_code == 302
    world.lesion.refresh_from_db()
    assert (world.lesion.note, world.lesion.version) == ("second reader's note", 3)
    assert world.lesion.history.count() == 3  # created, first save, second save: nothing overwritten unseen


postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks (SELECT ... FOR UPDATE) need PostgreSQL"
)


def _in_thread(target) -> tuple[threading.Thread, dict]:
    """Run target in a thread with its own database connection; its result or exception lands in outcome."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_until_blocked_on_a_lock(timeout: float = 10.0) -> None:
    """Return once another backend waits for a row lock held by this connection."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_locks is live (pg_stat_activity is a snapshot frozen for this transaction).
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.02)
    raise AssertionError("the second save never waited for the row lock")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_record_save_waits_for_the_row_lock_and_then_refuses_the_outdated_version(world):
    lesion = world.lesion

    with transaction.atomic():
        mine = Lesion.objects.select_for_update().get(pk=lesion.pk)
        theirs = Lesion.objects.get(pk=lesion.pk)
        theirs.note = "second"
        thread, outcome = _in_thread(lambda: record_save(record=theirs, by=world.chair, expected_version=1))
        _wait_until_blocked_on_a_lock()
        mine.note = "first"
        record_save(record=mine, by=world.member, expected_version=1)
    thread.join(timeout=10)

    assert isinstance(outcome.get("error"), EditConflict)
    lesion.refresh_from_db()
    assert (lesion.note, lesion.version) == ("first", 2)


@pytest.fixture
def quorate(world):
    world.meeting.status = MeetingStatus.IN_PROGRESS
    world.meeting.started_at = world.meeting.starts_at
    world.meeting.save()
    for specialty in world.board.required_specialties:
        AttendanceFactory(
            meeting=world.meeting,
            user=UserFactory(),
            specialty=specialty,
            arrived_at=world.meeting.starts_at,
            recorded_by=world.chair,
        )
    return world.meeting


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_decision_sign_is_atomic_when_two_sign_at_once(world, quorate):
    decision = world.decision
    at = quorate.starts_at.replace(hour=17)

    with transaction.atomic():
        board_services.decision_sign(decision=decision, by=world.chair, expected_version=1, at=at)
        # The first sign-off is done but not committed; the second must wait for it, then see it.
        thread, outcome = _in_thread(
            lambda: board_services.decision_sign(decision=decision, by=world.chair, expected_version=1, at=at)
        )
        _wait_until_blocked_on_a_lock()
    thread.join(timeout=10)

    assert isinstance(outcome.get("error"), board_services.PolicyError)
    assert "already signed" in str(outcome["error"])
    assert AuditEvent.objects.filter(action="decision.signed").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_decision_sign_during_a_decision_save_waits_without_deadlock_and_refuses_the_old_version(world, quorate):
    decision = world.decision
    at = quorate.starts_at.replace(hour=17)
    fields = {"category": decision.category, "recommendation": "Saved while the chair signs", "consensus": "unanimous"}

    with transaction.atomic():
        # decision_record's first step: the agenda item is locked, the decision not yet.
        AgendaItem.objects.select_for_update().get(pk=world.agenda_item.pk)
        thread, outcome = _in_thread(
            lambda: board_services.decision_sign(decision=decision, by=world.chair, expected_version=1, at=at)
        )
        _wait_until_blocked_on_a_lock()
        board_services.decision_record(agenda_item=world.agenda_item, by=world.member, expected_version=1, **fields)
    thread.join(timeout=10)

    assert isinstance(outcome.get("error"), EditConflict)
    decision.refresh_from_db()
    assert not decision.is_signed
    assert (decision.recommendation, decision.version) == ("Saved while the chair signs", 2)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_decision_save_during_a_sign_off_waits_and_then_refuses(world, quorate):
    decision = world.decision
    at = quorate.starts_at.replace(hour=17)
    fields = {"category": decision.category, "recommendation": "Changed while signing", "consensus": "unanimous"}

    with transaction.atomic():
        board_services.decision_sign(decision=decision, by=world.chair, expected_version=1, at=at)
        thread, outcome = _in_thread(
            lambda: board_services.decision_record(
                agenda_item=world.agenda_item, by=world.member, expected_version=1, **fields
            )
        )
        _wait_until_blocked_on_a_lock()
    thread.join(timeout=10)

    assert isinstance(outcome.get("error"), board_services.PolicyError)
    decision.refresh_from_db()
    assert decision.is_signed and decision.recommendation == "Metastasectomy of L1."

"""A whole board meeting in the browser: agenda, attendance, case review, decision, sign-off, follow-up."""

import datetime as dt
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from boards.models import Decision, FollowUp, Role, Specialty
from tests.boards.factories import AgendaItemFactory, BoardFactory, BoardMembershipFactory, MeetingFactory
from tests.browser.conftest import wait_for_htmx
from tests.factories import LesionFactory, PrimaryTumourFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board_people():
    board = BoardFactory(name="Endocrine tumours", required_specialties=["medical_oncology", "surgery"])
    people = {
        "coordinator": ("Cora", Specialty.NURSING, Role.COORDINATOR),
        "chair": ("Chris", Specialty.MEDICAL_ONCOLOGY, Role.CHAIR),
        "surgeon": ("Sam", Specialty.SURGERY, Role.MEMBER),
    }
    users = {}
    for key, (first, specialty, role) in people.items():
        users[key] = UserFactory(username=key, first_name=first, last_name=key.title())
        BoardMembershipFactory(board=board, user=users[key], specialty=specialty, role=role)
    meeting = MeetingFactory(
        board=board, created_by=users["coordinator"], starts_at=dt.datetime(2024, 5, 14, 14, 0, tzinfo=dt.UTC)
    )
    return board, meeting, users


def test_meeting_from_agenda_to_signed_decision_and_follow_up(page, live_server, login, board_people):
    _board, meeting, users = board_people
    patient = PrimaryTumourFactory(patient__name="Erika Muster").patient
    LesionFactory(patient=patient, label="L1")
    meeting_url = live_server.url + meeting.get_absolute_url()

    # The coordinator builds the agenda and opens the meeting.
    login(users["coordinator"])
    page.goto(meeting_url)
    page.get_by_label("Find a patient (name or hospital number)").fill("Muster")
    wait_for_htmx(page)
    page.get_by_label(re.compile("Erika Muster")).check()
    page.get_by_label("Question for the board").fill("Is metastasectomy of L1 an option?")
    page.get_by_role("button", name="Add to agenda").click()
    wait_for_htmx(page)
    expect(page.locator("#agenda")).to_contain_text("Is metastasectomy of L1 an option?")
    page.get_by_role("button", name="Start meeting").click()
    expect(page.locator(".badge-in_progress").first).to_be_visible()

    # Members attend; the quorum indicator names who is missing until surgery arrives.
    page.get_by_label("Who").select_option(label="Chris Chair")
    page.get_by_role("button", name="Record arrival").click()
    wait_for_htmx(page)
    expect(page.locator("#quorum")).to_have_text(re.compile("No quorum: missing Surgery"))
    page.get_by_label("Who").select_option(label="Sam Surgeon")
    page.get_by_role("button", name="Record arrival").click()
    wait_for_htmx(page)
    expect(page.locator("#quorum")).to_have_text(re.compile("Quorum: present"))

    # The surgeon records the decision in the case review, without a reload.
    login(users["surgeon"])
    page.goto(meeting_url)
    page.get_by_role("link", name="Start case review").click()
    wait_for_htmx(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erika Muster")
    expect(page.locator(".question-text")).to_have_text("Is metastasectomy of L1 an option?")
    # The guidance panel replaces its fallback link once loaded.
    expect(page.locator("#guidance-panel")).not_to_have_text("Show guidance")
    page.get_by_label("Category").select_option(label="Surgery")
    page.get_by_label("L1 (lung)").check()
    page.get_by_label("Recommendation").fill("Metastasectomy of L1 (VATS).")
    page.get_by_role("button", name="Save decision").click()
    wait_for_htmx(page)
    expect(page.locator("#decision")).to_contain_text("Decision saved.")
    expect(page.get_by_role("button", name="Sign off and lock")).to_have_count(0)

    # The chair signs it off, which locks it.
    login(users["chair"])
    page.reload()
    wait_for_htmx(page)
    page.get_by_role("button", name="Sign off and lock").click()
    wait_for_htmx(page)
    expect(page.locator("#decision")).to_contain_text("Decision signed and locked.")
    expect(page.locator("#decision")).to_contain_text("Signed by Chris Chair")
    expect(page.get_by_role("button", name="Save decision")).to_have_count(0)

    # The coordinator closes the meeting; afterwards someone records the follow-up.
    login(users["coordinator"])
    page.goto(meeting_url)
    page.get_by_role("button", name="Close meeting").click()
    page.get_by_role("link", name="Outcomes and follow-up").click()
    page.get_by_label("Status").select_option(label="Implemented")
    page.get_by_label("Date").fill("2024-06-20")
    page.get_by_role("button", name="Record follow-up").click()
    wait_for_htmx(page)
    expect(page.locator("#outcomes")).to_contain_text("20 Jun 2024: Implemented")

    decision = Decision.objects.get()
    assert decision.is_signed and decision.signed_by == users["chair"]
    assert list(decision.lesions.values_list("label", flat=True)) == ["L1"]
    assert FollowUp.objects.get().status == "implemented"


def test_meeting_review_two_editors_see_conflict_instead_of_overwriting(
    page, browser, live_server, login, board_people
):
    _board, meeting, users = board_people
    meeting.status = "in_progress"
    meeting.save()
    patient = PrimaryTumourFactory(patient__name="Erika Muster").patient
    agenda_item = AgendaItemFactory(meeting=meeting, patient=patient, position=1)
    review_url = live_server.url + agenda_item.get_absolute_url()
    login(users["surgeon"])
    page.goto(review_url)
    wait_for_htmx(page)
    # A second browser with its own session: logging the same test client in again would end the first one.
    chair_client = Client()
    chair_client.force_login(users["chair"])
    chair_context = browser.new_context()
    chair_context.add_cookies(
        [{"name": "sessionid", "value": chair_client.cookies["sessionid"].value, "url": live_server.url}]
    )
    chair_page = chair_context.new_page()
    chair_page.goto(review_url)
    wait_for_htmx(chair_page)

    # Both have the empty form open; the surgeon saves first.
    page.get_by_label("Category").select_option(label="Surgery")
    page.get_by_label("Recommendation").fill("Surgeon: resect.")
    page.get_by_role("button", name="Save decision").click()
    wait_for_htmx(page)
    chair_page.get_by_label("Category").select_option(label="Surveillance")
    chair_page.get_by_label("Recommendation").fill("Chair: watch and wait.")
    chair_page.get_by_role("button", name="Save decision").click()
    wait_for_htmx(chair_page)

    conflict = chair_page.locator("#decision .conflict")
    expect(conflict).to_contain_text("Someone else saved this decision while you were editing")
    expect(conflict).to_contain_text("Surgeon: resect.")
    expect(chair_page.get_by_label("Recommendation")).to_have_value("Chair: watch and wait.")
    assert Decision.objects.get().recommendation == "Surgeon: resect."

    # Saving again, knowingly, replaces the surgeon's version.
    chair_page.get_by_role("button", name="Save decision").click()
    wait_for_htmx(chair_page)
    expect(chair_page.locator("#decision")).to_contain_text("Decision saved.")
    assert Decision.objects.get().recommendation == "Chair: watch and wait."
    chair_context.close()

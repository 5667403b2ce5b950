"""A whole board meeting in the browser, from the agenda to follow-up.

The coordinator builds an agenda of four cases (posted patient search, reorder), defers one; members arrive (one
late, one corrected); each case is reviewed with the keyboard and the guidance panel, a board input changes the
findings; decisions are recorded and signed (the sign-off waits for quorum and follows it without a reload); the
meeting closes after deferring the case not reached; follow-up is entered afterwards.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from boards.models import AgendaItem, AgendaItemStatus, Decision, FollowUp, MeetingStatus, Role, Specialty
from tests.boards.factories import BoardFactory, BoardMembershipFactory, MeetingFactory
from tests.browser.conftest import wait_for_htmx
from tests.factories import PatientFactory, UserFactory
from tests.guidance.db_factories import acc_patient, crc_patient, install_releases

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PEOPLE = {
    "coordinator": ("Cora", Specialty.NURSING, Role.COORDINATOR),
    "chair": ("Chris", Specialty.MEDICAL_ONCOLOGY, Role.CHAIR),
    "surgeon": ("Sam", Specialty.SURGERY, Role.MEMBER),
    "radiologist": ("Ray", Specialty.RADIOLOGY, Role.MEMBER),
}


@pytest.fixture
def board_meeting():
    install_releases()
    board = BoardFactory(name="Tumour board", required_specialties=["medical_oncology", "surgery", "radiology"])
    users = {}
    for key, (first, specialty, role) in PEOPLE.items():
        users[key] = UserFactory(username=key, first_name=first, last_name=key.title())
        BoardMembershipFactory(board=board, user=users[key], specialty=specialty, role=role)
    # 16:00 in Zurich; the guidance of each case is computed as of this day.
    meeting = MeetingFactory(
        board=board,
        created_by=users["coordinator"],
        starts_at=dt.datetime(2026, 10, 1, 14, 0, tzinfo=dt.UTC),
        place="Room 4",
    )
    patients = {
        "colon": crc_patient(name="Carl Colon"),
        "adrenal": acc_patient(name="Alma Adrenal"),
        "deferred": PatientFactory(name="Dora Deferred"),
        "extra": PatientFactory(name="Ella Extra"),
    }
    return meeting, users, patients


def add_case(page, search: str, name: str, question: str) -> None:
    add_case = page.locator("#add-case")
    add_case.get_by_label("Find a patient (name or hospital number)").fill(search)
    wait_for_htmx(page)
    add_case.get_by_label(re.compile(name)).check()
    add_case.get_by_label("Question for the board").fill(question)
    add_case.get_by_role("button", name="Add to agenda").click()
    wait_for_htmx(page)
    expect(page.locator("#agenda")).to_contain_text(question)


def agenda_names(page) -> list[str]:
    return page.locator("#agenda .agenda-item h3 a").all_inner_texts()


def test_whole_meeting_from_agenda_to_follow_up(page, live_server, login, board_meeting):
    meeting, users, patients = board_meeting
    meeting_url = live_server.url + meeting.get_absolute_url()
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    # The coordinator builds the agenda: patients found by a posted search, then reordered.
    login(users["coordinator"])
    page.goto(meeting_url)
    add_case(page, "Colon", "Carl Colon", "Resect S7 and S4 now?")
    add_case(page, "Adrenal", "Alma Adrenal", "Metastasectomy of the lung nodules?")
    add_case(page, "Deferred", "Dora Deferred", "Surveillance or SBRT?")
    add_case(page, "Extra", "Ella Extra", "Second opinion on the liver MRI?")
    assert agenda_names(page) == ["Carl Colon", "Alma Adrenal", "Dora Deferred", "Ella Extra"]
    move_alma_up = page.get_by_role("button", name=re.compile(r"^Up\s*: move Alma Adrenal up$"))
    move_alma_up.click()
    wait_for_htmx(page)
    assert agenda_names(page) == ["Alma Adrenal", "Carl Colon", "Dora Deferred", "Ella Extra"]
    expect(move_alma_up).to_be_disabled()
    # Dora's CT is not ready: deferred with the reason.
    dora = page.locator(".agenda-item", has_text="Dora Deferred")
    dora.get_by_text("Defer or withdraw").click()
    dora.get_by_label("Reason").fill("CT pending")
    dora.get_by_role("button", name="Defer", exact=True).click()
    wait_for_htmx(page)
    expect(page.locator(".agenda-item", has_text="Dora Deferred")).to_contain_text("Reason: CT pending")
    assert not [url for url in requested if re.search("Colon|Adrenal|Deferred|Extra|q=", url)]

    # The meeting starts; the chair and the surgeon arrive; the surgeon's arrival is corrected.
    page.get_by_role("button", name="Start meeting").click()
    expect(page.locator(".badge-in_progress").first).to_be_visible()
    attendance = page.locator("#attendance")
    for who in ("Chris Chair", "Sam Surgeon"):
        attendance.get_by_label("Who").select_option(label=who)
        attendance.get_by_label("Arrived at (empty = now)").fill("16:00")
        attendance.get_by_role("button", name="Record arrival").click()
        wait_for_htmx(page)
    surgeon_entry = attendance.locator("li", has_text="Sam Surgeon")
    surgeon_entry.locator("summary", has_text="Correct").click()
    surgeon_entry.get_by_label("Arrived at", exact=True).fill("16:05")
    surgeon_entry.get_by_role("button", name=re.compile(r"^Save times\s*of Sam Surgeon$")).click()
    wait_for_htmx(page)
    expect(attendance.locator("li", has_text="Sam Surgeon")).to_contain_text("arrived 16:05")
    expect(page.locator("#quorum")).to_have_text(re.compile("No quorum: missing Radiology"))

    # The surgeon reviews the cases with the keyboard and records the decisions.
    login(users["surgeon"])
    page.goto(meeting_url)
    page.get_by_role("link", name="Start case review").click()
    expect(page.locator(".question-text")).to_have_text("Metastasectomy of the lung nodules?")
    panel = page.locator("#guidance-panel")
    expect(panel.get_by_role("heading", name="Guidance")).to_be_visible()
    expect(panel).to_contain_text("Shown for this case and kept with it")
    record_decision(page, "Surgery", "Metastasectomy of L1-L3 (VATS).")
    page.locator("body").press("ArrowRight")
    expect(page.locator(".question-text")).to_have_text("Resect S7 and S4 now?")
    # A board input changes what the guidance shows.
    expect(page.locator("#guidance-panel #finding-CRLM-LT-01")).to_have_count(0)
    page.get_by_label("Resectability").select_option("upfront_resectable")
    page.get_by_label("All sites safely treatable").select_option("true")
    page.get_by_role("button", name="Re-evaluate").click()
    wait_for_htmx(page)
    expect(page.locator("#guidance-panel #finding-CRLM-LT-01")).to_be_visible()
    expect(page.locator("#guidance-panel")).to_contain_text("Resectability: upfront resectable")
    record_decision(page, "Surgery", "Resection of S7 and S4.")
    page.locator("body").press("j")
    expect(page.locator(".question-text")).to_have_text("Surveillance or SBRT?")
    expect(page.locator(".review-header")).to_contain_text("Deferred — CT pending")
    expect(page.get_by_role("button", name="Save decision")).to_have_count(0)

    # The chair signs; the sign-off waits for quorum and follows the late arrival without a reload.
    login(users["chair"])
    page.goto(live_server.url + AgendaItem.objects.get(patient=patients["adrenal"]).get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    sign = page.get_by_role("button", name="Sign off and lock")
    expect(sign).to_be_disabled()
    expect(page.locator("#sign-off")).to_contain_text("No quorum: missing Radiology")
    attendance = page.locator("#attendance")
    attendance.get_by_label("Who").select_option(label="Ray Radiologist")
    attendance.get_by_label("Arrived at (empty = now)").fill("16:20")
    attendance.get_by_role("button", name="Record arrival").click()
    wait_for_htmx(page)
    expect(page.locator("#quorum")).to_have_text(re.compile("Quorum: present"))
    expect(sign).to_be_enabled()
    assert page.evaluate("window.stillTheSamePage") is True
    sign.click()
    wait_for_htmx(page)
    expect(page.locator("#decision")).to_contain_text("Decision signed and locked.")
    expect(page.locator("#decision")).to_contain_text("Signed by Chris Chair")
    page.locator("body").press("ArrowRight")
    expect(page.locator(".question-text")).to_have_text("Resect S7 and S4 now?")
    expect(page.locator("#sign-off")).to_contain_text("Signing keeps the guidance shown: release 2026.1")
    page.get_by_role("button", name="Sign off and lock").click()
    wait_for_htmx(page)
    expect(page.locator("#decision")).to_contain_text("Decision signed and locked.")

    # Closing: Ella was not reached; the coordinator defers her explicitly, then the meeting closes.
    login(users["coordinator"])
    page.goto(meeting_url)
    page.get_by_role("button", name="Close meeting").click()
    pending = page.locator("#close-pending")
    expect(pending).to_contain_text("Ella Extra: no decision")
    expect(pending.get_by_label("Reason for deferring the remaining cases")).to_have_value("Not reached at the meeting")
    pending.get_by_role("button", name="Defer 1 remaining case and close the meeting").click()
    expect(page.locator(".badge-closed").first).to_be_visible()

    # After the meeting: follow-up of the first decision.
    page.get_by_role("link", name="Outcomes and follow-up").click()
    outcome = page.locator(".outcome", has_text="Alma Adrenal")
    outcome.get_by_label("Status").select_option(label="Implemented")
    outcome.get_by_label("Date").fill("2026-10-20")
    outcome.get_by_role("button", name="Record follow-up").click()
    wait_for_htmx(page)
    expect(page.locator("#outcomes")).to_contain_text("Follow-up recorded.")
    expect(page.locator("#outcomes")).to_contain_text("20 Oct 2026: Implemented")

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    statuses = dict(AgendaItem.objects.values_list("patient__name", "status"))
    assert statuses == {
        "Alma Adrenal": "discussed",
        "Carl Colon": "discussed",
        "Dora Deferred": "deferred",
        "Ella Extra": "deferred",
    }
    assert AgendaItem.objects.get(patient=patients["extra"]).status_reason == "Not reached at the meeting"
    assert all(decision.is_signed and decision.signed_by == users["chair"] for decision in Decision.objects.all())
    colon = AgendaItem.objects.select_related("evaluation").get(patient=patients["colon"])
    assert colon.evaluation.board_inputs["resectability"] == "upfront_resectable"
    assert FollowUp.objects.get().status == "implemented"
    assert AgendaItem.objects.filter(status=AgendaItemStatus.LISTED).count() == 0


def record_decision(page, category: str, recommendation: str) -> None:
    page.get_by_label("Category").select_option(label=category)
    page.get_by_label("Recommendation").fill(recommendation)
    page.get_by_role("button", name="Save decision").click()
    wait_for_htmx(page)
    expect(page.locator("#decision")).to_contain_text("Decision saved.")

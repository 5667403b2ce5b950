"""The case review on a projector: nothing overflows sideways, the controls are visibly disabled, keys move cases."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from boards.models import MeetingStatus, Role, Specialty
from patients.casefile import case_import, parse_case_file
from tests.boards.factories import (
    AgendaItemFactory,
    BoardFactory,
    BoardMembershipFactory,
    DecisionFactory,
    MeetingFactory,
)
from tests.browser.conftest import wait_for_htmx
from tests.factories import PatientFactory, UserFactory
from tests.guidance.db_factories import install_releases

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SEED = Path(settings.BASE_DIR) / "patients" / "demo_cases" / "acc-seed.json"

OVERFLOW = """() => {
  const measure = (selector) => {
    const element = document.querySelector(selector);
    return element ? {scroll: element.scrollWidth, client: element.clientWidth,
                      right: element.getBoundingClientRect().right} : null;
  };
  return {
    page: {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth},
    drawing: measure("#timeline .drawing"), svg: measure("#timeline svg"),
    lesions: measure("#lesions .table-wrap"), lesionsTable: measure("#lesions table"),
    events: measure("#events .table-wrap"), eventsTable: measure("#events table"),
    treatments: measure("#events .treatments"),
  };
}"""


@pytest.fixture
def seed_review(live_server):
    """The seed ACC case (2016-2025, 8 lesions, 28 events) on an agenda in progress, with a second case after it."""
    install_releases()
    board = BoardFactory(name="Endocrine tumours", required_specialties=["medical_oncology", "surgery"])
    chair = UserFactory(username="chair", first_name="Chris", last_name="Chair")
    BoardMembershipFactory(board=board, user=chair, role=Role.CHAIR, specialty=Specialty.MEDICAL_ONCOLOGY)
    meeting = MeetingFactory(
        board=board,
        created_by=chair,
        status=MeetingStatus.IN_PROGRESS,
        starts_at=dt.datetime(2025, 10, 2, 14, 0, tzinfo=dt.UTC),
    )
    seed = case_import(case=parse_case_file(SEED.read_bytes()), mrn="ACC-0001", name="Maria Rossi", by=chair)
    first = AgendaItemFactory(
        meeting=meeting,
        position=1,
        patient=seed,
        added_by=chair,
        question="Is local treatment of the metastases an option?",
    )
    DecisionFactory(agenda_item=first, created_by=chair)
    AgendaItemFactory(
        meeting=meeting,
        position=2,
        patient=PatientFactory(name="Second Patient"),
        added_by=chair,
        question="Second question?",
    )
    return meeting, chair, live_server.url + first.get_absolute_url()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_review_fits_the_projector_without_sideways_scrolling(page, login, seed_review, width, height):
    _meeting, chair, url = seed_review
    login(chair)
    page.set_viewport_size({"width": width, "height": height})

    page.goto(url)
    page.locator("#events details.all-events summary").click()
    sizes = page.evaluate(OVERFLOW)

    assert sizes["page"]["scroll"] <= sizes["page"]["client"], sizes
    for part in ("drawing", "lesions", "events"):
        assert sizes[part]["scroll"] <= sizes[part]["client"] + 1, (part, sizes)
    assert sizes["svg"]["right"] <= sizes["drawing"]["right"], sizes
    assert sizes["lesionsTable"]["right"] <= sizes["lesions"]["right"] + 1, sizes
    assert sizes["eventsTable"]["right"] <= sizes["events"]["right"] + 1, sizes
    # The whole course is drawn, up to the 2025 brain metastases, and the last year label is on screen.
    year_labels = page.locator("#timeline svg .year-grid text")
    expect(year_labels.filter(has_text=re.compile("^2025$"))).to_have_count(1)
    last_label = year_labels.last.bounding_box()
    assert last_label["x"] + last_label["width"] <= width
    expect(page.locator("#timeline svg [data-lane^='lesion-'] text", has_text="18")).not_to_have_count(0)
    # Question and key facts come first; guidance and the decision can be reached from the top.
    assert page.locator(".question-text").bounding_box()["y"] < height / 2
    assert page.locator(".key-facts").bounding_box()["y"] < height
    page.get_by_role("link", name="Decision", exact=True).click()
    expect(page.get_by_role("heading", name="Decision", exact=True)).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign off and lock")).to_be_in_viewport()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(url)
    page.screenshot(path=str(SCREENSHOTS / f"case_review_{width}x{height}.png"))


def test_review_disabled_controls_look_disabled(page, login, seed_review):
    _meeting, chair, url = seed_review
    login(chair)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url)

    sign = page.get_by_role("button", name="Sign off and lock")
    save = page.get_by_role("button", name="Save decision")
    expect(sign).to_be_disabled()  # no quorum: nobody is recorded as present
    style = "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.borderStyle, s.cursor]; }"
    disabled, enabled = sign.evaluate(style), save.evaluate(style)

    assert disabled != enabled
    assert disabled[1] == "dashed" and disabled[2] == "not-allowed"
    first_case = page.locator(".review-nav [aria-disabled='true']", has_text="First case")
    assert first_case.evaluate("el => getComputedStyle(el).borderStyle") == "dashed"


def test_review_arrow_and_letter_keys_move_between_cases_outside_form_fields(page, login, seed_review):
    _meeting, chair, url = seed_review
    login(chair)
    page.goto(url)
    expect(page.locator("#review-keys")).to_be_visible()
    expect(page.locator("#review-keys")).to_contain_text("previous / next case")

    page.get_by_label("Recommendation").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.type("j")
    assert page.url == url  # typing in the form moves the caret, not the case
    expect(page.get_by_label("Recommendation")).to_have_value(re.compile("j$"))

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    expect(page.locator(".question-text")).to_have_text("Second question?")
    assert page.url.endswith("/review/2/")
    page.keyboard.press("k")
    expect(page.locator(".question-text")).to_have_text("Is local treatment of the metastases an option?")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(r"/review/2/$"))
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"/review/1/$"))
    wait_for_htmx(page)
    assert json.loads(page.evaluate("JSON.stringify(document.querySelectorAll('[accesskey]').length)")) == 0

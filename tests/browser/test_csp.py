"""Under the Content-Security-Policy the pages raise no violation, and htmx still works on them.

Violations are caught two ways: a `securitypolicyviolation` listener installed before any page script
runs (page.add_init_script), and Chromium's console messages naming the Content Security Policy.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from boards.models import Role, Specialty
from tests.boards.factories import AgendaItemFactory, BoardFactory, BoardMembershipFactory, MeetingFactory
from tests.browser.conftest import wait_for_htmx
from tests.factories import LesionFactory, MeasurementFactory, UserFactory
from tests.guidance.db_factories import crc_patient, install_releases

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
                              `at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation seen in the page, from the listener and from the console."""
    console: list[str] = []
    page.add_init_script(LISTEN_FOR_VIOLATIONS)
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )

    def collected() -> list[str]:
        return console + page.evaluate("window.__cspViolations || []")

    return collected


def test_patient_page_review_and_guidance_raise_no_csp_violation_and_htmx_works(page, live_server, login, violations):
    install_releases()
    board = BoardFactory(name="Hepatobiliary board")
    chair = UserFactory(username="csp-chair", first_name="Chris", last_name="Chair")
    BoardMembershipFactory(board=board, user=chair, role=Role.CHAIR, specialty=Specialty.SURGERY)
    patient = crc_patient(name="Csp Patient", by=chair)
    lesion = LesionFactory(patient=patient, label="X1", organ="liver", detected_on=dt.date(2021, 3, 1))
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 3, 1), size_mm=Decimal("18"))
    meeting = MeetingFactory(board=board, created_by=chair, starts_at=dt.datetime(2024, 5, 14, 14, 0, tzinfo=dt.UTC))
    AgendaItemFactory(meeting=meeting, patient=patient, position=1, added_by=chair)
    login(chair)

    # The patient page: the guidance panel loads by htmx, and a measurement is added inline.
    page.goto(live_server.url + patient.get_absolute_url())
    expect(page.locator("#guidance-panel").get_by_role("heading", name="Guidance")).to_be_visible()
    row = page.locator("#lesions tbody tr", has=page.get_by_role("rowheader", name="X1"))
    row.get_by_role("link", name="Add size to X1").click()
    wait_for_htmx(page)
    editor = page.locator("#editor-lesions")
    editor.get_by_label("Date").fill("2021-09-01")
    editor.get_by_label("Longest diameter (mm)").fill("26.5")
    editor.get_by_role("button", name="Save").click()
    wait_for_htmx(page)
    expect(page.locator("#lesions tbody tr", has=page.get_by_role("rowheader", name="X1"))).to_contain_text("26.5 mm")
    assert violations() == []

    # The meeting's case review, with its keyboard shortcuts script and its guidance panel.
    page.goto(live_server.url + reverse("boards:meeting-review", args=[meeting.public_id, 1]))
    wait_for_htmx(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Csp Patient")
    expect(page.locator("#guidance-panel")).not_to_have_text("Show guidance")
    assert violations() == []

    # The guidance panel on its own page: a board input re-evaluates by htmx.
    page.goto(live_server.url + reverse("guidance:patient-guidance", args=[patient.public_id]))
    page.get_by_label("Resectability").select_option("upfront_resectable")
    page.get_by_role("button", name="Re-evaluate").click()
    wait_for_htmx(page)
    expect(page.get_by_label("Resectability")).to_have_value("upfront_resectable")
    assert violations() == []


def test_csp_listener_would_report_an_inline_script(page, live_server, login, violations):
    """The check itself: an inline script without the nonce is blocked and reported."""
    login(UserFactory(username="csp-probe"))
    page.goto(live_server.url + reverse("patients:patient-list"))

    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.x = 1";
                            document.body.appendChild(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")

    assert any("script-src" in violation for violation in violations())
    assert page.evaluate("window.x") is None

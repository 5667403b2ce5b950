"""Browser journey: add a measurement inline; the lesions table and the drawings update without a reload."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_htmx
from tests.factories import LesionFactory, MeasurementFactory, PatientFactory, PrimaryTumourFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def test_patient_record_inline_measurement_updates_table_and_drawing(page, live_server, login):
    user = UserFactory(username="presenter")
    patient = PatientFactory(name="Maria Rossi", created_by=user)
    PrimaryTumourFactory(patient=patient)
    lesion = LesionFactory(patient=patient, label="L1", organ="lung", detected_on=dt.date(2021, 3, 1))
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 3, 1), size_mm=Decimal("18"))
    LesionFactory(patient=patient, label="B1", organ="brain", detected_on=dt.date(2024, 2, 1))
    login(user)

    page.goto(live_server.url + patient.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    row = page.locator("#lesions tbody tr", has=page.get_by_role("rowheader", name="L1"))
    expect(row).to_contain_text("18 mm")
    row.get_by_role("link", name="Add size to L1").click()
    wait_for_htmx(page)
    editor = page.locator("#editor-lesions")
    expect(editor.get_by_label("Lesion")).to_have_value(str(lesion.pk))
    editor.get_by_label("Date").fill("2021-09-01")
    editor.get_by_label("Longest diameter (mm)").fill("26.5")
    editor.get_by_role("button", name="Save").click()
    wait_for_htmx(page)

    row = page.locator("#lesions tbody tr", has=page.get_by_role("rowheader", name="L1"))
    expect(row).to_contain_text("26.5 mm")
    expect(row).to_contain_text("larger than")
    expect(page.locator("#editor-lesions")).to_contain_text("Added the measurement.")
    expect(page.locator(f'#timeline [data-lane="lesion-{lesion.public_id}"] text', has_text="26.5")).to_have_count(1)
    expect(page.locator('#size-chart [data-lesion="L1"] title', has_text="26.5 mm")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "patient_record_after_inline_measurement.png"), full_page=True)


def test_patient_record_inline_error_stays_in_the_form(page, live_server, login):
    user = UserFactory(username="presenter")
    patient = PatientFactory(created_by=user)
    LesionFactory(patient=patient, label="L1", detected_on=dt.date(2021, 3, 1))
    login(user)

    page.goto(live_server.url + patient.get_absolute_url())
    page.get_by_role("link", name="Add ECOG").click()
    wait_for_htmx(page)
    editor = page.locator("#editor-status")
    editor.get_by_label("Date").fill("2024-01-01")
    editor.get_by_label("ECOG").fill("7")
    editor.get_by_role("button", name="Save").click()
    wait_for_htmx(page)

    expect(page.locator("#editor-status")).to_contain_text("Ensure this value is less than or equal to 4.")
    expect(page.locator("#status")).to_contain_text("No ECOG recorded.")

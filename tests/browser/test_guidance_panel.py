import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.boards.factories import AgendaItemFactory, BoardMembershipFactory
from tests.browser.conftest import wait_for_htmx
from tests.guidance.db_factories import crc_patient, install_releases

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_guidance_panel_board_input_changes_the_findings(page, live_server, login):
    install_releases()
    patient = crc_patient(name="Browser Patient")
    agenda_item = AgendaItemFactory(patient=patient)
    login(BoardMembershipFactory(board=agenda_item.meeting.board, user__username="board-member").user)

    page.goto(live_server.url + reverse("guidance:patient-guidance", args=[patient.public_id]))
    panel = page.locator("#guidance-panel")
    expect(panel.get_by_role("heading", name="Guidance")).to_be_visible()
    expect(panel.locator("#finding-CRLM-LT-01")).to_have_count(0)

    page.get_by_label("Resectability").select_option("upfront_resectable")
    page.get_by_label("All sites safely treatable").select_option("true")
    page.get_by_role("button", name="Re-evaluate").click()
    wait_for_htmx(page)

    expect(page.locator("#guidance-panel #finding-CRLM-LT-01")).to_be_visible()
    expect(page.locator("#guidance-panel")).to_contain_text(re.compile(r"OMD verdict:\s*Oligometastatic"))
    expect(page.get_by_label("Resectability")).to_have_value("upfront_resectable")


def test_guidance_panel_links_a_missing_board_input_to_its_field_and_labels_facts(page, live_server, login):
    install_releases()
    patient = crc_patient(name="Link Patient")
    agenda_item = AgendaItemFactory(patient=patient)
    login(BoardMembershipFactory(board=agenda_item.meeting.board, user__username="board-member").user)

    page.goto(live_server.url + reverse("guidance:patient-guidance", args=[patient.public_id]))
    panel = page.locator("#guidance-panel")
    expect(panel.locator(".verdict")).to_contain_text("Undetermined")
    expect(panel.locator(".verdict")).not_to_contain_text("— undetermined")

    panel.get_by_role("link", name="All sites safely treatable (board input)").first.click()
    expect(page).to_have_url(re.compile(r"#id_all_sites_safely_treatable$"))
    expect(page.locator("#id_all_sites_safely_treatable")).to_be_in_viewport()

    page.get_by_label("All sites safely treatable").select_option("true")
    page.get_by_role("button", name="Re-evaluate").click()
    wait_for_htmx(page)
    finding = page.locator("#guidance-panel #finding-CRLM-CLS-01")
    finding.get_by_text("Facts used").click()
    expect(finding.locator(".facts-used")).to_contain_text("Number of metastases")
    expect(finding.locator("code.fact-code").first).to_be_visible()

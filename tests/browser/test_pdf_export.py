"""A coordinator prints the meeting pack: the page shows the queue, case-by-case progress, then the download."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from boards.models import Role, Specialty
from reports import services
from reports.models import PdfExport
from tests.boards.factories import AgendaItemFactory, BoardFactory, BoardMembershipFactory, MeetingFactory
from tests.browser.conftest import wait_for_htmx
from tests.factories import UserFactory
from tests.reports.records import acc_patient, pdf_text

MEETING_START = dt.datetime(2024, 5, 14, 16, 0, tzinfo=dt.UTC)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", first_name="Cora", last_name="Coordinator")


@pytest.fixture
def meeting(coordinator):
    board = BoardFactory(name="Endocrine tumours board")
    BoardMembershipFactory(board=board, user=coordinator, role=Role.COORDINATOR, specialty=Specialty.NURSING)
    return MeetingFactory(board=board, created_by=coordinator, starts_at=MEETING_START)


def test_meeting_pack_export_shows_progress_and_download(
    page, live_server, login, settings, monkeypatch, meeting, coordinator, tmp_path
):
    # The real queue: the request only enqueues; the worker below renders.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pdf"]}}
    for position, name in enumerate(["Anna Adrenal", "Bruno Lung"], start=1):
        AgendaItemFactory(meeting=meeting, position=position, patient=acc_patient(name=name, mrn=f"ACC0000{position}"))
    login(coordinator)
    page.goto(f"{live_server.url}/reports/meetings/{meeting.public_id}/")

    page.get_by_role("button", name="Print the meeting pack").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Waiting for the print worker")
    seen_while_printing = []
    render_pdf_parts = services.render_pdf_parts

    def render_and_watch(parts, *, request_user, on_part_done=None, **options):
        def after(index):
            on_part_done(index)
            if index == 1:
                # The page polls by itself: it shows the first case printed while the second is still to come.
                expect(status).to_contain_text("Printing case 1 of 2")
                seen_while_printing.append(status.inner_text())

        return render_pdf_parts(parts, request_user=request_user, on_part_done=after, **options)

    monkeypatch.setattr(services, "render_pdf_parts", render_and_watch)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)

    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible()
    wait_for_htmx(page)
    assert seen_while_printing and re.search(r"Printing case 1 of 2", seen_while_printing[0])
    with page.expect_download() as download_info:
        download_link.click()
    path = tmp_path / "pack.pdf"
    download_info.value.save_as(path)
    text = pdf_text(path.read_bytes())
    assert "Anna Adrenal" in text and "Bruno Lung" in text
    # Each case summary numbers its own pages, so that it reads alone.
    cases = [page for page in text.split("\f") if "Case summary" in page]
    assert len(cases) >= 2 and all("Page 1 of" in case for case in cases[:1])
    export = PdfExport.objects.get()
    assert export.status == PdfExport.Status.DONE
    assert sorted(patient.mrn for patient in export.patients.all()) == ["ACC00001", "ACC00002"]

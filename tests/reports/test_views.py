"""Printing over HTTP: access, background exports with progress, downloads, audit."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reports import services, tasks
from reports.models import PdfExport
from tests.boards.factories import AgendaItemFactory
from tests.reports.records import acc_patient, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed_patient(meeting, surgeon):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    AgendaItemFactory(meeting=meeting, position=1, patient=patient, presenter=surgeon)
    return patient


def test_case_summary_is_a_pdf_attachment_with_a_neutral_name(client, surgeon, listed_patient, meeting):
    client.force_login(surgeon)

    response = client.get(
        reverse("reports:case-summary", args=[listed_patient.public_id]), {"meeting": str(meeting.public_id)}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="oligoboard-case-summary-')
    assert "ACC00001" not in disposition and "Anna" not in disposition
    assert response.content.startswith(b"%PDF")
    assert "Is local treatment" in pdf_text(response.content)
    assert AuditEvent.objects.filter(action="pdf.printed", patient=listed_patient, user=surgeon).exists()


def test_case_summary_hides_patients_of_other_boards(client, outsider, listed_patient):
    client.force_login(outsider)

    response = client.get(reverse("reports:case-summary", args=[listed_patient.public_id]))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="pdf.printed").exists()


def test_case_summary_needs_login(client, listed_patient):
    url = reverse("reports:case-summary", args=[listed_patient.public_id])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_case_summary_refuses_a_malformed_meeting_id(client, surgeon, listed_patient):
    client.force_login(surgeon)

    response = client.get(reverse("reports:case-summary", args=[listed_patient.public_id]), {"meeting": "nope"})

    assert response.status_code == 400


def test_meeting_print_queues_export_runs_it_and_shows_the_download(client, coordinator, meeting, listed_patient):
    client.force_login(coordinator)

    response = client.post(reverse("reports:meeting-print", args=[meeting.public_id]), {"kind": "meeting-pack"})

    export = PdfExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == export.get_absolute_url()
    assert export.status == PdfExport.Status.DONE
    assert (export.progress_done, export.progress_total) == (1, 1)
    assert export.requested_by == coordinator
    assert export.file.name == f"exports/meeting-pack-{export.public_id}.pdf"
    page = client.get(export.get_absolute_url())
    assert f'href="{reverse("reports:export-download", args=[export.public_id])}"' in page.text
    assert 'hx-trigger="every 1s"' not in page.text


def test_meeting_print_refuses_an_unknown_kind(client, coordinator, meeting):
    client.force_login(coordinator)

    response = client.post(reverse("reports:meeting-print", args=[meeting.public_id]), {"kind": "everything"})

    assert response.status_code == 200
    assert "Choose the meeting pack or the outcomes." in response.text
    assert not PdfExport.objects.exists()


def test_meeting_print_hides_other_boards_meetings(client, outsider, meeting):
    client.force_login(outsider)

    response = client.post(reverse("reports:meeting-print", args=[meeting.public_id]), {"kind": "outcomes"})

    assert response.status_code == 404
    assert not PdfExport.objects.exists()


def test_export_progress_polls_while_running(client, coordinator, meeting):
    export = PdfExport.objects.create(
        kind=PdfExport.Kind.MEETING_PACK,
        meeting=meeting,
        requested_by=coordinator,
        status=PdfExport.Status.RUNNING,
        progress_stage="Printing",
        progress_done=3,
        progress_total=7,
    )
    client.force_login(coordinator)

    response = client.get(export.get_absolute_url(), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="progress"' in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert "Printing case 3 of 7" in response.text


def test_export_page_shows_a_failure_and_stops_polling(client, coordinator, meeting):
    export = PdfExport.objects.create(
        kind=PdfExport.Kind.OUTCOMES,
        meeting=meeting,
        requested_by=coordinator,
        status=PdfExport.Status.FAILED,
        error="Disk full",
    )
    client.force_login(coordinator)

    response = client.get(export.get_absolute_url(), headers={"HX-Request": "true"})

    assert "Printing failed." in response.text and "Disk full" in response.text
    assert "hx-trigger" not in response.text


@pytest.fixture
def done_export(coordinator, meeting, listed_patient):
    export = services.pdf_export_create(kind="outcomes", meeting=meeting, by=coordinator)
    return services.pdf_export_render(export_id=export.pk)


def test_download_by_a_board_member_is_audited(client, surgeon, done_export):
    client.force_login(surgeon)

    response = client.get(reverse("reports:export-download", args=[done_export.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="oligoboard-outcomes-')
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="pdf.downloaded")
    assert event.user == surgeon
    assert event.target_public_id == str(done_export.public_id)
    # The outcomes name one patient: the download is in that patient's audit trail.
    assert event.patient.mrn == "ACC00001"


def test_download_is_audited_once_per_patient_in_the_file(client, surgeon, coordinator, meeting, listed_patient):
    AgendaItemFactory(meeting=meeting, position=2, patient=acc_patient(name="Bert Second", mrn="ACC00002"))
    export = services.pdf_export_render(
        export_id=services.pdf_export_create(kind="meeting-pack", meeting=meeting, by=coordinator).pk
    )
    client.force_login(surgeon)

    client.get(reverse("reports:export-download", args=[export.public_id]))

    events = AuditEvent.objects.filter(action="pdf.downloaded", user=surgeon)
    assert sorted(event.patient.mrn for event in events) == ["ACC00001", "ACC00002"]
    printed = AuditEvent.objects.filter(action="pdf.printed", user=coordinator)
    assert sorted(event.patient.mrn for event in printed) == ["ACC00001", "ACC00002"]
    assert sorted(patient.mrn for patient in export.patients.all()) == ["ACC00001", "ACC00002"]


def test_download_needs_current_board_membership_even_for_the_requester(client, coordinator, board, done_export):
    client.force_login(coordinator)
    assert client.get(done_export.get_absolute_url()).status_code == 200
    board.memberships.filter(user=coordinator).delete()

    response = client.get(reverse("reports:export-download", args=[done_export.public_id]))
    page = client.get(done_export.get_absolute_url())

    assert response.status_code == 404
    assert page.status_code == 404
    assert not AuditEvent.objects.filter(action="pdf.downloaded").exists()


def test_download_by_a_non_member_is_404(client, outsider, done_export):
    client.force_login(outsider)

    response = client.get(reverse("reports:export-download", args=[done_export.public_id]))
    page = client.get(done_export.get_absolute_url())

    assert response.status_code == 404
    assert page.status_code == 404
    assert not AuditEvent.objects.filter(action="pdf.downloaded").exists()


def test_download_needs_login(client, done_export):
    response = client.get(reverse("reports:export-download", args=[done_export.public_id]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_download_of_an_unfinished_export_goes_back_to_its_page(client, coordinator, meeting):
    export = PdfExport.objects.create(kind=PdfExport.Kind.OUTCOMES, meeting=meeting, requested_by=coordinator)
    client.force_login(coordinator)

    response = client.get(reverse("reports:export-download", args=[export.public_id]))

    assert response.status_code == 302
    assert response["Location"] == export.get_absolute_url()


def test_task_records_progress_case_by_case(coordinator, meeting, monkeypatch, settings):
    settings.PDF_RENDER_PROCESSES = 1  # one process: parts are laid out in order, so the sequence is fixed
    for position in range(1, 4):
        AgendaItemFactory(
            meeting=meeting, position=position, patient=acc_patient(name=f"P{position}", mrn=f"M{position}")
        )
    export = services.pdf_export_create(kind="meeting-pack", meeting=meeting, by=coordinator)
    seen = []

    monkeypatch.setattr(services, "render_pdf_parts", _recording(services.render_pdf_parts, export, seen))

    result = tasks.render_export.enqueue(export.pk)

    export.refresh_from_db()
    assert result.return_value == str(export.public_id)
    assert export.status == PdfExport.Status.DONE
    # The cover is laid out first; each case is then read ("Preparing") and laid out ("Printing") in turn.
    assert seen == [(0, "", 0, 3), (1, "Printing", 1, 3), (2, "Printing", 2, 3), (3, "Printing", 3, 3)]
    assert export.finished_at is not None


def _recording(render_pdf_parts, export, seen):
    """Wrap render_pdf_parts to read the export's stored progress after every part."""

    def wrapper(parts, *, request_user, on_part_done=None, **options):
        def after(index):
            if on_part_done:
                on_part_done(index)
            stored = PdfExport.objects.get(pk=export.pk)
            seen.append((index, stored.progress_stage, stored.progress_done, stored.progress_total))

        return render_pdf_parts(parts, request_user=request_user, on_part_done=after, **options)

    return wrapper


def test_task_marks_a_failed_export(coordinator, meeting, monkeypatch):
    export = services.pdf_export_create(kind="outcomes", meeting=meeting, by=coordinator)

    def broken(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(services, "render_pdf", broken)

    result = tasks.render_export.enqueue(export.pk)

    export.refresh_from_db()
    assert result.status == "FAILED"
    assert export.status == PdfExport.Status.FAILED
    assert "no space left on device" in export.error
    assert not export.file

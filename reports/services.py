"""Printing: render documents, queue and run background exports, audit every print and download.

Every print and download is audited once per patient the document names (AuditEvent has one patient
per row), so that the audit trail of a patient lists every paper that carried their record.
"""

import logging
from collections.abc import Callable, Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from boards.models import AgendaItemStatus, Meeting
from patients.models import Patient
from reports import documents
from reports.models import PdfExport
from reports.rendering import render_pdf, render_pdf_parts, start_render_processes

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def _audit_per_patient(*, by, action: str, target, patients: Iterable[Patient], detail: dict, request=None) -> None:
    """Write one audit row per patient (each once), or one row without a patient when there is none."""
    unique = list({patient.pk: patient for patient in patients}.values())
    for patient in unique or [None]:
        AuditEvent.record(by=by, action=action, target=target, patient=patient, request=request, detail=detail)


def case_summary_print(*, patient: Patient, meeting: Meeting | None, by, request=None) -> bytes:
    """Render one patient's case summary now and audit the print (with the guidance it shows)."""
    now = timezone.now()
    context = documents.case_summary_context(patient, meeting=meeting, user=by, now=now)
    pdf = render_pdf("pdf/case_summary.html", context, request_user=by)
    AuditEvent.record(
        by=by,
        action="pdf.printed",
        target=meeting,
        patient=patient,
        request=request,
        detail={
            "kind": PdfExport.Kind.CASE_SUMMARY,
            "meeting": str(meeting.public_id) if meeting else "",
            "guidance": context["guidance"].audit_detail(),
        },
    )
    return pdf


def meeting_pack_pdf(meeting: Meeting, *, by, progress: Progress | None = None) -> tuple[bytes, list[Patient]]:
    """Render the meeting pack: cover and agenda, then one case summary per agenda item, each alone.

    Return the PDF and the patients it names (every agenda item's, withdrawn ones are on the cover).
    """
    start_render_processes(meeting.agenda_items.count() + 1)
    context = documents.meeting_pack_context(meeting, user=by, now=timezone.now())
    total = context["case_count"]

    def parts():
        yield "pdf/meeting_cover.html", context
        for case in context["cases"]:
            if progress:
                progress("Preparing", case["case_number"], total)
            yield "pdf/case_summary.html", case

    def printed(parts_done: int) -> None:
        # The cover is one part; the others are the cases.
        if progress and parts_done > 0:
            progress("Printing", parts_done, total)

    pdf = render_pdf_parts(parts(), part_count=total + 1, request_user=by, on_part_done=printed)
    return pdf, context["patients"]


def outcomes_pdf(meeting: Meeting, *, by, progress: Progress | None = None) -> tuple[bytes, list[Patient]]:
    """Render the outcomes (minutes) of a meeting; return the PDF and the patients it names."""
    context = documents.outcomes_context(meeting, user=by, now=timezone.now())
    total = len(context["agenda"])
    if progress:
        progress("Printing", 0, total)
    pdf = render_pdf("pdf/outcomes.html", context, request_user=by)
    if progress:
        progress("Printing", total, total)
    return pdf, context["patients"]


RENDERERS = {
    PdfExport.Kind.MEETING_PACK: meeting_pack_pdf,
    PdfExport.Kind.OUTCOMES: outcomes_pdf,
}


def meeting_document_print(
    *, kind: str, meeting: Meeting, by, progress: Progress | None = None, export: PdfExport | None = None
) -> bytes:
    """Render a meeting pack or outcomes now and audit the print once per patient it names."""
    pdf, patients = RENDERERS[kind](meeting, by=by, progress=progress)
    detail = {"kind": kind, "meeting": str(meeting.public_id)}
    if export is not None:
        detail["export"] = str(export.public_id)
        export.patients.set(patients)
    _audit_per_patient(by=by, action="pdf.printed", target=export or meeting, patients=patients, detail=detail)
    return pdf


@transaction.atomic
def pdf_export_create(*, kind: str, meeting: Meeting, by, request=None) -> PdfExport:
    """Queue a meeting pack or outcomes export for a meeting and audit the request."""
    if kind not in RENDERERS:
        raise ValueError(f"{kind!r} is not a background export.")
    agenda_items = meeting.agenda_items.all()
    if kind == PdfExport.Kind.MEETING_PACK:
        agenda_items = agenda_items.exclude(status=AgendaItemStatus.WITHDRAWN)
    export = PdfExport.objects.create(kind=kind, meeting=meeting, requested_by=by, progress_total=agenda_items.count())
    AuditEvent.record(by=by, action="pdf.requested", target=export, request=request, detail={"kind": kind})
    return export


def pdf_export_render(*, export_id: int) -> PdfExport:
    """Render a queued export, recording progress case by case, then store the file or the error."""
    export = PdfExport.objects.select_related("meeting__board", "requested_by").get(pk=export_id)
    PdfExport.objects.filter(pk=export.pk).update(status=PdfExport.Status.RUNNING)

    def progress(stage: str, done: int, total: int) -> None:
        # Saved at once (autocommit) so the export page can poll it while rendering goes on.
        PdfExport.objects.filter(pk=export.pk).update(progress_stage=stage, progress_done=done, progress_total=total)

    try:
        pdf = meeting_document_print(
            kind=export.kind, meeting=export.meeting, by=export.requested_by, progress=progress, export=export
        )
    except Exception as error:
        logger.exception("PDF export %s failed", export.public_id)
        PdfExport.objects.filter(pk=export.pk).update(
            status=PdfExport.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    export.refresh_from_db()
    with transaction.atomic():
        # The storage name comes from reports.models.export_upload_to: kind and export id only.
        export.file.save("export.pdf", ContentFile(pdf), save=False)
        export.status = PdfExport.Status.DONE
        export.progress_done = export.progress_total
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "progress_done", "finished_at"])
    return export


@transaction.atomic
def pdf_export_record_download(*, export: PdfExport, by, request=None) -> None:
    """Audit that a user downloaded an export, once per patient the file names."""
    patients = list(export.patients.all())
    if export.patient_id and export.patient not in patients:
        patients.append(export.patient)
    _audit_per_patient(
        by=by,
        action="pdf.downloaded",
        target=export,
        request=request,
        patients=patients,
        detail={"kind": export.kind, "meeting": str(export.meeting.public_id) if export.meeting_id else ""},
    )

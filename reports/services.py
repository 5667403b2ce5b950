"""Printing: render documents, queue and run background exports, audit every print and download."""

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from boards.models import AgendaItemStatus, Meeting
from patients.models import Patient
from reports import documents
from reports.models import PdfExport
from reports.rendering import render_pdf, render_pdf_parts

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def case_summary_print(*, patient: Patient, meeting: Meeting | None, by, request=None) -> bytes:
    """Render one patient's case summary now and audit the print."""
    now = timezone.now()
    context = documents.case_summary_context(patient, meeting=meeting, user=by, now=now)
    pdf = render_pdf("pdf/case_summary.html", context, request_user=by)
    AuditEvent.record(
        by=by, action="pdf.printed", target=meeting, patient=patient, request=request,
        detail={"kind": PdfExport.Kind.CASE_SUMMARY, "meeting": str(meeting.public_id) if meeting else ""},
    )
    return pdf


def meeting_pack_pdf(meeting: Meeting, *, by, progress: Progress | None = None) -> bytes:
    """Render the meeting pack: cover and agenda, then one case summary per agenda item, each alone."""
    now = timezone.now()
    context = documents.meeting_pack_context(
        meeting, user=by, now=now,
        progress=(lambda done, total: progress("Preparing", done, total)) if progress else None,
    )
    parts = [("pdf/meeting_cover.html", context)]
    parts += [("pdf/case_summary.html", case) for case in context["cases"]]

    def printed(part_index: int) -> None:
        # Part 0 is the cover; part k is case k.
        if progress and part_index > 0:
            progress("Printing", part_index, len(context["cases"]))

    return render_pdf_parts(parts, request_user=by, on_part_done=printed)


def outcomes_pdf(meeting: Meeting, *, by, progress: Progress | None = None) -> bytes:
    """Render the outcomes (minutes) of a meeting."""
    context = documents.outcomes_context(meeting, user=by, now=timezone.now())
    total = len(context["agenda"])
    if progress:
        progress("Printing", 0, total)
    pdf = render_pdf("pdf/outcomes.html", context, request_user=by)
    if progress:
        progress("Printing", total, total)
    return pdf


RENDERERS = {
    PdfExport.Kind.MEETING_PACK: meeting_pack_pdf,
    PdfExport.Kind.OUTCOMES: outcomes_pdf,
}


def meeting_document_print(
    *, kind: str, meeting: Meeting, by, progress: Progress | None = None, export: PdfExport | None = None
) -> bytes:
    """Render a meeting pack or outcomes now and audit the print."""
    pdf = RENDERERS[kind](meeting, by=by, progress=progress)
    AuditEvent.record(
        by=by, action="pdf.printed", target=export or meeting,
        detail={"kind": kind, "meeting": str(meeting.public_id)},
    )
    return pdf


@transaction.atomic
def pdf_export_create(*, kind: str, meeting: Meeting, by, request=None) -> PdfExport:
    """Queue a meeting pack or outcomes export for a meeting and audit the request."""
    if kind not in RENDERERS:
        raise ValueError(f"{kind!r} is not a background export.")
    agenda_items = meeting.agenda_items.all()
    if kind == PdfExport.Kind.MEETING_PACK:
        agenda_items = agenda_items.exclude(status=AgendaItemStatus.WITHDRAWN)
    export = PdfExport.objects.create(
        kind=kind, meeting=meeting, requested_by=by, progress_total=agenda_items.count()
    )
    AuditEvent.record(by=by, action="pdf.requested", target=export, request=request, detail={"kind": kind})
    return export


def pdf_export_render(*, export_id: int) -> PdfExport:
    """Render a queued export, recording progress case by case, then store the file or the error."""
    export = PdfExport.objects.select_related("meeting__board", "requested_by").get(pk=export_id)
    PdfExport.objects.filter(pk=export.pk).update(status=PdfExport.Status.RUNNING)

    def progress(stage: str, done: int, total: int) -> None:
        # Saved at once (autocommit) so the export page can poll it while rendering goes on.
        PdfExport.objects.filter(pk=export.pk).update(
            progress_stage=stage, progress_done=done, progress_total=total
        )

    try:
        pdf = meeting_document_print(
            kind=export.kind, meeting=export.meeting, by=export.requested_by, progress=progress, export=export
        )
    except Exception as error:
        logger.exception("PDF export %s failed", export.public_id)
        PdfExport.objects.filter(pk=export.pk).update(
            status=PdfExport.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000],
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


def pdf_export_record_download(*, export: PdfExport, by, request=None) -> None:
    """Audit that a user downloaded an export."""
    AuditEvent.record(
        by=by, action="pdf.downloaded", target=export, request=request,
        detail={"kind": export.kind, "meeting": str(export.meeting.public_id) if export.meeting_id else ""},
    )

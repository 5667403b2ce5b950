"""Printing: the case summary on request, meeting pack and outcomes as background exports with progress."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from boards.models import Meeting
from patients.access import get_patient_for_user
from patients.models import Patient
from reports import services
from reports.models import PdfExport
from reports.tasks import render_export


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _get_meeting_for_user(request: HttpRequest, public_id: UUID) -> Meeting:
    """Return the meeting if the user sits on its board, else 404."""
    return get_object_or_404(Meeting.objects.visible_to(request.user).select_related("board"), public_id=public_id)


def _get_export_for_user(request: HttpRequest, public_id: UUID) -> PdfExport:
    """Return the export if the user may see its meeting now (or its patient, without a meeting), else 404.

    Having requested an export is not enough: someone who has left the board may no longer read its pack.
    """
    meetings = Meeting.objects.visible_to(request.user)
    exports = PdfExport.objects.filter(
        Q(meeting__in=meetings) | Q(meeting__isnull=True, patient__in=Patient.objects.visible_to(request.user))
    )
    return get_object_or_404(exports.select_related("meeting__board", "requested_by"), public_id=public_id)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def case_summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # Outsiders get the same 404 as for an unknown id, and the refusal is audited (patients.access).
    patient = get_patient_for_user(request, public_id)
    meeting = None
    if meeting_id := request.GET.get("meeting"):
        try:
            meeting = _get_meeting_for_user(request, UUID(meeting_id))
        except ValueError:
            return HttpResponse("The meeting id is not valid.", status=400, content_type="text/plain")
    pdf = services.case_summary_print(patient=patient, meeting=meeting, by=request.user, request=request)
    # The file name says what and when, never who: no patient identifiers leave in file names.
    return _pdf_response(pdf, f"oligoboard-case-summary-{timezone.localtime():%Y%m%d-%H%M%S}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_print(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _get_meeting_for_user(request, public_id)
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind in services.RENDERERS:
            export = services.pdf_export_create(kind=kind, meeting=meeting, by=request.user, request=request)
            render_export.enqueue(export.pk)
            return redirect(export)
        error = "Choose the meeting pack or the outcomes."
    else:
        error = ""
    exports = PdfExport.objects.filter(meeting=meeting).select_related("requested_by")[:20]
    context = {"meeting": meeting, "exports": exports, "error": error, "kinds": services.RENDERERS}
    return render(request, "reports/meeting_print.html", context)


@login_required
@require_GET
def export_detail(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    export = _get_export_for_user(request, public_id)
    template = "reports/export_detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#progress"
    return render(request, template, {"export": export})


@login_required
@require_GET
def export_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    export = _get_export_for_user(request, public_id)
    if export.status != PdfExport.Status.DONE or not export.file:
        return redirect(export)
    services.pdf_export_record_download(export=export, by=request.user, request=request)
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.download_filename,
        content_type="application/pdf",
    )

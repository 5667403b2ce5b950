"""What the board views share: request type, access helpers, form errors, the attendance block, htmx events."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from boards import policies
from boards.forms import AttendanceForm
from boards.models import SPECIALTY_LABELS, Board, BoardMembership, Meeting
from boards.quorum import quorum_at

# Sent with every attendance change, so the review's sign-off block re-checks the quorum without a reload.
QUORUM_CHANGED = "quorum-changed"
# Sent when the review's board inputs re-evaluate the guidance: the sign-off must sign the new evaluation.
GUIDANCE_CHANGED = "guidance-changed"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def get_board_for_user(request: HttpRequest, public_id: UUID) -> Board:
    """Return the board if the user sits on it, else 404."""
    return get_object_or_404(Board.objects.visible_to(request.user), public_id=public_id)


def get_meeting_for_user(request: HttpRequest, public_id: UUID) -> Meeting:
    """Return the meeting if the user sits on its board, else 404."""
    meetings = Meeting.objects.visible_to(request.user).select_related("board")
    return get_object_or_404(meetings, public_id=public_id)


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """An htmx request for a fragment (a history-cache miss gets the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or the form when no field is named)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def attendance_context(meeting: Meeting, membership: BoardMembership | None, **forms) -> dict:
    """The attendance block of the meeting page and the case review, with its quorum at this moment."""
    attendances = list(meeting.attendances.select_related("user", "withdrawn_by").order_by("arrived_at", "id"))
    quorum = quorum_at(meeting.board.required_specialties, attendances, timezone.now())
    correction = forms.get("attendance_correction") or {}
    for attendance in attendances:
        attendance.errors = correction.get("errors") if correction.get("pk") == attendance.pk else None
        attendance.form_values = correction.get("values") if correction.get("pk") == attendance.pk else None
    return {
        "attendances": attendances,
        "quorum": quorum,
        "quorum_missing": policies.quorum_missing_labels(quorum),
        "specialty_labels": SPECIALTY_LABELS,
        "attendance_form": forms.get("attendance_form") or AttendanceForm(board=meeting.board),
        "can_record_attendance": policies.can_record_attendance(meeting, membership),
    }

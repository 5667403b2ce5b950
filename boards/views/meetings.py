"""Boards, the meeting page (agenda, readiness, attendance, closing) and, after the meeting, outcomes."""

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh, trigger_client_event

from audit.models import AuditEvent
from boards import policies, services
from boards.access import can_list_any_patient, membership_of
from boards.dashboard import board_dashboard_rows
from boards.forms import (
    AgendaItemAddForm,
    AgendaItemForm,
    AttendanceCorrectionForm,
    AttendanceForm,
    CloseMeetingForm,
    FollowUpForm,
    MeetingForm,
    PatientSearchForm,
    ReasonForm,
)
from boards.models import AgendaItem, Attendance, Board, BoardMembership, Decision, Meeting, MeetingStatus
from boards.readiness import readiness_problems
from boards.views.common import (
    QUORUM_CHANGED,
    HtmxHttpRequest,
    attendance_context,
    form_errors,
    get_board_for_user,
    get_meeting_for_user,
    wants_fragment,
)
from patients.models import Patient
from patients.services import EditConflict

# Boards


@login_required
@require_GET
def board_list(request: HttpRequest) -> HttpResponse:
    boards = Board.objects.visible_to(request.user).order_by("name")
    return render(request, "boards/board_list.html", {"boards": boards})


@login_required
@require_http_methods(["GET", "POST"])
def board_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    board = get_board_for_user(request, public_id)
    membership = membership_of(request.user, board)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(board=board, by=request.user, **form.cleaned_data)
        except policies.PolicyError as error:
            messages.error(request, str(error))
            return redirect(board)
        except ValidationError as error:
            form_errors(form, error)
        else:
            return redirect(meeting)
    now = timezone.now()
    meetings = list(board.meetings.order_by("starts_at"))
    context = {
        "board": board,
        "memberships": BoardMembership.objects.for_board_page(board),
        "upcoming": [m for m in meetings if m.status != MeetingStatus.CLOSED and m.starts_at >= now - _DAY],
        "past": [m for m in reversed(meetings) if m.status == MeetingStatus.CLOSED or m.starts_at < now - _DAY],
        "form": form,
        "can_create_meeting": policies.can_create_meeting(membership),
    }
    return render(request, "boards/board_detail.html", context)


_DAY = dt.timedelta(days=1)


@login_required
@require_GET
def board_dashboard(request: HttpRequest, public_id: UUID) -> HttpResponse:
    board = get_board_for_user(request, public_id)
    rows, totals = board_dashboard_rows(Meeting.objects.for_dashboard(board))
    return render(request, "boards/board_dashboard.html", {"board": board, "rows": rows, "totals": totals})


# Meeting: agenda, readiness, attendance


def _agenda_edit_values(agenda_item: AgendaItem, conflicts: dict) -> dict:
    """The question form's values: the saved ones, or after a conflict the user's input on the other's version."""
    conflict = conflicts.get(agenda_item.pk)
    if conflict is not None:
        return conflict["mine"]
    return {"question": agenda_item.question, "presenter_id": agenda_item.presenter_id, "version": agenda_item.version}


def _meeting_context(request: HttpRequest, meeting: Meeting, membership: BoardMembership | None, **forms) -> dict:
    agenda_items = list(AgendaItem.objects.for_agenda(meeting))
    profile = meeting.board.readiness_profile
    day = timezone.localdate(meeting.starts_at)
    conflicts = forms.get("item_conflicts", {})
    for agenda_item in agenda_items:
        agenda_item.readiness = readiness_problems(agenda_item.patient, profile, day)
        agenda_item.decision = next((d for d in agenda_item.decisions.all() if not d.amends_id), None)
        agenda_item.errors = forms.get("item_errors", {}).get(agenda_item.pk)
        agenda_item.conflict = conflicts.get(agenda_item.pk, {}).get("theirs")
        agenda_item.edit = _agenda_edit_values(agenda_item, conflicts)
    can_change_agenda = policies.can_change_agenda(meeting, membership)
    members = list(BoardMembership.objects.for_board_page(meeting.board))
    return {
        "meeting": meeting,
        "membership": membership,
        "agenda_items": agenda_items,
        "members": members,
        "add_form": forms.get("add_form") or AgendaItemAddForm(board=meeting.board),
        "can_change_agenda": can_change_agenda,
        "can_start_meeting": policies.can_start_meeting(meeting, membership),
        "can_close_meeting": policies.can_close_meeting(meeting, membership),
        "close_pending": forms.get("close_pending"),
        "close_form": forms.get("close_form") or CloseMeetingForm(),
        **_search_context(request, meeting, membership),
        **attendance_context(meeting, membership, **forms),
    }


def _search_context(request: HttpRequest, meeting: Meeting, membership: BoardMembership | None) -> dict:
    """The patient search: the query comes from the POST body only, never from the URL."""
    form = PatientSearchForm(request.POST if request.method == "POST" else None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    results = []
    if query and policies.can_change_agenda(meeting, membership) and can_list_any_patient(request.user):
        results = list(Patient.objects.current().for_list().search(query)[:20])
    return {"query": query, "search_results": results}


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    meeting = get_meeting_for_user(request, public_id)
    membership = membership_of(request.user, meeting.board_id)
    if request.method == "GET":
        AuditEvent.record(by=request.user, action="meeting.viewed", target=meeting, request=request)
        return render(request, "boards/meeting_detail.html", _meeting_context(request, meeting, membership))
    action = request.POST.get("action", "")
    handler = _MEETING_ACTIONS.get(action)
    if handler is None:
        raise Http404("Unknown action.")
    try:
        forms = handler(request, meeting) or {}
    except policies.PolicyError as error:
        forms = {"action_error": str(error)}
    partial = _MEETING_ACTION_PARTIALS[action]
    if not wants_fragment(request):
        if forms.get("action_error"):
            messages.error(request, forms["action_error"])
            return redirect(meeting)
        if not forms:
            return redirect(meeting)
        return render(request, "boards/meeting_detail.html", _meeting_context(request, meeting, membership, **forms))
    if partial is None:
        if not forms:
            return HttpResponseClientRefresh()
        partial = "meeting_detail.html#meeting-actions"
    if partial.startswith("_meeting.html"):
        context = {"meeting": meeting, **attendance_context(meeting, membership, **forms)}
    elif partial.endswith("#patient-results"):
        context = {
            "meeting": meeting,
            "add_form": AgendaItemAddForm(board=meeting.board),
            **_search_context(request, meeting, membership),
        }
    else:
        context = _meeting_context(request, meeting, membership, **forms)
    context["action_error"] = forms.get("action_error")
    response = render(request, f"boards/{partial}", context)
    if action in _ATTENDANCE_ACTIONS:
        trigger_client_event(response, QUORUM_CHANGED)
    return response


def _agenda_item_from_post(request: HttpRequest, meeting: Meeting) -> AgendaItem:
    try:
        return meeting.agenda_items.select_related("meeting").get(public_id=request.POST.get("agenda_item"))
    except (AgendaItem.DoesNotExist, ValidationError):
        raise Http404("No such case on this agenda.") from None


def _search(request: HttpRequest, meeting: Meeting) -> dict:
    # Not a change: the page (or its results fragment) is rendered with the posted query.
    return {"searched": True}


def _add_case(request: HttpRequest, meeting: Meeting) -> dict | None:
    form = AgendaItemAddForm(request.POST, board=meeting.board)
    if form.is_valid():
        try:
            services.agenda_item_add(meeting=meeting, by=request.user, **form.cleaned_data)
            return None
        except ValidationError as error:
            form_errors(form, error)
    return {"add_form": form}


def _update_case(request: HttpRequest, meeting: Meeting) -> dict | None:
    agenda_item = _agenda_item_from_post(request, meeting)
    form = AgendaItemForm(request.POST, instance=AgendaItem(meeting=meeting), board=meeting.board)
    if not form.is_valid():
        return {"item_errors": {agenda_item.pk: form.errors}}
    presenter = form.cleaned_data["presenter"]
    try:
        services.agenda_item_update(
            agenda_item=agenda_item,
            question=form.cleaned_data["question"],
            presenter=presenter,
            expected_version=form.cleaned_data["version"],
            by=request.user,
        )
    except EditConflict as conflict:
        theirs = conflict.current
        mine = {
            "question": form.cleaned_data["question"],
            "presenter_id": presenter.pk if presenter else None,
            "version": theirs.version,
        }
        return {"item_conflicts": {agenda_item.pk: {"theirs": theirs, "mine": mine}}}
    except ValidationError as error:
        form_errors(form, error)
        return {"item_errors": {agenda_item.pk: form.errors}}
    return None


def _move_case(request: HttpRequest, meeting: Meeting) -> None:
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404("Unknown direction.")
    services.agenda_item_move(
        agenda_item=_agenda_item_from_post(request, meeting), direction=direction, by=request.user
    )


def _set_case_aside(request: HttpRequest, meeting: Meeting) -> dict | None:
    agenda_item = _agenda_item_from_post(request, meeting)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service = services.agenda_item_defer if request.POST["action"] == "defer" else services.agenda_item_withdraw
        service(agenda_item=agenda_item, reason=form.cleaned_data["reason"], by=request.user)
        return None
    return {"item_errors": {agenda_item.pk: form.errors}}


def _on_meeting_day(meeting: Meeting, time: dt.time | None) -> dt.datetime | None:
    """A time of day entered for the meeting, as a moment on the meeting's day."""
    if time is None:
        return None
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(meeting.starts_at), time))


def _arrive(request: HttpRequest, meeting: Meeting) -> dict | None:
    form = AttendanceForm(request.POST, board=meeting.board)
    if form.is_valid():
        user = form.cleaned_data["user"]
        specialty = form.cleaned_data["specialty"] or meeting.board.memberships.get(user=user).specialty
        arrived_at = _on_meeting_day(meeting, form.cleaned_data["arrived_at"])
        try:
            services.attendance_record(
                meeting=meeting, user=user, specialty=specialty, arrived_at=arrived_at, by=request.user
            )
            return None
        except ValidationError as error:
            form_errors(form, error)
    return {"attendance_form": form}


def _attendance_from_post(request: HttpRequest, meeting: Meeting) -> Attendance:
    attendance_id = request.POST.get("attendance", "")
    # isdigit() alone lets through "²", which int() refuses.
    is_key = attendance_id.isascii() and attendance_id.isdigit() and len(attendance_id) < 19
    attendance = meeting.attendances.filter(pk=attendance_id).first() if is_key else None
    if attendance is None:
        raise Http404("No such attendance.")
    return attendance


def _leave(request: HttpRequest, meeting: Meeting) -> dict | None:
    attendance = _attendance_from_post(request, meeting)
    try:
        services.attendance_leave(attendance=attendance, by=request.user)
    except ValidationError as error:
        return {"action_error": " ".join(error.messages)}
    return None


def _correct_attendance(request: HttpRequest, meeting: Meeting) -> dict | None:
    attendance = _attendance_from_post(request, meeting)
    form = AttendanceCorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.attendance_update(
                attendance=attendance,
                arrived_at=_on_meeting_day(meeting, form.cleaned_data["arrived_at"]),
                left_at=_on_meeting_day(meeting, form.cleaned_data["left_at"]),
                by=request.user,
            )
            return None
        except ValidationError as error:
            form_errors(form, error)
    values = {"arrived_at": request.POST.get("arrived_at", ""), "left_at": request.POST.get("left_at", "")}
    return {"attendance_correction": {"pk": attendance.pk, "errors": form.errors, "values": values}}


def _withdraw_attendance(request: HttpRequest, meeting: Meeting) -> dict | None:
    attendance = _attendance_from_post(request, meeting)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.attendance_withdraw(attendance=attendance, reason=form.cleaned_data["reason"], by=request.user)
        return None
    values = {"reason": request.POST.get("reason", "")}
    return {"attendance_correction": {"pk": attendance.pk, "errors": form.errors, "values": values}}


def _start(request: HttpRequest, meeting: Meeting) -> None:
    services.meeting_start(meeting=meeting, by=request.user)


def _close(request: HttpRequest, meeting: Meeting) -> dict | None:
    defer_reason = ""
    if request.POST["action"] == "close-deferring":
        form = CloseMeetingForm(request.POST)
        if not form.is_valid():
            return {"close_pending": services.cases_without_signed_decision(meeting), "close_form": form}
        defer_reason = form.cleaned_data["defer_reason"]
    try:
        services.meeting_close(meeting=meeting, by=request.user, defer_reason=defer_reason)
    except services.CasesPending as pending:
        return {"close_pending": pending.agenda_items}
    return None


_MEETING_ACTIONS = {
    "search": _search,
    "add": _add_case,
    "update": _update_case,
    "move": _move_case,
    "defer": _set_case_aside,
    "withdraw": _set_case_aside,
    "arrive": _arrive,
    "leave": _leave,
    "correct-attendance": _correct_attendance,
    "withdraw-attendance": _withdraw_attendance,
    "start": _start,
    "close": _close,
    "close-deferring": _close,
}
_ATTENDANCE_ACTIONS = {"arrive", "leave", "correct-attendance", "withdraw-attendance"}
# The fragment an htmx request gets back; None: the whole page changes (refresh, or the actions block on errors).
_MEETING_ACTION_PARTIALS = {
    "search": "meeting_detail.html#patient-results",
    "add": "meeting_detail.html#agenda-section",
    "update": "meeting_detail.html#agenda",
    "move": "meeting_detail.html#agenda",
    "defer": "meeting_detail.html#agenda",
    "withdraw": "meeting_detail.html#agenda",
    **dict.fromkeys(_ATTENDANCE_ACTIONS, "_meeting.html#attendance"),
    "start": None,
    "close": None,
    "close-deferring": None,
}


# After the meeting


@login_required
@require_http_methods(["GET", "POST"])
def meeting_outcomes(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    meeting = get_meeting_for_user(request, public_id)
    membership = membership_of(request.user, meeting.board_id)
    followup_form, followup_decision, saved_message = None, None, ""
    if request.method == "POST":
        followup_decision = get_object_or_404(
            Decision.objects.filter(agenda_item__meeting=meeting), public_id=_uuid(request.POST.get("decision"))
        )
        followup_form = FollowUpForm(request.POST)
        if followup_form.is_valid():
            try:
                services.followup_record(decision=followup_decision, by=request.user, **followup_form.cleaned_data)
            except policies.PolicyError as error:
                followup_form.add_error(None, str(error))
            except ValidationError as error:
                form_errors(followup_form, error)
            else:
                if not wants_fragment(request):
                    messages.success(request, "Follow-up recorded.")
                    return redirect("boards:meeting-outcomes", meeting.public_id)
                # Shown in the swapped fragment: a django message would surface later on an unrelated page.
                saved_message = "Follow-up recorded."
                followup_form, followup_decision = None, None
    agenda_items = list(AgendaItem.objects.for_outcomes(meeting))
    for agenda_item in agenda_items:
        agenda_item.decision_list = list(agenda_item.decisions.all())
    context = {
        "meeting": meeting,
        "agenda_items": agenda_items,
        "can_follow_up": membership is not None and meeting.is_closed,
        "followup_form": followup_form,
        "followup_decision": followup_decision,
        "blank_followup_form": FollowUpForm(),
        "saved_message": saved_message,
    }
    if request.method == "GET":
        AuditEvent.record(by=request.user, action="meeting.outcomes_viewed", target=meeting, request=request)
    template = "boards/meeting_outcomes.html#outcomes" if wants_fragment(request) else "boards/meeting_outcomes.html"
    return render(request, template, context)


def _uuid(value: str | None) -> UUID:
    try:
        return UUID(value or "")
    except ValueError:
        raise Http404("No such decision.") from None

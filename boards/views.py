"""Board pages: boards, the meeting (agenda, readiness, attendance), live case review, outcomes, dashboard.

Every view fetches its object through a `_get_<thing>_for_user` helper: a non-member gets 404.
A page and its actions share one URL; buttons are told apart by `action` in the POST.
"""

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh
from django_htmx.middleware import HtmxDetails

from audit.models import AuditEvent
from boards import policies, services
from boards.access import can_list_any_patient, membership_of
from boards.dashboard import board_dashboard_rows
from boards.forms import (
    AgendaItemAddForm,
    AgendaItemForm,
    AttendanceForm,
    DecisionForm,
    FollowUpForm,
    MeetingForm,
    ReasonForm,
)
from boards.models import (
    SPECIALTY_LABELS,
    AgendaItem,
    Board,
    BoardMembership,
    Decision,
    Meeting,
    MeetingStatus,
)
from boards.quorum import quorum_at
from boards.readiness import readiness_problems
from patients.models import Patient
from patients.timeline import build_timeline
from patients.services import EditConflict


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _get_board_for_user(request: HttpRequest, public_id: UUID) -> Board:
    """Return the board if the user sits on it, else 404."""
    return get_object_or_404(Board.objects.visible_to(request.user), public_id=public_id)


def _get_meeting_for_user(request: HttpRequest, public_id: UUID) -> Meeting:
    """Return the meeting if the user sits on its board, else 404."""
    meetings = Meeting.objects.visible_to(request.user).select_related("board")
    return get_object_or_404(meetings, public_id=public_id)


def _wants_fragment(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or the form when no field is named)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


# Boards


@login_required
@require_GET
def board_list(request: HttpRequest) -> HttpResponse:
    boards = Board.objects.visible_to(request.user).order_by("name")
    return render(request, "boards/board_list.html", {"boards": boards})


@login_required
@require_http_methods(["GET", "POST"])
def board_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    board = _get_board_for_user(request, public_id)
    membership = membership_of(request.user, board)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(board=board, by=request.user, **form.cleaned_data)
        except policies.PolicyError as error:
            messages.error(request, str(error))
            return redirect(board)
        except ValidationError as error:
            _form_errors(form, error)
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
    board = _get_board_for_user(request, public_id)
    rows, totals = board_dashboard_rows(Meeting.objects.for_dashboard(board))
    return render(request, "boards/board_dashboard.html", {"board": board, "rows": rows, "totals": totals})


# Meeting: agenda, readiness, attendance


def _attendance_context(meeting: Meeting, membership: BoardMembership | None, form=None) -> dict:
    attendances = list(meeting.attendances.select_related("user").order_by("arrived_at", "id"))
    quorum = quorum_at(meeting.board.required_specialties, attendances, timezone.now())
    return {
        "attendances": attendances,
        "quorum": quorum,
        "quorum_missing": policies.quorum_missing_labels(quorum),
        "specialty_labels": SPECIALTY_LABELS,
        "attendance_form": form or AttendanceForm(board=meeting.board),
        "can_record_attendance": policies.can_record_attendance(meeting, membership),
    }


def _meeting_context(request: HttpRequest, meeting: Meeting, membership: BoardMembership | None, **forms) -> dict:
    agenda_items = list(AgendaItem.objects.for_agenda(meeting))
    profile = meeting.board.readiness_profile
    day = timezone.localdate(meeting.starts_at)
    for agenda_item in agenda_items:
        agenda_item.readiness = readiness_problems(agenda_item.patient, profile, day)
        agenda_item.decision = next((d for d in agenda_item.decisions.all() if not d.amends_id), None)
        agenda_item.errors = forms.get("item_errors", {}).get(agenda_item.pk)
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()
    can_change_agenda = policies.can_change_agenda(meeting, membership)
    members = list(BoardMembership.objects.for_board_page(meeting.board))
    return {
        "meeting": meeting,
        "membership": membership,
        "agenda_items": agenda_items,
        "members": members,
        "query": query,
        "search_results": _patient_search(request, query) if can_change_agenda else [],
        "add_form": forms.get("add_form") or AgendaItemAddForm(board=meeting.board),
        "can_change_agenda": can_change_agenda,
        "can_start_meeting": policies.can_start_meeting(meeting, membership),
        "can_close_meeting": policies.can_close_meeting(meeting, membership),
        **_attendance_context(meeting, membership, forms.get("attendance_form")),
    }


def _patient_search(request: HttpRequest, query: str) -> list[Patient]:
    if not query or not can_list_any_patient(request.user):
        return []
    return list(Patient.objects.current().for_list().search(query)[:20])


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _get_meeting_for_user(request, public_id)
    membership = membership_of(request.user, meeting.board_id)
    forms, partial = {}, "meeting_detail.html"
    if request.method == "POST":
        action = request.POST.get("action", "")
        handler = _MEETING_ACTIONS.get(action)
        if handler is None:
            raise Http404("Unknown action.")
        partial = _MEETING_ACTION_PARTIALS[action]
        try:
            forms = handler(request, meeting) or {}
        except policies.PolicyError as error:
            forms = {"action_error": str(error)}
        if not forms and not _wants_fragment(request):
            return redirect(meeting)
        if not forms and partial == "meeting_detail.html":
            return HttpResponseClientRefresh()
        if forms.get("action_error") and not _wants_fragment(request):
            messages.error(request, forms["action_error"])
            return redirect(meeting)
    elif _wants_fragment(request) and "q" in request.GET:
        partial = "meeting_detail.html#patient-results"
    if not _wants_fragment(request):
        partial = "meeting_detail.html"
    if partial.startswith("_meeting.html"):
        context = {"meeting": meeting, **_attendance_context(meeting, membership, forms.get("attendance_form"))}
    elif partial.endswith("#patient-results"):
        query = request.GET.get("q", "").strip()
        context = {"meeting": meeting, "query": query, "add_form": AgendaItemAddForm(board=meeting.board),
                   "search_results": _patient_search(request, query) if policies.can_change_agenda(meeting, membership) else []}
    else:
        context = _meeting_context(request, meeting, membership, **forms)
    context["action_error"] = forms.get("action_error")
    if request.method == "GET" and partial == "meeting_detail.html":
        AuditEvent.record(by=request.user, action="meeting.viewed", target=meeting, request=request)
    return render(request, f"boards/{partial}", context)


def _agenda_item_from_post(request: HttpRequest, meeting: Meeting) -> AgendaItem:
    try:
        return meeting.agenda_items.select_related("meeting").get(public_id=request.POST.get("agenda_item"))
    except (AgendaItem.DoesNotExist, ValidationError):
        raise Http404("No such case on this agenda.") from None


def _add_case(request: HttpRequest, meeting: Meeting) -> dict | None:
    form = AgendaItemAddForm(request.POST, board=meeting.board)
    if form.is_valid():
        try:
            services.agenda_item_add(meeting=meeting, by=request.user, **form.cleaned_data)
            return None
        except ValidationError as error:
            _form_errors(form, error)
    return {"add_form": form}


def _update_case(request: HttpRequest, meeting: Meeting) -> dict | None:
    agenda_item = _agenda_item_from_post(request, meeting)
    form = AgendaItemForm(request.POST, instance=AgendaItem(meeting=meeting), board=meeting.board)
    if form.is_valid():
        services.agenda_item_update(
            agenda_item=agenda_item, question=form.cleaned_data["question"],
            presenter=form.cleaned_data["presenter"], by=request.user,
        )
        return None
    return {"item_errors": {agenda_item.pk: form.errors}}


def _move_case(request: HttpRequest, meeting: Meeting) -> None:
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404("Unknown direction.")
    services.agenda_item_move(agenda_item=_agenda_item_from_post(request, meeting), direction=direction, by=request.user)


def _set_case_aside(request: HttpRequest, meeting: Meeting) -> dict | None:
    agenda_item = _agenda_item_from_post(request, meeting)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service = services.agenda_item_defer if request.POST["action"] == "defer" else services.agenda_item_withdraw
        service(agenda_item=agenda_item, reason=form.cleaned_data["reason"], by=request.user)
        return None
    return {"item_errors": {agenda_item.pk: form.errors}}


def _arrive(request: HttpRequest, meeting: Meeting) -> dict | None:
    form = AttendanceForm(request.POST, board=meeting.board)
    if form.is_valid():
        user = form.cleaned_data["user"]
        specialty = form.cleaned_data["specialty"] or meeting.board.memberships.get(user=user).specialty
        arrived_at = form.cleaned_data["arrived_at"]
        if arrived_at is not None:
            day = timezone.localdate(meeting.starts_at)
            arrived_at = timezone.make_aware(dt.datetime.combine(day, arrived_at))
        try:
            services.attendance_record(meeting=meeting, user=user, specialty=specialty, arrived_at=arrived_at, by=request.user)
            return None
        except ValidationError as error:
            _form_errors(form, error)
    return {"attendance_form": form}


def _leave(request: HttpRequest, meeting: Meeting) -> dict | None:
    attendance_id = request.POST.get("attendance", "")
    # isdigit() alone lets through "²", which int() refuses.
    is_key = attendance_id.isascii() and attendance_id.isdigit()
    attendance = meeting.attendances.filter(pk=attendance_id).first() if is_key else None
    if attendance is None:
        raise Http404("No such attendance.")
    try:
        services.attendance_leave(attendance=attendance, by=request.user)
    except ValidationError as error:
        return {"action_error": " ".join(error.messages)}
    return None


def _start(request: HttpRequest, meeting: Meeting) -> None:
    services.meeting_start(meeting=meeting, by=request.user)


def _close(request: HttpRequest, meeting: Meeting) -> None:
    services.meeting_close(meeting=meeting, by=request.user)


_MEETING_ACTIONS = {
    "add": _add_case, "update": _update_case, "move": _move_case, "defer": _set_case_aside,
    "withdraw": _set_case_aside, "arrive": _arrive, "leave": _leave, "start": _start, "close": _close,
}
_MEETING_ACTION_PARTIALS = {
    "add": "meeting_detail.html#agenda-section", "update": "meeting_detail.html#agenda",
    "move": "meeting_detail.html#agenda", "defer": "meeting_detail.html#agenda",
    "withdraw": "meeting_detail.html#agenda", "arrive": "_meeting.html#attendance",
    "leave": "_meeting.html#attendance", "start": "meeting_detail.html", "close": "meeting_detail.html",
}


# Live case review


def _review_context(request: HttpRequest, meeting: Meeting, position: int, **extra) -> dict:
    membership = membership_of(request.user, meeting.board_id)
    agenda_item = AgendaItem.objects.for_review(meeting, position).first()
    if agenda_item is None:
        raise Http404("No case at this position.")
    agenda_item.meeting = meeting
    positions = list(meeting.agenda_items.order_by("position").values_list("position", flat=True))
    decisions = list(agenda_item.decisions.all())
    decision = next((d for d in decisions if not d.amends_id), None)
    attendance = _attendance_context(meeting, membership)
    patient = agenda_item.patient
    can_edit = policies.can_edit_decision(agenda_item, decision, membership)
    can_amend = decision is not None and policies.can_amend_decision(decision, membership)
    form = extra.pop("form", None)
    if form is None and can_edit:
        form = DecisionForm(instance=decision, lesions=patient.lesions.current().order_by("label"))
    return {
        "meeting": meeting,
        "membership": membership,
        "agenda_item": agenda_item,
        "patient": patient,
        "readiness": readiness_problems(patient, meeting.board.readiness_profile, timezone.localdate(meeting.starts_at)),
        "decision": decision,
        "addenda": [d for d in decisions if d.amends_id],
        "form": form if can_edit else None,
        "can_sign": decision is not None and policies.can_sign_decision(decision, membership, attendance["quorum"]),
        "is_chair": membership is not None and membership.is_chair,
        "can_amend": can_amend,
        "amend_form": extra.pop("amend_form", None),
        "blank_amend_form": DecisionForm(lesions=patient.lesions.current().order_by("label")) if can_amend else None,
        "age": patient.age_on(timezone.localdate(meeting.starts_at)),
        "timeline": build_timeline(patient, today=timezone.localdate(meeting.starts_at)),
        "position": position,
        "count": len(positions),
        "index": positions.index(position) + 1,
        "previous_position": max((p for p in positions if p < position), default=None),
        "next_position": min((p for p in positions if p > position), default=None),
        **attendance,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def meeting_review(request: HtmxHttpRequest, public_id: UUID, position: int) -> HttpResponse:
    meeting = _get_meeting_for_user(request, public_id)
    extra = {}
    if request.method == "POST":
        extra = _review_action(request, meeting, position)
        if not _wants_fragment(request) and ("saved_message" in extra or "action_error" in extra):
            level = messages.success if "saved_message" in extra else messages.error
            level(request, extra.get("saved_message") or extra["action_error"])
            return redirect("boards:meeting-review", meeting.public_id, position)
    context = _review_context(request, meeting, position, **(extra or {}))
    if request.method == "GET":
        AuditEvent.record(
            by=request.user, action="agenda_item.reviewed", target=context["agenda_item"],
            patient=context["patient"], request=request,
        )
    template = "boards/meeting_review.html#decision" if request.method == "POST" and _wants_fragment(request) else "boards/meeting_review.html"
    return render(request, template, context)


def _review_action(request: HttpRequest, meeting: Meeting, position: int) -> dict:
    agenda_item = get_object_or_404(meeting.agenda_items.select_related("patient"), position=position)
    decision = agenda_item.decisions.filter(amends__isnull=True).first()
    action = request.POST.get("action")
    lesions = agenda_item.patient.lesions.current().order_by("label")
    try:
        if action == "decision":
            form = DecisionForm(request.POST, instance=decision, lesions=lesions)
            if not form.is_valid():
                return {"form": form}
            try:
                services.decision_record(
                    agenda_item=agenda_item, by=request.user, expected_version=form.cleaned_data["version"],
                    **form.decision_fields(),
                )
            except EditConflict as conflict:
                return _conflict(request, conflict, lesions)
            except ValidationError as error:
                _form_errors(form, error)
                return {"form": form}
            return {"saved_message": "Decision saved."}
        if action == "sign" and decision is not None:
            try:
                services.decision_sign(decision=decision, by=request.user, expected_version=_int(request.POST.get("version")))
            except EditConflict:
                return {"action_error": "The decision changed after you loaded it; read the current version, then sign."}
            return {"saved_message": "Decision signed and locked."}
        if action == "amend" and decision is not None:
            form = DecisionForm(request.POST, lesions=lesions)
            if not form.is_valid():
                return {"amend_form": form}
            services.decision_amend(decision=decision, by=request.user, **form.decision_fields())
            return {"saved_message": "Addendum signed."}
    except policies.PolicyError as error:
        return {"action_error": str(error)}
    raise Http404("Unknown action.")


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def _conflict(request: HttpRequest, conflict: EditConflict, lesions) -> dict:
    """Keep the user's input, show the other person's saved version, and let them save over it knowingly."""
    theirs: Decision = conflict.current
    data = request.POST.copy()
    data["version"] = str(theirs.version)
    form = DecisionForm(data, instance=theirs, lesions=lesions)
    form.is_valid()
    return {"form": form, "conflict": theirs}


# After the meeting


@login_required
@require_http_methods(["GET", "POST"])
def meeting_outcomes(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    meeting = _get_meeting_for_user(request, public_id)
    membership = membership_of(request.user, meeting.board_id)
    followup_form, followup_decision = None, None
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
                _form_errors(followup_form, error)
            else:
                messages.success(request, "Follow-up recorded.")
                followup_form, followup_decision = None, None
                if not _wants_fragment(request):
                    return redirect("boards:meeting-outcomes", meeting.public_id)
    agenda_items = list(AgendaItem.objects.for_outcomes(meeting))
    for agenda_item in agenda_items:
        agenda_item.decision_list = list(agenda_item.decisions.all())
    context = {
        "meeting": meeting,
        "agenda_items": agenda_items,
        "can_follow_up": membership is not None,
        "followup_form": followup_form,
        "followup_decision": followup_decision,
        "blank_followup_form": FollowUpForm(),
    }
    if request.method == "GET":
        AuditEvent.record(by=request.user, action="meeting.outcomes_viewed", target=meeting, request=request)
    template = "boards/meeting_outcomes.html#outcomes" if _wants_fragment(request) else "boards/meeting_outcomes.html"
    return render(request, template, context)


def _uuid(value: str | None) -> UUID:
    try:
        return UUID(value or "")
    except ValueError:
        raise Http404("No such decision.") from None

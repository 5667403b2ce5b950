"""The live case review: one case at a time on the projector, guidance beside the decision, the chair's sign-off."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from audit.models import AuditEvent
from boards import policies, services
from boards.access import membership_of
from boards.case_review import guidance_as_of, guidance_context, record_summary
from boards.forms import DecisionForm
from boards.models import AgendaItem, Decision, Meeting
from boards.readiness import latest_imaging_on, readiness_problems
from boards.views.common import (
    GUIDANCE_CHANGED,
    HtmxHttpRequest,
    attendance_context,
    form_errors,
    get_meeting_for_user,
    wants_fragment,
)
from guidance.forms import BoardInputsForm
from guidance.models import Evaluation
from patients.services import EditConflict
from patients.timeline import build_timeline


def _review_agenda_item(meeting: Meeting, position: int) -> AgendaItem:
    agenda_item = AgendaItem.objects.for_review(meeting, position).first()
    if agenda_item is None:
        raise Http404("No case at this position.")
    agenda_item.meeting = meeting
    return agenda_item


def _decision_context(request: HttpRequest, agenda_item: AgendaItem, membership, **extra) -> dict:
    """What the decision block and its sign-off need: decision, addenda, forms, quorum and the kept guidance."""
    meeting, patient = agenda_item.meeting, agenda_item.patient
    decisions = list(agenda_item.decisions.all())
    decision = next((d for d in decisions if not d.amends_id), None)
    attendance = attendance_context(meeting, membership)
    can_edit = policies.can_edit_decision(agenda_item, decision, membership)
    can_amend = decision is not None and policies.can_amend_decision(decision, membership)
    lesions = patient.lesions.current().order_by("label")
    # Loaded with the case (AgendaItem.objects.for_review), the lesions need no query of their own.
    loaded = getattr(patient, "current_lesions", None)
    form = extra.pop("form", None)
    if form is None and can_edit:
        form = DecisionForm(instance=decision, lesions=lesions, loaded_lesions=loaded)
    return {
        "meeting": meeting,
        "membership": membership,
        "agenda_item": agenda_item,
        "patient": patient,
        "decision": decision,
        "addenda": [d for d in decisions if d.amends_id],
        "form": form if can_edit else None,
        "can_sign": decision is not None and policies.can_sign_decision(decision, membership, attendance["quorum"]),
        "is_chair": membership is not None and membership.is_chair,
        "can_amend": can_amend,
        "amend_form": extra.pop("amend_form", None),
        "blank_amend_form": DecisionForm(lesions=lesions, loaded_lesions=loaded) if can_amend else None,
        "kept_evaluation": agenda_item.evaluation,
        **attendance,
        **extra,
    }


def _review_context(request: HttpRequest, meeting: Meeting, position: int, **extra) -> dict:
    membership = membership_of(request.user, meeting.board_id)
    agenda_item = _review_agenda_item(meeting, position)
    patient = agenda_item.patient
    day = timezone.localdate(meeting.starts_at)
    guidance = guidance_context(request, agenda_item, membership, form=extra.pop("guidance_form", None))
    return {
        **_decision_context(request, agenda_item, membership, **extra),
        **guidance,
        "readiness": readiness_problems(patient, meeting.board.readiness_profile, day),
        "summary": record_summary(patient),
        "latest_imaging": latest_imaging_on(patient, day),
        "age": patient.age_on(day),
        "timeline": build_timeline(patient, today=day, with_chart=False),  # the review shows no size chart
        "position": position,
        **AgendaItem.objects.place_on_agenda(meeting, position),
    }


@login_required
@require_http_methods(["GET", "POST"])
def meeting_review(request: HtmxHttpRequest, public_id: UUID, position: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, public_id)
    if request.method == "GET" and request.GET.get("part") == "sign-off" and wants_fragment(request):
        membership = membership_of(request.user, meeting.board_id)
        context = _decision_context(request, _review_agenda_item(meeting, position), membership)
        return render(request, "boards/meeting_review.html#sign-off", context)
    if request.method == "POST" and request.POST.get("action") == "guidance":
        return _review_guidance(request, meeting, position)
    extra = {}
    if request.method == "POST":
        extra = _review_action(request, meeting, position)
        if not wants_fragment(request) and ("saved_message" in extra or "action_error" in extra):
            level = messages.success if "saved_message" in extra else messages.error
            level(request, extra.get("saved_message") or extra["action_error"])
            return redirect("boards:meeting-review", meeting.public_id, position)
    if request.method == "POST" and wants_fragment(request):
        membership = membership_of(request.user, meeting.board_id)
        context = _decision_context(request, _review_agenda_item(meeting, position), membership, **extra)
        return render(request, "boards/meeting_review.html#decision", context)
    context = _review_context(request, meeting, position, **extra)
    if request.method == "GET":
        # One row for the case and the guidance shown with it (the evaluation kept with the case).
        evaluation = context["evaluation"]
        AuditEvent.record(
            by=request.user,
            action="agenda_item.reviewed",
            target=context["agenda_item"],
            patient=context["patient"],
            request=request,
            detail={"evaluation": str(evaluation.public_id)} if evaluation is not None else {},
        )
    return render(request, "boards/meeting_review.html", context)


def _review_guidance(request: HtmxHttpRequest, meeting: Meeting, position: int) -> HttpResponse:
    """Board inputs posted in the review: re-evaluate, keep the evaluation with the case, show the panel."""
    membership = membership_of(request.user, meeting.board_id)
    agenda_item = _review_agenda_item(meeting, position)
    data = request.POST.copy()
    # In the meeting the guidance is as of the meeting day, whatever the form says.
    data["as_of"] = guidance_as_of(agenda_item).isoformat()
    context = {
        "agenda_item": agenda_item,
        "patient": agenda_item.patient,
        "meeting": meeting,
        **guidance_context(request, agenda_item, membership, form=BoardInputsForm(data)),
    }
    if not wants_fragment(request):
        if context["guidance_problem"]:
            messages.error(request, context["guidance_problem"])
        return redirect("boards:meeting-review", meeting.public_id, position)
    response = render(request, "boards/meeting_review.html#guidance", context)
    trigger_client_event(response, GUIDANCE_CHANGED)
    return response


def _review_action(request: HttpRequest, meeting: Meeting, position: int) -> dict:
    agenda_item = get_object_or_404(meeting.agenda_items.select_related("patient", "evaluation"), position=position)
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
                    agenda_item=agenda_item,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.decision_fields(),
                )
            except EditConflict as conflict:
                return _conflict(request, conflict, lesions)
            except ValidationError as error:
                form_errors(form, error)
                return {"form": form}
            return {"saved_message": "Decision saved."}
        if action == "sign" and decision is not None:
            try:
                services.decision_sign(
                    decision=decision,
                    by=request.user,
                    expected_version=_int(request.POST.get("version")),
                    expected_evaluation=_posted_evaluation(request, agenda_item),
                )
            except EditConflict:
                return {
                    "action_error": "The decision changed after you loaded it; read the current version, then sign."
                }
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


def _posted_evaluation(request: HttpRequest, agenda_item: AgendaItem) -> Evaluation | None:
    """The evaluation the signing chair's page showed (None: none shown, or not one of this patient's)."""
    try:
        public_id = UUID(request.POST.get("evaluation") or "")
    except ValueError:
        return None
    return Evaluation.objects.filter(patient=agenda_item.patient, public_id=public_id).first()


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

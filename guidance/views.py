from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap
from django_htmx.middleware import HtmxDetails

from guidance import engine, services
from guidance.forms import BoardInputsForm
from guidance.models import Evaluation, GuidelineRelease
from patients.access import get_patient_for_user
from patients.models import Patient

HISTORY_LENGTH = 8


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _get_patient_for_user(request: HttpRequest, public_id: UUID) -> Patient:
    """Return the patient if the user may see the record (a board of theirs lists it), else 404."""
    # Outsiders get the same 404 as for an unknown id, and the refusal is audited (patients.access).
    return get_patient_for_user(request, public_id, Patient.objects.select_related("primary"))


def _shown_evaluation(request: HtmxHttpRequest, patient: Patient, latest: Evaluation | None):
    """Return (evaluation, form) for a GET: a stored evaluation as it was (404 if not the patient's), or none yet."""
    if "evaluation" in request.GET:
        evaluation = get_object_or_404(
            Evaluation.objects.for_patient(patient), public_id=_uuid(request.GET["evaluation"])
        )
        return evaluation, BoardInputsForm(
            initial=BoardInputsForm.initial_from(evaluation.board_inputs, evaluation.as_of)
        )
    if set(request.GET) & set(BoardInputsForm.base_fields):
        form = BoardInputsForm(request.GET)
    else:
        # The board's last stated judgements stay in force until it changes them.
        board_inputs = latest.board_inputs if latest is not None else {}
        form = BoardInputsForm({**BoardInputsForm.initial_from(board_inputs, timezone.localdate())})
    return None, form


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def patient_guidance(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    patient = _get_patient_for_user(request, public_id)
    history = list(Evaluation.objects.for_patient(patient)[:HISTORY_LENGTH])
    latest = history[0] if history else None
    evaluation, problem = None, ""
    if request.method == "POST" and "reevaluate" in request.POST:
        previous = get_object_or_404(
            Evaluation.objects.for_patient(patient), public_id=_uuid(request.POST["reevaluate"])
        )
        form = BoardInputsForm(BoardInputsForm.initial_from(previous.board_inputs, previous.as_of))
    elif request.method == "POST":
        form = BoardInputsForm(request.POST)
    else:
        evaluation, form = _shown_evaluation(request, patient, latest)
    if evaluation is None and form.is_valid():
        try:
            evaluation = services.evaluation_create(
                patient=patient,
                by=request.user,
                as_of=form.cleaned_data["as_of"],
                board_inputs=form.board_inputs(),
                request=request,
                reuse=True,
                kept=latest,
            )
        except (ValidationError, services.NoPublishedRelease, services.EvaluationFailed) as error:
            problem = " ".join(getattr(error, "messages", [str(error)]))
    elif evaluation is None:
        evaluation = latest
    if evaluation is not None:
        evaluation.patient = patient  # already loaded: the audit row and the partials need no query
        services.evaluation_viewed(evaluation=evaluation, by=request.user, request=request)
        if evaluation not in history:
            history = [evaluation, *history][:HISTORY_LENGTH]
    context = {
        "patient": patient,
        "evaluation": evaluation,
        "form": form,
        "problem": problem,
        "history": history,
        "current_release": _current_release(patient, evaluation),
        "disclaimer": engine.DISCLAIMER,
    }
    if request.htmx and not request.htmx.history_restore_request:
        # The panel replaces whatever slot asked for it, so it never nests inside a placeholder.
        return reswap(render(request, "guidance/_evaluation.html#panel", context), "outerHTML")
    return render(request, "guidance/patient_guidance.html", context)


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise Http404("No such evaluation.") from None


def _current_release(patient: Patient, evaluation: Evaluation | None) -> GuidelineRelease | None:
    """The published release of the patient's disease (the shown evaluation's own when it is still published)."""
    disease = getattr(getattr(patient, "primary", None), "disease", None)
    if not disease:
        return None
    if evaluation is not None and evaluation.release.disease == disease and not evaluation.is_superseded:
        return evaluation.release
    return GuidelineRelease.objects.published().filter(disease=disease).first()

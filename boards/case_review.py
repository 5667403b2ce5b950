"""What the live case review shows besides the record itself: a compact treatment summary and the guidance.

The guidance panel of the review is rendered here, from guidance's services and its template partials, so that
the evaluation shown is the one kept with the agenda item (boards.services.agenda_item_evaluate).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from boards import policies, services
from boards.models import AgendaItem, BoardMembership
from guidance import engine
from guidance.forms import BoardInputsForm
from guidance.models import Evaluation, GuidelineRelease
from guidance.services import EvaluationFailed, NoPublishedRelease
from patients.models import LOCAL_EVENT_TYPES, SYSTEMIC_EVENT_TYPES, EventType, Patient

COURSE_EVENT_TYPES = frozenset(
    {EventType.DIAGNOSIS, EventType.METASTATIC_DIAGNOSIS, EventType.RECURRENCE, EventType.PROGRESSION}
)


@dataclass(frozen=True)
class RecordSummary:
    treatments: list
    course: list
    event_count: int
    active_lesion_count: int


def record_summary(patient: Patient) -> RecordSummary:
    """Return the treatments and the disease course of a record loaded with `for_record()` (no queries)."""
    events = patient.current_events
    return RecordSummary(
        treatments=[e for e in events if e.type in SYSTEMIC_EVENT_TYPES or e.type in LOCAL_EVENT_TYPES],
        course=[e for e in events if e.type in COURSE_EVENT_TYPES],
        event_count=len(events),
        active_lesion_count=sum(1 for lesion in patient.current_lesions if not lesion.removed_on),
    )


def guidance_as_of(agenda_item: AgendaItem) -> date:
    """The guidance of a case is computed as of the meeting day (today, for a meeting still ahead)."""
    return min(timezone.localdate(agenda_item.meeting.starts_at), timezone.localdate())


def board_input_summary(evaluation: Evaluation | None) -> list[tuple[str, str]]:
    """Return the evaluation's board inputs as (label, value) words, "not stated" for unknown ones."""
    if evaluation is None:
        return []
    fields = BoardInputsForm.base_fields
    summary = []
    for name in BoardInputsForm.BOARD_INPUT_FIELDS:
        value = evaluation.board_inputs.get(name)
        if value is None or value == "":
            words = "not stated"
        elif isinstance(value, bool):
            words = "yes" if value else "no"
        else:
            words = dict(fields[name].choices).get(value, str(value)).lower()
        summary.append((fields[name].label, words))
    return summary


def _starting_board_inputs(agenda_item: AgendaItem) -> dict:
    """The case's own board inputs; for a first showing, the board's last stated judgements on the patient."""
    if agenda_item.evaluation is not None:
        return agenda_item.evaluation.board_inputs
    latest = Evaluation.objects.for_patient(agenda_item.patient).first()
    return latest.board_inputs if latest is not None else {}


def guidance_context(
    request, agenda_item: AgendaItem, membership: BoardMembership | None, *, form: BoardInputsForm | None = None
) -> dict:
    """Show (and keep with the case) the guidance for the case review, or the evaluation kept when read-only.

    With a valid bound `form` (board inputs posted in the review), the case is re-evaluated with those inputs.
    """
    evaluation, problem = agenda_item.evaluation, ""
    editable = policies.can_show_evaluation(agenda_item, membership)
    if editable:
        as_of = guidance_as_of(agenda_item)
        if form is not None and not form.is_valid():
            board_inputs = None
        elif form is not None:
            board_inputs = form.board_inputs()
        else:
            board_inputs = _starting_board_inputs(agenda_item)
        if board_inputs is not None:
            try:
                evaluation = services.agenda_item_evaluate(
                    agenda_item=agenda_item,
                    as_of=as_of,
                    board_inputs=board_inputs,
                    by=request.user,
                    request=request,
                    membership=membership,
                )
            except (ValidationError, NoPublishedRelease, EvaluationFailed) as error:
                problem = " ".join(getattr(error, "messages", [str(error)]))
            if form is None or form.is_valid():
                shown = evaluation.board_inputs if evaluation is not None else board_inputs
                form = BoardInputsForm(initial=BoardInputsForm.initial_from(shown, as_of))
    if evaluation is not None:
        evaluation.patient = agenda_item.patient  # the partials link to the record; no extra query
    current_release = None
    if evaluation is not None and evaluation.is_superseded:
        current_release = GuidelineRelease.objects.published().filter(disease=evaluation.release.disease).first()
    return {
        "evaluation": evaluation,
        "guidance_form": form if editable else None,
        "guidance_problem": problem,
        "current_release": current_release,
        "disclaimer": engine.DISCLAIMER,
        "board_input_summary": board_input_summary(evaluation),
    }

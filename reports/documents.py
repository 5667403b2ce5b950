"""One context builder per printed document, reading through the same QuerySet methods as the web pages.

The PDF templates include the web pages' partials (patients/_record.html, guidance/_evaluation.html)
with these contexts, so a page and its printout cannot drift apart.
"""

from collections.abc import Callable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from boards.models import SPECIALTY_LABELS, AgendaItem, AgendaItemStatus, BoardMembership, Meeting
from boards.quorum import Quorum, quorum_at
from boards.readiness import readiness_problems
from guidance.engine import DISCLAIMER
from guidance.models import Evaluation
from guidance.services import NoPublishedRelease, evaluation_create
from patients.models import Patient, PrimaryTumour
from patients.timeline import build_timeline


# What the printed decision shows besides the decision row itself.
DECISION_DETAILS = ("decisions__lesions", "decisions__created_by", "decisions__signed_by")


def release_label(evaluation: Evaluation | None) -> str:
    """Return "ACC 2026.1" for the release an evaluation used, or an empty string."""
    if evaluation is None:
        return ""
    return f"{evaluation.release.disease.upper()} {evaluation.release.version}"


def _primary(patient: Patient) -> PrimaryTumour | None:
    try:
        return patient.primary
    except PrimaryTumour.DoesNotExist:
        return None


def _guidance(patient: Patient, agenda_item: AgendaItem | None, *, user, as_of: date):
    """Return (evaluation, why there is none): the one shown at the meeting, else a fresh one."""
    if agenda_item is not None and agenda_item.evaluation_id:
        return agenda_item.evaluation, ""
    try:
        evaluation = evaluation_create(patient=patient, by=user, as_of=as_of, board_inputs={}, reuse=True)
    except ValidationError as error:
        return None, " ".join(error.messages)
    except NoPublishedRelease as error:
        return None, str(error)
    return evaluation, ""


def _case_context(
    patient: Patient, *, agenda_item: AgendaItem | None, meeting: Meeting | None, user, now: datetime
) -> dict:
    """Return the context of one case summary for a patient loaded with `for_record()`."""
    as_of = timezone.localdate(meeting.starts_at) if meeting else timezone.localdate(now)
    evaluation, guidance_unavailable = _guidance(patient, agenda_item, user=user, as_of=as_of)
    timeline = build_timeline(patient, today=as_of)
    decisions = list(agenda_item.decisions.all()) if agenda_item is not None else []
    return {
        "patient": patient,
        "primary": _primary(patient),
        "as_of": as_of,
        "timeline": timeline,
        "chart": timeline.chart,
        "evaluation": evaluation,
        "guidance_unavailable": guidance_unavailable,
        "releases": [release_label(evaluation)] if evaluation else [],
        "meeting": meeting,
        "agenda_item": agenda_item,
        "decisions": decisions,
        "disclaimer": DISCLAIMER,
        "printed_at": now,
        "user": user,
    }


def case_summary_context(patient: Patient, *, meeting: Meeting | None = None, user, now: datetime) -> dict:
    """Return the case summary of a patient, at a meeting when one is given."""
    agenda_item = None
    if meeting is not None:
        agenda_item = (
            AgendaItem.objects.for_agenda(meeting)
            .select_related("evaluation__release", "evaluation__created_by")
            .prefetch_related(*DECISION_DETAILS)
            .filter(patient=patient)
            .exclude(status=AgendaItemStatus.WITHDRAWN).first()
        )
    if agenda_item is not None:
        patient = agenda_item.patient
    else:
        patient = Patient.objects.for_record().get(pk=patient.pk)
    return _case_context(patient, agenda_item=agenda_item, meeting=meeting, user=user, now=now)


def _expected_attendees(meeting: Meeting) -> list[BoardMembership]:
    return list(BoardMembership.objects.for_board_page(meeting.board))


def meeting_pack_context(
    meeting: Meeting, *, user, now: datetime, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Return the meeting pack: cover, agenda with readiness warnings, and one case context per case."""
    meeting_day = timezone.localdate(meeting.starts_at)
    agenda_items = list(
        AgendaItem.objects.for_agenda(meeting)
        .select_related("evaluation__release", "evaluation__created_by")
        .prefetch_related(*DECISION_DETAILS)
    )
    profile = meeting.board.readiness_profile
    agenda = []
    cases = []
    printed_items = [item for item in agenda_items if item.status != AgendaItemStatus.WITHDRAWN]
    for item in agenda_items:
        agenda.append({"agenda_item": item, "problems": readiness_problems(item.patient, profile, meeting_day)})
    for index, item in enumerate(printed_items, start=1):
        case = _case_context(item.patient, agenda_item=item, meeting=meeting, user=user, now=now)
        case["case_number"] = index
        case["case_count"] = len(printed_items)
        cases.append(case)
        if progress:
            progress(index, len(printed_items))
    releases = sorted({label for case in cases for label in case["releases"]})
    return {
        "meeting": meeting,
        "members": _expected_attendees(meeting),
        "agenda": agenda,
        "cases": cases,
        "releases": releases,
        "printed_at": now,
        "user": user,
    }


def _quorum_labels(quorum: Quorum) -> dict:
    """Return a quorum with specialty names for print."""
    return {
        "is_met": quorum.is_met,
        "required": [SPECIALTY_LABELS.get(code, code) for code in quorum.required],
        "missing": [SPECIALTY_LABELS.get(code, code) for code in quorum.missing],
    }


def outcomes_context(meeting: Meeting, *, user, now: datetime) -> dict:
    """Return the outcomes (minutes): attendance with quorum, and per case its decisions or why none."""
    required = meeting.board.required_specialties
    attendances = list(meeting.attendances.select_related("user").order_by("arrived_at", "id"))
    moment = meeting.started_at or meeting.starts_at
    discussed, not_discussed = [], []
    agenda_items = list(AgendaItem.objects.for_outcomes(meeting).select_related("evaluation__release"))
    for item in agenda_items:
        # The quorum that counts for a decision is the one when it was recorded (late arrivals, early leaves).
        decisions = [
            (decision, _quorum_labels(quorum_at(required, attendances, decision.created_at)))
            for decision in item.decisions.all()
        ]
        entry = {"agenda_item": item, "decisions": decisions}
        if item.status in (AgendaItemStatus.DEFERRED, AgendaItemStatus.WITHDRAWN):
            not_discussed.append(entry)
        else:
            discussed.append(entry)
    return {
        "meeting": meeting,
        "attendances": attendances,
        "quorum": _quorum_labels(quorum_at(required, attendances, moment)),
        "quorum_moment": moment,
        "discussed": discussed,
        "not_discussed": not_discussed,
        "agenda": discussed + not_discussed,
        "releases": sorted({release_label(item.evaluation) for item in agenda_items if item.evaluation_id}),
        "printed_at": now,
        "user": user,
    }

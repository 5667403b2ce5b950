"""One context builder per printed document, reading through the same QuerySet methods as the web pages.

The PDF templates include the web pages' partials (patients/_record.html, patients/_timeline.html,
guidance/_evaluation.html) with these contexts, so a page and its printout cannot drift apart. Where a
board pack needs a shorter form than the page (a lesion's measurement history in one cell, consecutive
cycles of a regimen as one row, lesions with the same treatment options as one row), it is built here
from the same rows and printed by templates/pdf/_case.html.

Printing reads and never writes clinical rows: the guidance printed is a stored evaluation where one
fits (see `printed_guidance`), otherwise it is evaluated for the printout and not stored, and the page
says which and why.
"""

import base64
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from boards.models import SPECIALTY_LABELS, AgendaItem, AgendaItemStatus, BoardMembership, Meeting
from boards.quorum import Quorum, quorum_at
from boards.readiness import readiness_problems
from guidance import facts
from guidance.engine import DISCLAIMER
from guidance.models import Evaluation, GuidelineRelease
from guidance.record import normalise_board_inputs
from guidance.services import EvaluationFailed, NoPublishedRelease, release_current, release_evaluate
from patients.models import Patient, PrimaryTumour
from patients.timeline import build_timeline, group_events

# What the printed decision shows besides the decision row itself.
DECISION_DETAILS = ("decisions__lesions", "decisions__created_by", "decisions__signed_by")
# CEA results per printed row: date and value pairs side by side, so that ten years fit in a few lines.
LABS_PER_ROW = 4


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


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else "the system"


# Guidance: which evaluation a printout shows


@dataclass
class PrintedGuidance:
    """The evaluation a case summary prints, whether it is stored, and the sentence that says why."""

    evaluation: Evaluation | None
    note: str = ""
    stored: bool = True
    unavailable: str = ""

    def audit_detail(self) -> dict:
        """What the print's audit row records, so that the printed guidance can be traced or replayed."""
        if self.evaluation is None:
            return {"evaluation": None}
        return {
            "evaluation": str(self.evaluation.public_id) if self.stored else None,
            "release": self.evaluation.release.version,
            "as_of": self.evaluation.as_of.isoformat(),
            "input_hash": self.evaluation.input_hash,
        }


def _evaluated_for_print(patient, release, case: dict, *, as_of: date, now: datetime) -> Evaluation:
    """Return an evaluation computed for a printout and not saved (printing never writes clinical rows)."""
    inputs = normalise_board_inputs({})
    output = release_evaluate(release, case, as_of=as_of, board_inputs=inputs)
    return Evaluation(
        patient=patient,
        as_of=as_of,
        release=release,
        board_inputs=inputs,
        facts=case,
        input_hash=facts.input_hash(case, as_of=as_of, board_inputs=inputs),
        output=output,
        created_at=now,
        created_by=None,
    )


def printed_guidance(
    patient: Patient,
    agenda_item: AgendaItem | None,
    *,
    as_of: date,
    now: datetime,
    releases: dict[str, GuidelineRelease] | None = None,
) -> PrintedGuidance:
    """Return the guidance a case summary prints, without writing anything.

    1. A case at a meeting prints the evaluation attached to its agenda item: the one shown and decided on.
    2. Otherwise the patient's latest stored evaluation, if it used the current published release and the
       record has not changed since (same case file).
    3. Otherwise the guidance is evaluated for this printout as of `as_of` and not stored; the page says
       so, and the print's audit row keeps release, date and input hash.
    """
    if agenda_item is not None and agenda_item.evaluation_id:
        evaluation = agenda_item.evaluation
        return PrintedGuidance(
            evaluation,
            (
                f"The evaluation kept with this case at the meeting (evaluated "
                f"{timezone.localtime(evaluation.created_at):%Y-%m-%d %H:%M} by {_person(evaluation.created_by)})."
            ),
        )
    case = facts.case_dict_for(patient)
    disease = facts.disease_of(case)
    if disease is None:
        return PrintedGuidance(None, unavailable="Record the primary tumour first: guidance depends on the disease.")
    releases = releases if releases is not None else {}
    try:
        release = releases.get(disease) or releases.setdefault(disease, release_current(disease))
    except NoPublishedRelease as error:
        return PrintedGuidance(None, unavailable=str(error))

    latest = Evaluation.objects.for_patient(patient).first()
    if (
        latest is not None
        and latest.release_id == release.pk
        and latest.input_hash == facts.input_hash(case, as_of=latest.as_of, board_inputs=latest.board_inputs)
    ):
        return PrintedGuidance(
            latest,
            (
                f"{'Not yet kept with this case at the meeting: t' if agenda_item is not None else 'T'}he latest stored "
                f"evaluation ({timezone.localtime(latest.created_at):%Y-%m-%d %H:%M} by {_person(latest.created_by)}); "
                f"the record has not changed since."
            ),
        )
    if latest is None:
        why = "no evaluation is stored for this patient"
    elif latest.release_id != release.pk:
        why = f"the latest stored evaluation used release {latest.release.version}, not the published {release.version}"
    else:
        why = (
            f"the record has changed since the latest stored evaluation "
            f"({timezone.localtime(latest.created_at):%Y-%m-%d %H:%M})"
        )
    try:
        evaluation = _evaluated_for_print(patient, release, case, as_of=as_of, now=now)
    except (EvaluationFailed, ValidationError) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return PrintedGuidance(None, unavailable=message)
    return PrintedGuidance(
        evaluation,
        (
            f"Evaluated for this printout at {timezone.localtime(now):%Y-%m-%d %H:%M} as of {as_of:%Y-%m-%d} "
            f"and not stored, because {why}. The patient's guidance page evaluates and stores it."
        ),
        stored=False,
    )


# Compact forms of the record for print


@dataclass
class PrintedLesion:
    """A lesion with its whole measurement history as one line of text, by year ("2015: 9, 10 · 2016: 12").

    Plain text, not one element per measurement: WeasyPrint lays out every inline element on its own,
    and a heavy record's history cells were most of its lesions table's cost.
    """

    lesion: object
    latest: object | None
    trend: str
    history: str


def _size(measurement) -> str:
    return f"{measurement.size_mm.normalize():f}"


def _printed_lesions(patient: Patient) -> list[PrintedLesion]:
    rows = []
    for lesion in patient.current_lesions:
        measurements = lesion.current_measurements
        latest = measurements[-1] if measurements else None
        trend = ""
        if len(measurements) > 1:
            previous = measurements[-2].size_mm
            trend = "↑" if latest.size_mm > previous else "↓" if latest.size_mm < previous else "→"
        by_year: dict[int, list[str]] = {}
        for measurement in measurements:
            by_year.setdefault(measurement.measured_on.year, []).append(_size(measurement))
        history = " · ".join(f"{year}: {', '.join(sizes)}" for year, sizes in by_year.items())
        rows.append(PrintedLesion(lesion=lesion, latest=latest, trend=trend, history=history))
    return rows


def _lab_rows(patient: Patient) -> list[list]:
    labs = list(patient.current_labs)
    return [labs[start : start + LABS_PER_ROW] for start in range(0, len(labs), LABS_PER_ROW)]


def modality_groups(evaluation: Evaluation | None) -> dict:
    """Return the lesion modality grid with lesions of identical options in one row, each reason printed once.

    {"modalities": [names], "rows": [{"lesions": [...], "cells": [{"rating_label", "notes": [numbers]}]}],
    "notes": [reason texts, numbered from 1]}.
    """
    if evaluation is None or not evaluation.modality_rows:
        return {"modalities": [], "rows": [], "notes": []}
    notes: list[str] = []
    rows: dict[tuple, dict] = {}
    for row in evaluation.modality_rows:
        key = tuple((cell["rating"], tuple(cell["reasons"])) for cell in row["cells"])
        if key not in rows:
            cells = []
            for cell in row["cells"]:
                numbers = []
                for reason in cell["reasons"]:
                    if reason not in notes:
                        notes.append(reason)
                    numbers.append(notes.index(reason) + 1)
                cells.append({"rating": cell["rating"], "rating_label": cell["rating_label"], "notes": numbers})
            rows[key] = {"lesions": [], "cells": cells}
        rows[key]["lesions"].append(row["lesion"])
    modalities = [cell["modality"] for cell in evaluation.modality_rows[0]["cells"]]
    return {"modalities": modalities, "rows": list(rows.values()), "notes": notes}


def drawing_image(partial: str, context: dict) -> str:
    """Return a drawing partial of patients/_timeline.html as an SVG data URL, for print.

    Inline, every SVG node would also go through WeasyPrint's HTML style cascade; as an image it is
    drawn from the same markup and styled only as SVG (a third of a heavy case's layout time).
    """
    svg = render_to_string(f"patients/_timeline.html#{partial}", {**context, "printing": True})
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _case_context(
    patient: Patient,
    *,
    agenda_item: AgendaItem | None,
    meeting: Meeting | None,
    user,
    now: datetime,
    releases: dict | None = None,
) -> dict:
    """Return the context of one case summary for a patient loaded with `for_record()`."""
    as_of = timezone.localdate(meeting.starts_at) if meeting else timezone.localdate(now)
    guidance = printed_guidance(patient, agenda_item, as_of=as_of, now=now, releases=releases)
    evaluation = guidance.evaluation
    timeline = build_timeline(patient, today=as_of)
    decisions = list(agenda_item.decisions.all()) if agenda_item is not None else []
    images = {}
    if not timeline.is_empty:
        images["timeline_image"] = drawing_image("timeline_svg", {"timeline": timeline})
    if not timeline.chart.is_empty:
        images["chart_image"] = drawing_image("size_chart_svg", {"chart": timeline.chart})
    return {
        **images,
        "patient": patient,
        "primary": _primary(patient),
        "as_of": as_of,
        "timeline": timeline,
        "chart": timeline.chart,
        "printed_lesions": _printed_lesions(patient),
        "event_groups": group_events(patient.current_events),
        "lab_rows": _lab_rows(patient),
        "evaluation": evaluation,
        "guidance": guidance,
        "guidance_unavailable": guidance.unavailable,
        "modality_groups": modality_groups(evaluation),
        "releases": [release_label(evaluation)] if evaluation else [],
        "meeting": meeting,
        "agenda_item": agenda_item,
        "decisions": decisions,
        "disclaimer": DISCLAIMER,
        "printed_at": now,
        "user": user,
        # The shared partials leave out what only works on screen: links to forms, tooltips (issue: PDF anchors).
        "printing": True,
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
            .exclude(status=AgendaItemStatus.WITHDRAWN)
            .first()
        )
    if agenda_item is not None:
        patient = agenda_item.patient
    else:
        patient = Patient.objects.for_record().get(pk=patient.pk)
    return _case_context(patient, agenda_item=agenda_item, meeting=meeting, user=user, now=now)


def _expected_attendees(meeting: Meeting) -> list[BoardMembership]:
    return list(BoardMembership.objects.for_board_page(meeting.board))


def _pack_releases(items: list[AgendaItem], releases: dict[str, GuidelineRelease]) -> list[str]:
    """Return the releases a pack's cases print ("ACC 2026.1"): the kept evaluation's, else the published one."""
    labels = set()
    for item in items:
        if item.evaluation_id:
            labels.add(release_label(item.evaluation))
            continue
        primary = _primary(item.patient)
        if primary is None or primary.is_withdrawn:
            continue
        try:
            release = releases.get(primary.disease) or releases.setdefault(
                primary.disease, release_current(primary.disease)
            )
        except NoPublishedRelease:
            continue
        labels.add(f"{release.disease.upper()} {release.version}")
    return sorted(labels)


def meeting_pack_context(meeting: Meeting, *, user, now: datetime) -> dict:
    """Return the meeting pack: cover, agenda with readiness warnings, and the cases to print.

    `cases` yields one case context at a time, so that printing can lay out a case while the next one
    is read (reports.rendering.render_pdf_parts).
    """
    meeting_day = timezone.localdate(meeting.starts_at)
    agenda_items = list(
        AgendaItem.objects.for_agenda(meeting)
        .select_related("evaluation__release", "evaluation__created_by")
        .prefetch_related(*DECISION_DETAILS)
    )
    profile = meeting.board.readiness_profile
    agenda = [
        {"agenda_item": item, "problems": readiness_problems(item.patient, profile, meeting_day)}
        for item in agenda_items
    ]
    printed_items = [item for item in agenda_items if item.status != AgendaItemStatus.WITHDRAWN]
    releases: dict[str, GuidelineRelease] = {}

    def cases():
        for index, item in enumerate(printed_items, start=1):
            case = _case_context(item.patient, agenda_item=item, meeting=meeting, user=user, now=now, releases=releases)
            case["case_number"] = index
            case["case_count"] = len(printed_items)
            yield case

    return {
        "meeting": meeting,
        "members": _expected_attendees(meeting),
        "agenda": agenda,
        "cases": cases(),
        "case_count": len(printed_items),
        "patients": [item.patient for item in agenda_items],
        "releases": _pack_releases(printed_items, releases),
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
    attendances = list(meeting.attendances.current().select_related("user").order_by("arrived_at", "id"))
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
        "patients": [item.patient for item in agenda_items],
        "releases": sorted({release_label(item.evaluation) for item in agenda_items if item.evaluation_id}),
        "printed_at": now,
        "user": user,
    }

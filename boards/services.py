"""Writes for boards and meetings. Keyword-only, `by=` the acting user, checked by policies, audited.

Every service checks first (boards/policies.py), then acts, and writes its AuditEvent in the same
transaction. Signed decisions are never changed: `decision_amend` adds a signed addendum instead.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from accounts.services import user_role_groups_sync
from audit.models import AuditEvent
from boards import policies
from boards.access import membership_of
from boards.models import (
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    Board,
    BoardMembership,
    Decision,
    FollowUp,
    Meeting,
    MeetingStatus,
)
from boards.quorum import Quorum, quorum_at
from boards.readiness import readiness_problems
from guidance.models import Evaluation
from guidance.services import evaluation_create
from patients.models import Lesion, Patient
from patients.services import EditConflict

__all__ = ["CasesPending", "EditConflict", "PolicyError"]
PolicyError = policies.PolicyError
CasesPending = policies.CasesPending


# Boards (set up by administrators and the demo data)


@transaction.atomic
def board_create(*, name: str, disease_focus: str, by: AbstractBaseUser | None, **fields) -> Board:
    """Create a board with its quorum rule and readiness profile."""
    board = Board(name=name, disease_focus=disease_focus, **fields)
    board.full_clean()
    board.save()
    AuditEvent.record(by=by, action="board.created", target=board, detail={"name": name})
    return board


@transaction.atomic
def board_membership_add(
    *, board: Board, user: AbstractBaseUser, specialty: str, role: str, by: AbstractBaseUser | None
) -> BoardMembership:
    """Add a user to a board in a specialty and role."""
    membership = BoardMembership(board=board, user=user, specialty=specialty, role=role)
    membership.full_clean()
    membership.save()
    AuditEvent.record(
        by=by,
        action="board.member_added",
        target=board,
        detail={"user": user.get_username(), "specialty": specialty, "role": role},
    )
    user_role_groups_sync(user=user, by=by)
    return membership


# Meetings


@transaction.atomic
def meeting_create(
    *, board: Board, starts_at: datetime, place: str = "", video_link: str = "", by: AbstractBaseUser
) -> Meeting:
    """Plan a meeting of the board."""
    policies.check_can_create_meeting(membership_of(by, board))
    meeting = Meeting(board=board, starts_at=starts_at, place=place, video_link=video_link, created_by=by)
    meeting.full_clean()
    meeting.save()
    AuditEvent.record(by=by, action="meeting.created", target=meeting)
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, starts_at: datetime, place: str = "", video_link: str = "", by: AbstractBaseUser
) -> Meeting:
    """Change when and where a meeting that is not closed takes place."""
    meeting = _lock_meeting(meeting)
    policies.check_can_change_meeting(meeting, membership_of(by, meeting.board_id))
    before = {"starts_at": meeting.starts_at.isoformat(), "place": meeting.place, "video_link": meeting.video_link}
    meeting.starts_at, meeting.place, meeting.video_link = starts_at, place.strip(), video_link.strip()
    meeting.full_clean()
    meeting.save(update_fields=["starts_at", "place", "video_link"])
    after = {"starts_at": meeting.starts_at.isoformat(), "place": meeting.place, "video_link": meeting.video_link}
    AuditEvent.record(by=by, action="meeting.updated", target=meeting, detail={"before": before, "after": after})
    return meeting


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("board").get(pk=meeting.pk)


@transaction.atomic
def meeting_start(*, meeting: Meeting, by: AbstractBaseUser, at: datetime | None = None) -> Meeting:
    """Open the meeting: decisions can now be recorded."""
    meeting = _lock_meeting(meeting)
    policies.check_can_start_meeting(meeting, membership_of(by, meeting.board_id))
    meeting.status = MeetingStatus.IN_PROGRESS
    meeting.started_at = at or timezone.now()
    meeting.save(update_fields=["status", "started_at"])
    AuditEvent.record(by=by, action="meeting.started", target=meeting)
    return meeting


def cases_without_signed_decision(meeting: Meeting) -> list[AgendaItem]:
    """Return the meeting's open cases (listed or discussed) whose decision is missing or not signed yet.

    Each carries `has_decision`, so a message can say which of the two it is.
    """
    originals = Decision.objects.filter(agenda_item=OuterRef("pk"), amends__isnull=True)
    return list(
        meeting.agenda_items.filter(status__in=[AgendaItemStatus.LISTED, AgendaItemStatus.DISCUSSED])
        .annotate(has_decision=Exists(originals), has_signed_decision=Exists(originals.filter(signed_at__isnull=False)))
        .filter(has_signed_decision=False)
        .select_related("patient", "meeting")
        .order_by("position", "id")
    )


@transaction.atomic
def meeting_close(
    *, meeting: Meeting, by: AbstractBaseUser, at: datetime | None = None, defer_reason: str = ""
) -> Meeting:
    """Close the meeting: agenda and decisions become read-only; whoever is still there leaves now.

    A meeting never closes with cases in limbo: while a case is open without a signed decision the close is
    refused (CasesPending names them), unless the coordinator gives `defer_reason`, which defers them all first.
    """
    meeting = _lock_meeting(meeting)
    membership = membership_of(by, meeting.board_id)
    policies.check_can_close_meeting(meeting, membership)
    pending = cases_without_signed_decision(meeting)
    if pending and defer_reason.strip():
        for agenda_item in pending:
            _agenda_item_set_aside(
                agenda_item=agenda_item, status=AgendaItemStatus.DEFERRED, reason=defer_reason, by=by
            )
        pending = []
    policies.check_no_cases_pending(pending)
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = at or timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    meeting.attendances.current().filter(left_at__isnull=True).update(left_at=meeting.closed_at)
    AuditEvent.record(by=by, action="meeting.closed", target=meeting)
    return meeting


# Agenda


def readiness_problem_count(*, patient: Patient, meeting: Meeting) -> int:
    """Return how many readiness problems the case has for the meeting, under its board's profile."""
    record = Patient.objects.for_record().get(pk=patient.pk)
    day = timezone.localdate(meeting.starts_at)
    return len(readiness_problems(record, meeting.board.readiness_profile, day))


@transaction.atomic
def agenda_item_add(
    *,
    meeting: Meeting,
    patient: Patient,
    question: str,
    presenter: AbstractBaseUser | None = None,
    by: AbstractBaseUser,
) -> AgendaItem:
    """List a case at the end of the agenda, keeping its readiness at listing for the dashboard."""
    meeting = _lock_meeting(meeting)
    policies.check_can_change_agenda(meeting, membership_of(by, meeting.board_id))
    if patient.is_withdrawn:
        raise ValidationError({"patient": "This patient record has been withdrawn."})
    if meeting.agenda_items.filter(patient=patient).exclude(status=AgendaItemStatus.WITHDRAWN).exists():
        raise ValidationError({"patient": "This patient is already on the agenda."})
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    agenda_item = AgendaItem(
        meeting=meeting,
        patient=patient,
        position=last + 1,
        question=question.strip(),
        presenter=presenter,
        added_by=by,
        readiness_problems_at_listing=readiness_problem_count(patient=patient, meeting=meeting),
    )
    agenda_item.full_clean()
    agenda_item.save()
    AuditEvent.record(
        by=by,
        action="agenda_item.added",
        target=agenda_item,
        patient=patient,
        detail={"meeting": str(meeting.public_id), "readiness_problems": agenda_item.readiness_problems_at_listing},
    )
    return agenda_item


def _lock_agenda_item(agenda_item: AgendaItem) -> AgendaItem:
    return AgendaItem.objects.select_for_update().select_related("meeting", "patient").get(pk=agenda_item.pk)


@transaction.atomic
def agenda_item_update(
    *,
    agenda_item: AgendaItem,
    question: str,
    presenter: AbstractBaseUser | None,
    expected_version: int,
    by: AbstractBaseUser,
) -> AgendaItem:
    """Set the question for the board and the presenting clinician; refuse a save based on an outdated version.

    `expected_version` is the version the form was loaded with; on a mismatch EditConflict carries the
    other person's saved version, and nothing changes.
    """
    agenda_item = _lock_agenda_item(agenda_item)
    policies.check_can_change_agenda_item(agenda_item, membership_of(by, agenda_item.meeting.board_id))
    if agenda_item.version != expected_version:
        raise EditConflict(AgendaItem.objects.select_related("presenter", "updated_by").get(pk=agenda_item.pk))
    before = {"question": agenda_item.question, "presenter": agenda_item.presenter_id}
    agenda_item.question = question.strip()
    agenda_item.presenter = presenter
    agenda_item.version += 1
    agenda_item.updated_at = timezone.now()
    agenda_item.updated_by = by
    agenda_item.full_clean()
    agenda_item.save(update_fields=["question", "presenter", "version", "updated_at", "updated_by"])
    AuditEvent.record(
        by=by,
        action="agenda_item.updated",
        target=agenda_item,
        patient=agenda_item.patient,
        detail={
            "version": agenda_item.version,
            "before": before,
            "after": {"question": agenda_item.question, "presenter": agenda_item.presenter_id},
        },
    )
    return agenda_item


@transaction.atomic
def agenda_item_move(*, agenda_item: AgendaItem, direction: str, by: AbstractBaseUser) -> AgendaItem:
    """Swap the case with its neighbour above ("up") or below ("down"); at either end nothing moves."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be up or down, not {direction!r}")
    meeting = _lock_meeting(agenda_item.meeting)
    policies.check_can_change_agenda(meeting, membership_of(by, meeting.board_id))
    agenda_item = AgendaItem.objects.select_related("patient").get(pk=agenda_item.pk)
    neighbours = meeting.agenda_items.exclude(pk=agenda_item.pk)
    if direction == "up":
        neighbour = neighbours.filter(position__lt=agenda_item.position).order_by("-position").first()
    else:
        neighbour = neighbours.filter(position__gt=agenda_item.position).order_by("position").first()
    if neighbour is None:
        return agenda_item
    agenda_item.position, neighbour.position = neighbour.position, agenda_item.position
    AgendaItem.objects.bulk_update([agenda_item, neighbour], ["position"])
    AuditEvent.record(
        by=by,
        action="agenda_item.moved",
        target=agenda_item,
        patient=agenda_item.patient,
        detail={"direction": direction, "position": agenda_item.position},
    )
    return agenda_item


def _agenda_item_set_aside(*, agenda_item: AgendaItem, status: str, reason: str, by: AbstractBaseUser) -> AgendaItem:
    agenda_item = _lock_agenda_item(agenda_item)
    policies.check_can_change_agenda_item(agenda_item, membership_of(by, agenda_item.meeting.board_id))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    if agenda_item.decisions.filter(signed_at__isnull=False).exists():
        raise policies.PolicyError("This case has a signed decision; it cannot be deferred or withdrawn.")
    agenda_item.status = status
    agenda_item.status_reason = reason[:500]
    agenda_item.save(update_fields=["status", "status_reason"])
    AuditEvent.record(
        by=by,
        action=f"agenda_item.{status}",
        target=agenda_item,
        patient=agenda_item.patient,
        detail={"reason": agenda_item.status_reason},
    )
    return agenda_item


@transaction.atomic
def agenda_item_defer(*, agenda_item: AgendaItem, reason: str, by: AbstractBaseUser) -> AgendaItem:
    """Defer a case to a later meeting, with the reason."""
    return _agenda_item_set_aside(agenda_item=agenda_item, status=AgendaItemStatus.DEFERRED, reason=reason, by=by)


@transaction.atomic
def agenda_item_withdraw(*, agenda_item: AgendaItem, reason: str, by: AbstractBaseUser) -> AgendaItem:
    """Withdraw a case from the agenda (it stays in the record), with the reason."""
    return _agenda_item_set_aside(agenda_item=agenda_item, status=AgendaItemStatus.WITHDRAWN, reason=reason, by=by)


@transaction.atomic
def agenda_item_evaluation_set(*, agenda_item: AgendaItem, evaluation: Evaluation, by: AbstractBaseUser) -> AgendaItem:
    """Record which guidance evaluation was shown at the meeting for this case."""
    agenda_item = _lock_agenda_item(agenda_item)
    policies.check_can_show_evaluation(agenda_item, membership_of(by, agenda_item.meeting.board_id))
    if evaluation.patient_id != agenda_item.patient_id:
        raise ValidationError({"evaluation": "This evaluation is of another patient."})
    agenda_item.evaluation = evaluation
    agenda_item.save(update_fields=["evaluation"])
    AuditEvent.record(
        by=by,
        action="agenda_item.evaluation_shown",
        target=agenda_item,
        patient=agenda_item.patient,
        detail={"evaluation": str(evaluation.public_id)},
    )
    return agenda_item


# Passed for `membership` when the caller has not read the user's board membership yet.
LOOK_UP = object()


def agenda_item_evaluate(
    *,
    agenda_item: AgendaItem,
    as_of: date,
    board_inputs: Mapping,
    by: AbstractBaseUser,
    request=None,
    membership: BoardMembership | object | None = LOOK_UP,
) -> Evaluation:
    """Evaluate the case's guidance for the meeting and keep that evaluation as the one shown for the case.

    An unchanged record, date and board inputs reuse the stored evaluation (guidance.services.evaluation_create).
    Raises guidance's ValidationError/NoPublishedRelease/EvaluationFailed when no guidance can be computed.
    Not one transaction on purpose: evaluations are append-only, and keeping one with the case is its own step.
    `membership` is `by`'s membership of the board when the caller has just read it (looked up otherwise).
    """
    if membership is LOOK_UP:
        membership = membership_of(by, agenda_item.meeting.board_id)
    policies.check_can_show_evaluation(agenda_item, membership)
    evaluation = evaluation_create(
        patient=agenda_item.patient,
        by=by,
        as_of=as_of,
        board_inputs=board_inputs,
        request=request,
        reuse=True,
        kept=agenda_item.evaluation,
    )
    if evaluation.pk != agenda_item.evaluation_id:
        agenda_item_evaluation_set(agenda_item=agenda_item, evaluation=evaluation, by=by)
        agenda_item.evaluation = evaluation
    return evaluation


# Attendance


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    user: AbstractBaseUser,
    specialty: str,
    arrived_at: datetime | None = None,
    by: AbstractBaseUser,
) -> Attendance:
    """Record that someone arrived (now, or at the given time) in a specialty."""
    meeting = _lock_meeting(meeting)
    policies.check_can_record_attendance(meeting, membership_of(by, meeting.board_id))
    if meeting.attendances.current().filter(user=user, left_at__isnull=True).exists():
        raise ValidationError({"user": f"{user.get_full_name() or user.get_username()} is already present."})
    attendance = Attendance(
        meeting=meeting, user=user, specialty=specialty, arrived_at=arrived_at or timezone.now(), recorded_by=by
    )
    attendance.full_clean()
    attendance.save()
    AuditEvent.record(
        by=by,
        action="attendance.arrived",
        target=meeting,
        detail={"user": user.get_username(), "specialty": specialty, "at": attendance.arrived_at.isoformat()},
    )
    return attendance


@transaction.atomic
def attendance_leave(*, attendance: Attendance, left_at: datetime | None = None, by: AbstractBaseUser) -> Attendance:
    """Record that someone left the meeting (now, or at the given time)."""
    attendance = _lock_attendance(attendance)
    policies.check_can_change_attendance(attendance, membership_of(by, attendance.meeting.board_id))
    if attendance.left_at is not None:
        raise ValidationError({"left_at": "This person has already left."})
    attendance.left_at = left_at or timezone.now()
    attendance.full_clean()
    attendance.save(update_fields=["left_at"])
    AuditEvent.record(
        by=by,
        action="attendance.left",
        target=attendance.meeting,
        detail={"user": attendance.user.get_username(), "at": attendance.left_at.isoformat()},
    )
    return attendance


def _lock_attendance(attendance: Attendance) -> Attendance:
    return Attendance.objects.select_for_update().select_related("meeting__board", "user").get(pk=attendance.pk)


@transaction.atomic
def attendance_update(
    *, attendance: Attendance, arrived_at: datetime, left_at: datetime | None, by: AbstractBaseUser
) -> Attendance:
    """Correct when someone arrived and left (empty left_at: still present); the quorum follows the times."""
    attendance = _lock_attendance(attendance)
    policies.check_can_change_attendance(attendance, membership_of(by, attendance.meeting.board_id))
    if left_at is None and (
        attendance.meeting.attendances.current()
        .filter(user=attendance.user, left_at__isnull=True)
        .exclude(pk=attendance.pk)
        .exists()
    ):
        raise ValidationError({"left_at": "This person has another entry without a leaving time; give one here."})
    before = {"arrived_at": attendance.arrived_at.isoformat(), "left_at": _iso(attendance.left_at)}
    attendance.arrived_at, attendance.left_at = arrived_at, left_at
    attendance.full_clean()
    attendance.save(update_fields=["arrived_at", "left_at"])
    AuditEvent.record(
        by=by,
        action="attendance.corrected",
        target=attendance.meeting,
        detail={
            "user": attendance.user.get_username(),
            "before": before,
            "after": {"arrived_at": arrived_at.isoformat(), "left_at": _iso(left_at)},
        },
    )
    return attendance


@transaction.atomic
def attendance_withdraw(*, attendance: Attendance, reason: str, by: AbstractBaseUser) -> Attendance:
    """Withdraw an erroneous attendance entry with the reason; it stays on record but no longer counts for quorum."""
    attendance = _lock_attendance(attendance)
    policies.check_can_change_attendance(attendance, membership_of(by, attendance.meeting.board_id))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    attendance.withdrawn_at = timezone.now()
    attendance.withdrawn_by = by
    attendance.withdrawn_reason = reason[:500]
    attendance.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    AuditEvent.record(
        by=by,
        action="attendance.withdrawn",
        target=attendance.meeting,
        detail={
            "user": attendance.user.get_username(),
            "arrived_at": attendance.arrived_at.isoformat(),
            "reason": attendance.withdrawn_reason,
        },
    )
    return attendance


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def meeting_quorum(*, meeting: Meeting, at: datetime | None = None) -> Quorum:
    """Return the meeting's quorum at a moment (now by default) from its attendance, withdrawn entries left out."""
    return quorum_at(meeting.board.required_specialties, list(meeting.attendances.current()), at or timezone.now())


# Decisions


def _check_lesions(agenda_item: AgendaItem, lesions: Iterable[Lesion]) -> list[Lesion]:
    lesions = list(lesions)
    if any(lesion.patient_id != agenda_item.patient_id for lesion in lesions):
        raise ValidationError({"lesions": "Choose lesions of this patient."})
    return lesions


@transaction.atomic
def decision_record(
    *,
    agenda_item: AgendaItem,
    by: AbstractBaseUser,
    expected_version: int,
    category: str,
    recommendation: str,
    consensus: str,
    dissent: str = "",
    departs_from_guidance: bool = False,
    departure_reason: str = "",
    lesions: Iterable[Lesion] = (),
) -> Decision:
    """Record or update the board's decision on a case; refuse a save based on an outdated version.

    `expected_version` is the version the form was loaded with (0 when there was no decision yet).
    """
    agenda_item = _lock_agenda_item(agenda_item)
    current = Decision.objects.select_for_update().filter(agenda_item=agenda_item, amends__isnull=True).first()
    policies.check_can_edit_decision(agenda_item, current, membership_of(by, agenda_item.meeting.board_id))
    if (current.version if current else 0) != expected_version:
        if current is None:
            raise ValidationError("The decision you were editing no longer exists; reload the page.")
        raise EditConflict(current)
    lesions = _check_lesions(agenda_item, lesions)
    decision = current or Decision(agenda_item=agenda_item, created_by=by)
    decision.category = category
    decision.recommendation = recommendation.strip()
    decision.consensus = consensus
    decision.dissent = dissent.strip()
    decision.departs_from_guidance = departs_from_guidance
    decision.departure_reason = departure_reason.strip() if departs_from_guidance else ""
    if current is not None:
        decision.version = current.version + 1
        decision.updated_by = by
    decision.full_clean()
    decision.save()
    decision.lesions.set(lesions)
    if agenda_item.status == AgendaItemStatus.LISTED:
        agenda_item.status = AgendaItemStatus.DISCUSSED
        agenda_item.save(update_fields=["status"])
    AuditEvent.record(
        by=by,
        action="decision.updated" if current else "decision.recorded",
        target=decision,
        patient=agenda_item.patient,
        detail={"version": decision.version, "category": category},
    )
    return decision


# Passed for `expected_evaluation` when the caller does not know which guidance was shown (shell, old callers).
UNCHECKED = object()


@transaction.atomic
def decision_sign(
    *,
    decision: Decision,
    by: AbstractBaseUser,
    expected_version: int,
    at: datetime | None = None,
    expected_evaluation: Evaluation | object | None = UNCHECKED,
) -> Decision:
    """Sign off a decision as chair, which locks it; only the version and the guidance the chair saw can be signed.

    The evaluation kept with the case is the one last shown in the case review (agenda_item_evaluate); signing
    records exactly that one and locks it too. `expected_evaluation` is the evaluation the chair's page showed
    (None: none was shown); if the case's evaluation changed since, signing is refused.
    """
    # Lock in the order decision_record uses (agenda item, then decision), or the two deadlock.
    locked_item = _lock_agenda_item(decision.agenda_item)
    decision = (
        Decision.objects.select_for_update()
        .select_related("agenda_item__meeting__board", "agenda_item__patient")
        .get(pk=decision.pk)
    )
    meeting = decision.agenda_item.meeting
    at = at or timezone.now()
    quorum = meeting_quorum(meeting=meeting, at=at)
    policies.check_can_sign_decision(decision, membership_of(by, meeting.board_id), quorum)
    if decision.version != expected_version:
        raise EditConflict(decision)
    if expected_evaluation is not UNCHECKED:
        expected_id = expected_evaluation.pk if expected_evaluation is not None else None
        if expected_id != locked_item.evaluation_id:
            raise PolicyError(
                "The guidance shown for this case changed after you loaded the page (board inputs or the record "
                "were re-evaluated). Read the current guidance, then sign."
            )
    decision.signed_at = at
    decision.signed_by = by
    decision.save(update_fields=["signed_at", "signed_by"])
    evaluation = locked_item.evaluation
    AuditEvent.record(
        by=by,
        action="decision.signed",
        target=decision,
        patient=decision.agenda_item.patient,
        detail={
            "version": decision.version,
            "quorum_present": sorted(quorum.present),
            "evaluation": str(evaluation.public_id) if evaluation is not None else None,
        },
    )
    return decision


@transaction.atomic
def decision_amend(
    *,
    decision: Decision,
    by: AbstractBaseUser,
    category: str,
    recommendation: str,
    consensus: str,
    dissent: str = "",
    departs_from_guidance: bool = False,
    departure_reason: str = "",
    lesions: Iterable[Lesion] = (),
) -> Decision:
    """Correct a signed decision with a signed addendum linked to it; the original stays unchanged."""
    _lock_agenda_item(decision.agenda_item)  # same lock order as decision_record
    original = (
        Decision.objects.select_for_update()
        .select_related("agenda_item__meeting", "agenda_item__patient")
        .get(pk=decision.pk)
    )
    agenda_item = original.agenda_item
    policies.check_can_amend_decision(original, membership_of(by, agenda_item.meeting.board_id))
    lesions = _check_lesions(agenda_item, lesions)
    now = timezone.now()
    addendum = Decision(
        agenda_item=agenda_item,
        amends=original,
        category=category,
        recommendation=recommendation.strip(),
        consensus=consensus,
        dissent=dissent.strip(),
        departs_from_guidance=departs_from_guidance,
        departure_reason=departure_reason.strip() if departs_from_guidance else "",
        created_by=by,
        signed_by=by,
        signed_at=now,
    )
    addendum.full_clean()
    addendum.save()
    addendum.lesions.set(lesions)
    AuditEvent.record(
        by=by,
        action="decision.amended",
        target=addendum,
        patient=agenda_item.patient,
        detail={"amends": str(original.public_id)},
    )
    return addendum


# Follow-up


@transaction.atomic
def followup_record(
    *,
    decision: Decision,
    by: AbstractBaseUser,
    status: str,
    reason: str = "",
    note: str = "",
    recorded_on: date | None = None,
) -> FollowUp:
    """Record whether a signed decision was carried out, with a coded reason if not (fully)."""
    decision = Decision.objects.select_related("agenda_item__meeting", "agenda_item__patient").get(pk=decision.pk)
    # Follow-up is what happened after the meeting: the decision is signed and the meeting closed.
    policies.check_can_record_followup(decision, membership_of(by, decision.agenda_item.meeting.board_id))
    followup = FollowUp(
        decision=decision,
        status=status,
        reason=reason,
        note=note.strip(),
        recorded_on=recorded_on or timezone.localdate(),
        recorded_by=by,
    )
    followup.full_clean()
    followup.save()
    AuditEvent.record(
        by=by,
        action="followup.recorded",
        target=decision,
        patient=decision.agenda_item.patient,
        detail={"status": status, "reason": reason},
    )
    return followup

"""May this happen? Pure checks over a meeting, agenda item or decision and the acting user's membership.

Services call `check_*` (raising PolicyError with a message for the user); templates get `can_*` booleans.
`membership` is the acting user's BoardMembership on the meeting's board, or None for a non-member.
"""

from collections.abc import Callable, Sequence

from boards.models import SPECIALTY_LABELS, AgendaItem, Attendance, BoardMembership, Decision, Meeting, MeetingStatus
from boards.quorum import Quorum


class PolicyError(Exception):
    """The action is not allowed; the message says why, in words for the user."""


class CasesPending(PolicyError):
    """The meeting cannot close: these open cases have no signed decision (`agenda_items`, with `has_decision`)."""

    def __init__(self, agenda_items: Sequence[AgendaItem]):
        self.agenda_items = list(agenda_items)
        names = ", ".join(
            f"{item.patient.name} ({'decision not signed' if getattr(item, 'has_decision', False) else 'no decision'})"
            for item in self.agenda_items
        )
        super().__init__(
            f"{len(self.agenda_items)} case{'s' if len(self.agenda_items) != 1 else ''} without a signed decision: "
            f"{names}. Sign the decisions, or defer the remaining cases with a reason, before closing the meeting."
        )


def _require_member(membership: BoardMembership | None) -> None:
    if membership is None:
        raise PolicyError("Only members of this board can do this.")


def _require_coordinator(membership: BoardMembership | None) -> None:
    _require_member(membership)
    if not membership.is_coordinator:
        raise PolicyError("Only the board's coordinators can change the agenda.")


def _require_not_closed(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise PolicyError("This meeting is closed; its agenda and decisions are read-only.")


def check_can_change_agenda(meeting: Meeting, membership: BoardMembership | None) -> None:
    _require_coordinator(membership)
    _require_not_closed(meeting)


def check_can_change_agenda_item(agenda_item: AgendaItem, membership: BoardMembership | None) -> None:
    check_can_change_agenda(agenda_item.meeting, membership)
    if not agenda_item.is_open:
        raise PolicyError(f"This case is {agenda_item.get_status_display().lower()}.")


def check_can_show_evaluation(agenda_item: AgendaItem, membership: BoardMembership | None) -> None:
    """May the case review (re-)evaluate the guidance and keep it as the evaluation shown for this case?"""
    _require_member(membership)
    _require_not_closed(agenda_item.meeting)
    if not agenda_item.is_open:
        raise PolicyError(f"This case is {agenda_item.get_status_display().lower()}; the guidance shown is kept.")
    # .all() reads the decisions the case review has prefetched.
    if any(decision.signed_at is not None for decision in agenda_item.decisions.all()):
        raise PolicyError("The decision on this case is signed; the guidance it was based on is kept.")


def check_can_record_attendance(meeting: Meeting, membership: BoardMembership | None) -> None:
    _require_member(membership)
    if not (membership.is_coordinator or membership.is_chair):
        raise PolicyError("Only the coordinator or the chair records attendance.")
    _require_not_closed(meeting)


def check_can_change_attendance(attendance: Attendance, membership: BoardMembership | None) -> None:
    """Correcting or withdrawing an entry: as recording it, while the meeting is not closed."""
    check_can_record_attendance(attendance.meeting, membership)
    if attendance.is_withdrawn:
        raise PolicyError("This attendance entry has been withdrawn.")


def check_can_change_meeting(meeting: Meeting, membership: BoardMembership | None) -> None:
    _require_member(membership)
    if not membership.is_coordinator:
        raise PolicyError("Only the board's coordinators change a meeting's date and place.")
    _require_not_closed(meeting)


def check_can_start_meeting(meeting: Meeting, membership: BoardMembership | None) -> None:
    _require_member(membership)
    if not (membership.is_coordinator or membership.is_chair):
        raise PolicyError("Only the coordinator or the chair starts the meeting.")
    if meeting.status != MeetingStatus.PLANNED:
        raise PolicyError("This meeting has already started.")


def check_can_close_meeting(meeting: Meeting, membership: BoardMembership | None) -> None:
    _require_member(membership)
    if not (membership.is_coordinator or membership.is_chair):
        raise PolicyError("Only the coordinator or the chair closes the meeting.")
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise PolicyError("Only a meeting in progress can be closed.")


def check_no_cases_pending(pending: Sequence[AgendaItem]) -> None:
    """A meeting closes only when every open case has a signed decision (deferred and withdrawn ones aside)."""
    if pending:
        raise CasesPending(pending)


def check_can_edit_decision(
    agenda_item: AgendaItem, decision: Decision | None, membership: BoardMembership | None
) -> None:
    _require_member(membership)
    _require_not_closed(agenda_item.meeting)
    if agenda_item.meeting.status != MeetingStatus.IN_PROGRESS:
        raise PolicyError("Decisions are recorded once the meeting has started.")
    if decision is not None and decision.is_signed:
        raise PolicyError("This decision is signed and locked; a correction is an addendum by the chair.")
    if not agenda_item.is_open:
        raise PolicyError(f"This case is {agenda_item.get_status_display().lower()}; no decision is recorded.")


def check_can_sign_decision(decision: Decision, membership: BoardMembership | None, quorum: Quorum) -> None:
    _require_member(membership)
    if not membership.is_chair:
        raise PolicyError("Only the chair signs off decisions.")
    if decision.is_signed:
        raise PolicyError("This decision is already signed.")
    _require_not_closed(decision.agenda_item.meeting)
    if decision.agenda_item.meeting.status != MeetingStatus.IN_PROGRESS:
        raise PolicyError("Decisions are signed during the meeting.")
    if not quorum.is_met:
        raise PolicyError("No quorum: missing " + ", ".join(quorum_missing_labels(quorum)) + ".")


def check_can_amend_decision(decision: Decision, membership: BoardMembership | None) -> None:
    """May the chair correct a signed decision with a signed addendum?

    Allowed during the meeting and also after it is closed, deliberately: a closed meeting's decisions are
    read-only, and an addendum never edits the signed decision, it is a new, linked, signed record beside it.
    It is the only way to correct a signed decision (a wrong lesion, a typo in the recommendation, a departure
    from the guidance recorded the wrong way). Addenda count as the case's effective decision from then on.
    """
    _require_member(membership)
    if not membership.is_chair:
        raise PolicyError("Only the chair adds an addendum to a signed decision.")
    if not decision.is_signed:
        raise PolicyError("This decision is not signed yet; edit it instead.")
    if decision.is_addendum:
        raise PolicyError("Add the addendum to the original decision.")


def check_can_record_followup(decision: Decision, membership: BoardMembership | None) -> None:
    """Follow-up is what happened after the meeting: a signed decision of a closed meeting."""
    _require_member(membership)
    if not decision.is_signed:
        raise PolicyError("Follow-up is recorded for signed decisions only.")
    if not decision.agenda_item.meeting.is_closed:
        raise PolicyError("Follow-up is recorded after the meeting, once it is closed.")


def quorum_missing_labels(quorum: Quorum) -> list[str]:
    """Return the missing required specialties as words."""
    return [SPECIALTY_LABELS.get(code, code) for code in quorum.missing]


def _allowed(check: Callable[..., None], *args) -> bool:
    try:
        check(*args)
    except PolicyError:
        return False
    return True


def can_change_agenda(meeting: Meeting, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_change_agenda, meeting, membership)


def can_record_attendance(meeting: Meeting, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_record_attendance, meeting, membership)


def can_change_attendance(attendance: Attendance, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_change_attendance, attendance, membership)


def can_show_evaluation(agenda_item: AgendaItem, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_show_evaluation, agenda_item, membership)


def can_start_meeting(meeting: Meeting, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_start_meeting, meeting, membership)


def can_close_meeting(meeting: Meeting, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_close_meeting, meeting, membership)


def can_edit_decision(agenda_item: AgendaItem, decision: Decision | None, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_edit_decision, agenda_item, decision, membership)


def can_sign_decision(decision: Decision, membership: BoardMembership | None, quorum: Quorum) -> bool:
    return _allowed(check_can_sign_decision, decision, membership, quorum)


def can_amend_decision(decision: Decision, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_amend_decision, decision, membership)


def can_record_followup(decision: Decision, membership: BoardMembership | None) -> bool:
    return _allowed(check_can_record_followup, decision, membership)


def check_can_create_meeting(membership: BoardMembership | None) -> None:
    _require_member(membership)
    if not membership.is_coordinator:
        raise PolicyError("Only the board's coordinators plan meetings.")


def can_create_meeting(membership: BoardMembership | None) -> bool:
    return _allowed(check_can_create_meeting, membership)

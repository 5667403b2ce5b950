"""Board dashboard figures, computed from meetings loaded with `Meeting.objects.for_dashboard()` (no queries)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from boards.models import AgendaItemStatus, Decision, FollowUp, FollowUpStatus, Meeting


@dataclass
class DashboardRow:
    meeting: Meeting | None = None
    cases: int = 0
    deferred: int = 0
    decisions: int = 0
    departing: int = 0
    followed_up: int = 0
    implemented: int = 0
    partly: int = 0
    ready_at_listing: int = 0
    readiness_problems_at_listing: int = 0
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> str:
        return f"{round(100 * part / whole)}%" if whole else "—"

    @property
    def deferral_rate(self) -> str:
        return self._rate(self.deferred, self.cases)

    @property
    def departure_rate(self) -> str:
        return self._rate(self.departing, self.decisions)

    @property
    def implementation_rate(self) -> str:
        """Implemented among decisions with a final follow-up (pending ones are not counted)."""
        return self._rate(self.implemented, self.followed_up)

    @property
    def readiness_rate(self) -> str:
        return self._rate(self.ready_at_listing, self.cases)

    def add(self, other: "DashboardRow") -> None:
        for name in (
            "cases",
            "deferred",
            "decisions",
            "departing",
            "followed_up",
            "implemented",
            "partly",
            "ready_at_listing",
            "readiness_problems_at_listing",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def effective_decision(decisions: Iterable[Decision]) -> Decision | None:
    """Return a case's effective decision: its latest signed addendum, else its signed original, else None.

    An addendum is the only way to correct a signed decision, so it replaces the original from then on.
    """
    decisions = list(decisions)
    original = next((d for d in decisions if not d.amends_id), None)
    if original is None or not original.is_signed:
        return None
    addenda = [d for d in decisions if d.amends_id and d.is_signed]
    return max(addenda, key=lambda d: (d.signed_at, d.created_at, d.pk), default=original)


def latest_followup(decisions: Iterable[Decision]) -> FollowUp | None:
    """Return the latest follow-up recorded on a case's decision or any of its addenda."""
    followups = [followup for decision in decisions for followup in decision.followups.all()]
    return max(followups, key=lambda f: (f.recorded_on, f.created_at, f.pk), default=None)


def meeting_row(meeting: Meeting) -> DashboardRow:
    """Return one meeting's figures: withdrawn cases are not counted; a signed addendum replaces the original."""
    row = DashboardRow(meeting=meeting)
    for agenda_item in meeting.agenda_items.all():
        if agenda_item.status == AgendaItemStatus.WITHDRAWN:
            continue
        row.cases += 1
        row.deferred += agenda_item.status == AgendaItemStatus.DEFERRED
        row.ready_at_listing += agenda_item.readiness_problems_at_listing == 0
        row.readiness_problems_at_listing += agenda_item.readiness_problems_at_listing
        decisions = list(agenda_item.decisions.all())
        decision = effective_decision(decisions)
        if decision is None:
            continue
        row.decisions += 1
        row.departing += decision.departs_from_guidance
        latest = latest_followup(decisions)
        if latest is not None and latest.status != FollowUpStatus.PENDING:
            row.followed_up += 1
            row.implemented += latest.status == FollowUpStatus.IMPLEMENTED
            row.partly += latest.status == FollowUpStatus.PARTLY
    return row


def board_dashboard_rows(meetings: Iterable[Meeting]) -> tuple[list[DashboardRow], DashboardRow]:
    """Return a row per meeting and the totals."""
    rows = [meeting_row(meeting) for meeting in meetings]
    totals = DashboardRow()
    for row in rows:
        totals.add(row)
    return rows, totals

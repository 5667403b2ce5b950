"""Dashboard figures: a case's effective decision is its latest signed addendum."""

import datetime as dt

from boards.dashboard import effective_decision, meeting_row
from boards.models import FollowUp, Meeting, MeetingStatus
from tests.boards.factories import AgendaItemFactory, DecisionFactory


def _signed(meeting, chair, minutes=0):
    return {"signed_at": meeting.starts_at + dt.timedelta(minutes=minutes), "signed_by": chair}


def _row(meeting):
    return meeting_row(Meeting.objects.for_dashboard(meeting.board).get(pk=meeting.pk))


def test_meeting_row_counts_the_departure_of_the_latest_addendum(running_meeting, chair):
    corrected = AgendaItemFactory(meeting=running_meeting, position=1)
    original = DecisionFactory(agenda_item=corrected, **_signed(running_meeting, chair))
    DecisionFactory(
        agenda_item=corrected,
        amends=original,
        departs_from_guidance=True,
        departure_reason="Patient declines surgery",
        **_signed(running_meeting, chair, 10),
    )
    departing = AgendaItemFactory(meeting=running_meeting, position=2)
    first = DecisionFactory(
        agenda_item=departing, departs_from_guidance=True, departure_reason="Frailty", **_signed(running_meeting, chair)
    )
    DecisionFactory(agenda_item=departing, amends=first, **_signed(running_meeting, chair, 5))

    row = _row(running_meeting)

    assert (row.decisions, row.departing) == (2, 1)


def test_meeting_row_counts_follow_up_recorded_on_an_addendum(running_meeting, chair):
    agenda_item = AgendaItemFactory(meeting=running_meeting, position=1)
    original = DecisionFactory(agenda_item=agenda_item, **_signed(running_meeting, chair))
    addendum = DecisionFactory(agenda_item=agenda_item, amends=original, **_signed(running_meeting, chair, 10))
    FollowUp.objects.create(decision=original, status="pending", recorded_on=dt.date(2024, 6, 1), recorded_by=chair)
    FollowUp.objects.create(decision=addendum, status="implemented", recorded_on=dt.date(2024, 7, 1), recorded_by=chair)

    row = _row(running_meeting)

    assert (row.decisions, row.followed_up, row.implemented) == (1, 1, 1)
    assert row.implementation_rate == "100%"


def test_effective_decision_ignores_unsigned_originals(running_meeting, chair):
    agenda_item = AgendaItemFactory(meeting=running_meeting, position=1)
    draft = DecisionFactory(agenda_item=agenda_item)

    assert effective_decision([draft]) is None
    draft.signed_at, draft.signed_by = running_meeting.starts_at, chair
    assert effective_decision([draft]) is draft


def test_meeting_row_counts_cases_deferred_at_close_as_deferred(running_meeting, coordinator):
    from boards import services

    AgendaItemFactory(meeting=running_meeting, position=1)
    AgendaItemFactory(meeting=running_meeting, position=2)
    closed = services.meeting_close(meeting=running_meeting, by=coordinator, defer_reason="Not reached")

    row = _row(running_meeting)

    assert closed.status == MeetingStatus.CLOSED
    assert (row.cases, row.deferred, row.deferral_rate) == (2, 2, "100%")

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from boards import services
from boards.models import (
    AgendaItemStatus,
    Consensus,
    Decision,
    DecisionCategory,
    FollowUpStatus,
    Meeting,
    MeetingStatus,
    Specialty,
)
from boards.policies import PolicyError
from patients.services import EditConflict
from tests.boards.factories import AgendaItemFactory, AttendanceFactory, DecisionFactory
from tests.factories import LesionFactory, PatientFactory

DECISION = {
    "category": DecisionCategory.SURGERY,
    "recommendation": "Metastasectomy of the lung lesion.",
    "consensus": Consensus.UNANIMOUS,
}


@pytest.fixture
def full_attendance(running_meeting, chair, surgeon, radiologist):
    for user, specialty in ((chair, "medical_oncology"), (surgeon, "surgery"), (radiologist, "radiology")):
        AttendanceFactory(meeting=running_meeting, user=user, specialty=specialty, recorded_by=chair)
    return running_meeting


@pytest.fixture
def agenda_item(running_meeting):
    return AgendaItemFactory(meeting=running_meeting, position=1)


def test_agenda_item_add_appends_with_readiness_and_audit(meeting, coordinator):
    first = services.agenda_item_add(meeting=meeting, patient=PatientFactory(), question="Surgery?", by=coordinator)

    second = services.agenda_item_add(meeting=meeting, patient=PatientFactory(), question="SBRT?", by=coordinator)

    assert (first.position, second.position) == (1, 2)
    assert second.readiness_problems_at_listing == 3  # no primary, no imaging, no ECOG
    assert AuditEvent.objects.filter(action="agenda_item.added", patient=second.patient).exists()


def test_agenda_item_add_refuses_same_patient_twice(meeting, coordinator):
    patient = PatientFactory()
    services.agenda_item_add(meeting=meeting, patient=patient, question="Surgery?", by=coordinator)

    with pytest.raises(ValidationError) as excinfo:
        services.agenda_item_add(meeting=meeting, patient=patient, question="Again?", by=coordinator)

    assert "already on the agenda" in str(excinfo.value)
    assert meeting.agenda_items.count() == 1


@pytest.mark.parametrize("who", ["chair", "surgeon", "outsider"])
def test_agenda_item_add_refused_for_non_coordinators(request, meeting, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PolicyError):
        services.agenda_item_add(meeting=meeting, patient=PatientFactory(), question="Surgery?", by=user)

    assert meeting.agenda_items.count() == 0


def test_agenda_item_move_swaps_with_neighbour_and_stops_at_ends(meeting, coordinator):
    first, second, third = (AgendaItemFactory(meeting=meeting, position=n) for n in (1, 2, 3))

    services.agenda_item_move(agenda_item=third, direction="up", by=coordinator)
    services.agenda_item_move(agenda_item=first, direction="up", by=coordinator)

    order = list(meeting.agenda_items.order_by("position").values_list("pk", flat=True))
    assert order == [first.pk, third.pk, second.pk]


def test_agenda_item_defer_requires_reason_and_records_it(meeting, coordinator):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)

    with pytest.raises(ValidationError):
        services.agenda_item_defer(agenda_item=agenda_item, reason="  ", by=coordinator)
    services.agenda_item_defer(agenda_item=agenda_item, reason="CT pending", by=coordinator)

    agenda_item.refresh_from_db()
    assert (agenda_item.status, agenda_item.status_reason) == (AgendaItemStatus.DEFERRED, "CT pending")


def test_agenda_item_withdraw_frees_patient_for_relisting(meeting, coordinator):
    patient = PatientFactory()
    agenda_item = services.agenda_item_add(meeting=meeting, patient=patient, question="Surgery?", by=coordinator)

    services.agenda_item_withdraw(agenda_item=agenda_item, reason="Listed by mistake", by=coordinator)
    again = services.agenda_item_add(meeting=meeting, patient=patient, question="Surgery?", by=coordinator)

    assert again.position == 2


def test_attendance_record_refuses_someone_already_present(running_meeting, chair, surgeon):
    services.attendance_record(meeting=running_meeting, user=surgeon, specialty=Specialty.SURGERY, by=chair)

    with pytest.raises(ValidationError):
        services.attendance_record(meeting=running_meeting, user=surgeon, specialty=Specialty.SURGERY, by=chair)


def test_attendance_record_refused_for_plain_member(running_meeting, surgeon):
    with pytest.raises(PolicyError):
        services.attendance_record(meeting=running_meeting, user=surgeon, specialty=Specialty.SURGERY, by=surgeon)


def test_meeting_quorum_follows_late_arrival_and_early_leave(running_meeting, chair, surgeon, radiologist):
    start = running_meeting.starts_at
    services.attendance_record(
        meeting=running_meeting, user=chair, specialty="medical_oncology", arrived_at=start, by=chair
    )
    services.attendance_record(meeting=running_meeting, user=surgeon, specialty="surgery", arrived_at=start, by=chair)
    late = services.attendance_record(
        meeting=running_meeting,
        user=radiologist,
        specialty="radiology",
        arrived_at=start + dt.timedelta(minutes=20),
        by=chair,
    )
    services.attendance_leave(attendance=late, left_at=start + dt.timedelta(minutes=50), by=chair)

    at = [
        services.meeting_quorum(meeting=running_meeting, at=start + dt.timedelta(minutes=m)).missing
        for m in (10, 30, 60)
    ]

    assert at == [("radiology",), (), ("radiology",)]


def test_decision_record_creates_then_updates_with_version(agenda_item, surgeon):
    lesion = LesionFactory(patient=agenda_item.patient)

    decision = services.decision_record(
        agenda_item=agenda_item, by=surgeon, expected_version=0, lesions=[lesion], **DECISION
    )
    updated = services.decision_record(
        agenda_item=agenda_item, by=surgeon, expected_version=1, **{**DECISION, "recommendation": "SBRT of L1."}
    )

    assert updated.pk == decision.pk and updated.version == 2
    assert updated.recommendation == "SBRT of L1."
    assert list(updated.lesions.all()) == []
    agenda_item.refresh_from_db()
    assert agenda_item.status == AgendaItemStatus.DISCUSSED
    assert AuditEvent.objects.filter(action__in=["decision.recorded", "decision.updated"]).count() == 2


def test_decision_record_conflict_keeps_first_save_and_returns_it(agenda_item, surgeon, chair):
    services.decision_record(agenda_item=agenda_item, by=surgeon, expected_version=0, **DECISION)
    services.decision_record(
        agenda_item=agenda_item, by=surgeon, expected_version=1, **{**DECISION, "recommendation": "Surgeon's text"}
    )

    with pytest.raises(EditConflict) as excinfo:
        services.decision_record(
            agenda_item=agenda_item, by=chair, expected_version=1, **{**DECISION, "recommendation": "Chair's text"}
        )

    assert excinfo.value.current.recommendation == "Surgeon's text"
    assert Decision.objects.get().recommendation == "Surgeon's text"


def test_decision_record_two_first_saves_conflict(agenda_item, surgeon, chair):
    services.decision_record(agenda_item=agenda_item, by=surgeon, expected_version=0, **DECISION)

    with pytest.raises(EditConflict):
        services.decision_record(agenda_item=agenda_item, by=chair, expected_version=0, **DECISION)

    assert Decision.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"consensus": Consensus.MAJORITY, "dissent": ""}, "dissent"),
        ({"departs_from_guidance": True, "departure_reason": " "}, "departure_reason"),
        ({"recommendation": "  "}, "recommendation"),
    ],
)
def test_decision_record_requires_explanations(agenda_item, surgeon, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        services.decision_record(agenda_item=agenda_item, by=surgeon, expected_version=0, **{**DECISION, **fields})

    assert field in excinfo.value.message_dict
    assert not Decision.objects.exists()


def test_decision_record_refuses_lesion_of_another_patient(agenda_item, surgeon):
    with pytest.raises(ValidationError):
        services.decision_record(
            agenda_item=agenda_item, by=surgeon, expected_version=0, lesions=[LesionFactory()], **DECISION
        )

    assert not Decision.objects.exists()


def test_decision_record_refused_before_meeting_starts_and_for_outsider(meeting, surgeon, outsider):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)

    with pytest.raises(PolicyError, match="once the meeting has started"):
        services.decision_record(agenda_item=agenda_item, by=surgeon, expected_version=0, **DECISION)
    with pytest.raises(PolicyError, match="Only members"):
        services.decision_record(agenda_item=agenda_item, by=outsider, expected_version=0, **DECISION)


def test_decision_sign_locks_decision(full_attendance, chair, surgeon):
    agenda_item = AgendaItemFactory(meeting=full_attendance, position=1)
    decision = services.decision_record(agenda_item=agenda_item, by=surgeon, expected_version=0, **DECISION)
    at = full_attendance.starts_at + dt.timedelta(minutes=30)

    services.decision_sign(decision=decision, by=chair, expected_version=1, at=at)

    with pytest.raises(PolicyError, match="signed and locked"):
        services.decision_record(
            agenda_item=agenda_item, by=surgeon, expected_version=1, **{**DECISION, "recommendation": "Changed"}
        )
    decision.refresh_from_db()
    assert (decision.signed_by, decision.signed_at, decision.version) == (chair, at, 1)
    assert decision.recommendation == DECISION["recommendation"]


@pytest.mark.parametrize("who", ["surgeon", "coordinator", "outsider"])
def test_decision_sign_only_by_chair(request, full_attendance, who):
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=full_attendance, position=1))

    with pytest.raises(PolicyError):
        services.decision_sign(
            decision=decision,
            by=request.getfixturevalue(who),
            expected_version=1,
            at=full_attendance.starts_at + dt.timedelta(minutes=30),
        )

    decision.refresh_from_db()
    assert not decision.is_signed


def test_decision_sign_refused_without_quorum_naming_missing(running_meeting, chair):
    AttendanceFactory(meeting=running_meeting, user=chair, specialty="medical_oncology", recorded_by=chair)
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=running_meeting, position=1))

    with pytest.raises(PolicyError, match="No quorum: missing Surgery, Radiology"):
        services.decision_sign(
            decision=decision, by=chair, expected_version=1, at=running_meeting.starts_at + dt.timedelta(minutes=5)
        )


def test_decision_sign_refuses_outdated_version(full_attendance, chair):
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=full_attendance, position=1), version=3)

    with pytest.raises(EditConflict):
        services.decision_sign(
            decision=decision, by=chair, expected_version=2, at=full_attendance.starts_at + dt.timedelta(minutes=5)
        )


def test_decision_amend_adds_signed_addendum_and_keeps_original(full_attendance, chair):
    at = full_attendance.starts_at + dt.timedelta(minutes=5)
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=full_attendance, position=1), signed_at=at, signed_by=chair
    )
    services.meeting_close(meeting=full_attendance, by=chair)

    addendum = services.decision_amend(
        decision=decision, by=chair, **{**DECISION, "recommendation": "Correction: SBRT, not surgery."}
    )

    decision.refresh_from_db()
    assert addendum.amends == decision and addendum.is_signed and addendum.signed_by == chair
    assert decision.recommendation == "Metastasectomy of L1."
    assert AuditEvent.objects.filter(action="decision.amended").exists()


def test_decision_amend_refused_for_unsigned_or_non_chair(full_attendance, chair, surgeon):
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=full_attendance, position=1))

    with pytest.raises(PolicyError, match="not signed"):
        services.decision_amend(decision=decision, by=chair, **DECISION)
    decision.signed_at, decision.signed_by = full_attendance.starts_at, chair
    decision.save()
    with pytest.raises(PolicyError, match="Only the chair"):
        services.decision_amend(decision=decision, by=surgeon, **DECISION)


def test_closed_meeting_decisions_read_only_except_followup(full_attendance, chair, surgeon, coordinator):
    agenda_item = AgendaItemFactory(meeting=full_attendance, position=1)
    decision = DecisionFactory(agenda_item=agenda_item, signed_at=full_attendance.starts_at, signed_by=chair)
    open_item = AgendaItemFactory(meeting=full_attendance, position=2)
    services.meeting_close(meeting=full_attendance, by=coordinator, defer_reason="Not reached")

    with pytest.raises(PolicyError, match="closed"):
        services.decision_record(agenda_item=open_item, by=surgeon, expected_version=0, **DECISION)
    with pytest.raises(PolicyError, match="closed"):
        services.agenda_item_defer(agenda_item=open_item, reason="later", by=coordinator)
    followup = services.followup_record(
        decision=decision, by=surgeon, status=FollowUpStatus.IMPLEMENTED, recorded_on=dt.date(2024, 6, 20)
    )

    assert followup.recorded_by == surgeon
    full_attendance.refresh_from_db()
    assert full_attendance.status == MeetingStatus.CLOSED
    assert not full_attendance.attendances.filter(left_at__isnull=True).exists()


def test_followup_record_requires_reason_when_not_implemented(full_attendance, chair, surgeon):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=full_attendance, position=1),
        signed_at=full_attendance.starts_at,
        signed_by=chair,
    )
    services.meeting_close(meeting=full_attendance, by=chair)

    with pytest.raises(ValidationError) as excinfo:
        services.followup_record(decision=decision, by=surgeon, status=FollowUpStatus.NOT_IMPLEMENTED)
    followup = services.followup_record(
        decision=decision,
        by=surgeon,
        status=FollowUpStatus.NOT_IMPLEMENTED,
        reason="patient_wish",
        recorded_on=dt.date(2024, 6, 1),
    )

    assert "reason" in excinfo.value.message_dict
    assert followup.get_reason_display() == "Patient wish"
    assert AuditEvent.objects.filter(action="followup.recorded").count() == 1


def test_followup_record_refused_for_unsigned_decision_and_outsider(full_attendance, outsider, surgeon):
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=full_attendance, position=1))

    with pytest.raises(PolicyError, match="signed decisions only"):
        services.followup_record(decision=decision, by=surgeon, status=FollowUpStatus.PENDING)
    with pytest.raises(PolicyError, match="Only members"):
        services.followup_record(decision=decision, by=outsider, status=FollowUpStatus.PENDING)


def test_meeting_start_and_close_by_coordinator_only(meeting, coordinator, surgeon):
    with pytest.raises(PolicyError):
        services.meeting_start(meeting=meeting, by=surgeon)

    services.meeting_start(meeting=meeting, by=coordinator)
    services.meeting_close(meeting=meeting, by=coordinator)

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["meeting.started", "meeting.closed"]


def make_evaluation(patient, as_of=dt.date(2024, 5, 14)):
    from guidance.models import Evaluation, GuidelineRelease

    release = GuidelineRelease.objects.create(disease="acc", version=f"test-{Evaluation.objects.count()}")
    return Evaluation.objects.create(
        patient=patient, as_of=as_of, release=release, facts={}, input_hash="0" * 64, output={}
    )


def test_decision_sign_keeps_the_evaluation_shown_not_a_later_one_made_elsewhere(full_attendance, chair, surgeon):
    agenda_item = AgendaItemFactory(meeting=full_attendance, position=1)
    shown = make_evaluation(agenda_item.patient)
    services.agenda_item_evaluation_set(agenda_item=agenda_item, evaluation=shown, by=surgeon)
    make_evaluation(agenda_item.patient)  # e.g. on the patient page, with other board inputs
    decision = DecisionFactory(agenda_item=agenda_item)

    services.decision_sign(
        decision=decision, by=chair, expected_version=1, expected_evaluation=shown, at=full_attendance.starts_at
    )

    agenda_item.refresh_from_db()
    assert agenda_item.evaluation == shown
    signed = AuditEvent.objects.get(action="decision.signed")
    assert signed.detail["evaluation"] == str(shown.public_id)


def test_decision_sign_refuses_when_the_guidance_shown_changed_meanwhile(full_attendance, chair, surgeon):
    agenda_item = AgendaItemFactory(meeting=full_attendance, position=1)
    seen_by_chair = make_evaluation(agenda_item.patient)
    services.agenda_item_evaluation_set(agenda_item=agenda_item, evaluation=seen_by_chair, by=surgeon)
    services.agenda_item_evaluation_set(
        agenda_item=agenda_item, evaluation=make_evaluation(agenda_item.patient), by=surgeon
    )
    decision = DecisionFactory(agenda_item=agenda_item)

    with pytest.raises(PolicyError, match="guidance shown for this case changed"):
        services.decision_sign(
            decision=decision,
            by=chair,
            expected_version=1,
            expected_evaluation=seen_by_chair,
            at=full_attendance.starts_at,
        )

    decision.refresh_from_db()
    assert not decision.is_signed


def test_decision_sign_without_guidance_shown_keeps_none(full_attendance, chair):
    agenda_item = AgendaItemFactory(meeting=full_attendance, position=1)
    make_evaluation(agenda_item.patient)  # made elsewhere, never shown at this meeting
    decision = DecisionFactory(agenda_item=agenda_item)

    services.decision_sign(
        decision=decision, by=chair, expected_version=1, expected_evaluation=None, at=full_attendance.starts_at
    )

    agenda_item.refresh_from_db()
    assert agenda_item.evaluation is None


def test_agenda_item_evaluation_set_refused_once_signed_or_deferred(full_attendance, chair, surgeon, coordinator):
    signed_item = AgendaItemFactory(meeting=full_attendance, position=1)
    DecisionFactory(agenda_item=signed_item, signed_at=full_attendance.starts_at, signed_by=chair)
    deferred_item = AgendaItemFactory(meeting=full_attendance, position=2)
    services.agenda_item_defer(agenda_item=deferred_item, reason="CT pending", by=coordinator)

    with pytest.raises(PolicyError, match="signed"):
        services.agenda_item_evaluation_set(
            agenda_item=signed_item, evaluation=make_evaluation(signed_item.patient), by=surgeon
        )
    with pytest.raises(PolicyError, match="deferred"):
        services.agenda_item_evaluation_set(
            agenda_item=deferred_item, evaluation=make_evaluation(deferred_item.patient), by=surgeon
        )


def test_agenda_item_evaluation_set_refuses_other_patients_evaluation(running_meeting, surgeon):
    agenda_item = AgendaItemFactory(meeting=running_meeting, position=1)
    own = make_evaluation(agenda_item.patient)

    with pytest.raises(ValidationError):
        services.agenda_item_evaluation_set(
            agenda_item=agenda_item, evaluation=make_evaluation(PatientFactory()), by=surgeon
        )
    services.agenda_item_evaluation_set(agenda_item=agenda_item, evaluation=own, by=surgeon)

    agenda_item.refresh_from_db()
    assert agenda_item.evaluation == own


# Guidance kept with the case (a real evaluation under the installed 2026.1 release)


@pytest.fixture
def crc_case_item(board, coordinator):
    from tests.boards.factories import MeetingFactory
    from tests.guidance.db_factories import crc_patient

    meeting = MeetingFactory(
        board=board,
        created_by=coordinator,
        status=MeetingStatus.IN_PROGRESS,
        starts_at=dt.datetime(2026, 10, 1, 16, 0, tzinfo=dt.UTC),
    )
    return AgendaItemFactory(meeting=meeting, position=1, patient=crc_patient())


def test_agenda_item_evaluate_keeps_evaluation_and_reuses_it_while_nothing_changes(crc_case_item, surgeon):
    as_of = dt.date(2026, 10, 1)

    first = services.agenda_item_evaluate(agenda_item=crc_case_item, as_of=as_of, board_inputs={}, by=surgeon)
    again = services.agenda_item_evaluate(agenda_item=crc_case_item, as_of=as_of, board_inputs={}, by=surgeon)
    changed = services.agenda_item_evaluate(
        agenda_item=crc_case_item, as_of=as_of, board_inputs={"resectability": "upfront_resectable"}, by=surgeon
    )

    crc_case_item.refresh_from_db()
    assert first == again != changed
    assert crc_case_item.evaluation == changed
    assert changed.board_inputs["resectability"] == "upfront_resectable"
    assert AuditEvent.objects.filter(action="agenda_item.evaluation_shown").count() == 2


def test_agenda_item_evaluate_refused_for_non_member(crc_case_item, outsider):
    with pytest.raises(PolicyError, match="Only members"):
        services.agenda_item_evaluate(
            agenda_item=crc_case_item, as_of=dt.date(2026, 10, 1), board_inputs={}, by=outsider
        )

    crc_case_item.refresh_from_db()
    assert crc_case_item.evaluation is None


# Closing the meeting


def test_meeting_close_refused_while_cases_lack_a_signed_decision_naming_them(full_attendance, coordinator, chair):
    AgendaItemFactory(meeting=full_attendance, position=1, patient=PatientFactory(name="Anna Listed"))
    DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=full_attendance, position=2, patient=PatientFactory(name="Bert Unsigned"))
    )
    DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=full_attendance, position=3, patient=PatientFactory(name="Cleo Signed")),
        signed_at=full_attendance.starts_at,
        signed_by=chair,
    )
    AgendaItemFactory(meeting=full_attendance, position=4, status="withdrawn", status_reason="duplicate")

    with pytest.raises(services.CasesPending) as excinfo:
        services.meeting_close(meeting=full_attendance, by=coordinator)

    message = str(excinfo.value)
    assert "2 cases without a signed decision" in message
    assert "Anna Listed (no decision)" in message and "Bert Unsigned (decision not signed)" in message
    assert "Cleo" not in message
    full_attendance.refresh_from_db()
    assert full_attendance.status == MeetingStatus.IN_PROGRESS
    assert not AuditEvent.objects.filter(action="meeting.closed").exists()


def test_meeting_close_with_a_reason_defers_the_remaining_cases_then_closes(full_attendance, coordinator, chair):
    listed = AgendaItemFactory(meeting=full_attendance, position=1)
    signed = AgendaItemFactory(meeting=full_attendance, position=2, status=AgendaItemStatus.DISCUSSED)
    DecisionFactory(agenda_item=signed, signed_at=full_attendance.starts_at, signed_by=chair)

    services.meeting_close(meeting=full_attendance, by=coordinator, defer_reason="Not reached")

    listed.refresh_from_db()
    signed.refresh_from_db()
    full_attendance.refresh_from_db()
    assert (listed.status, listed.status_reason) == (AgendaItemStatus.DEFERRED, "Not reached")
    assert signed.status == AgendaItemStatus.DISCUSSED
    assert full_attendance.status == MeetingStatus.CLOSED
    assert AuditEvent.objects.filter(action="agenda_item.deferred", target_public_id=str(listed.public_id)).exists()


def test_meeting_close_deferring_is_the_coordinators_decision(full_attendance, chair):
    listed = AgendaItemFactory(meeting=full_attendance, position=1)

    with pytest.raises(PolicyError, match="coordinators"):
        services.meeting_close(meeting=full_attendance, by=chair, defer_reason="Not reached")

    listed.refresh_from_db()
    full_attendance.refresh_from_db()
    assert listed.status == AgendaItemStatus.LISTED and full_attendance.status == MeetingStatus.IN_PROGRESS


def test_meeting_update_changes_place_and_is_refused_once_closed(meeting, coordinator, surgeon):
    services.meeting_update(meeting=meeting, starts_at=meeting.starts_at, place="Room 2", by=coordinator)
    with pytest.raises(PolicyError):
        services.meeting_update(meeting=meeting, starts_at=meeting.starts_at, place="Room 3", by=surgeon)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CLOSED)

    with pytest.raises(PolicyError, match="closed"):
        services.meeting_update(meeting=meeting, starts_at=meeting.starts_at, place="Room 4", by=coordinator)

    meeting.refresh_from_db()
    assert meeting.place == "Room 2"
    assert AuditEvent.objects.get(action="meeting.updated").detail["before"]["place"] == "Room 4.12"


# Agenda edits: the same version check as decisions


def test_agenda_item_update_second_save_on_old_version_conflicts_and_keeps_first(meeting, coordinator, chair):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1, question="Original?")
    services.agenda_item_update(
        agenda_item=agenda_item,
        question="First coordinator's question",
        presenter=chair,
        expected_version=1,
        by=coordinator,
    )

    with pytest.raises(EditConflict) as excinfo:
        services.agenda_item_update(
            agenda_item=agenda_item, question="Second question", presenter=None, expected_version=1, by=coordinator
        )

    theirs = excinfo.value.current
    assert (theirs.question, theirs.presenter, theirs.version, theirs.updated_by) == (
        "First coordinator's question",
        chair,
        2,
        coordinator,
    )
    agenda_item.refresh_from_db()
    assert agenda_item.question == "First coordinator's question"
    assert AuditEvent.objects.filter(action="agenda_item.updated").count() == 1


# Attendance corrections


def test_attendance_update_corrects_times_and_quorum_follows(running_meeting, chair, surgeon, radiologist):
    start = running_meeting.starts_at
    for user, specialty in ((chair, "medical_oncology"), (surgeon, "surgery")):
        services.attendance_record(meeting=running_meeting, user=user, specialty=specialty, arrived_at=start, by=chair)
    entry = services.attendance_record(
        meeting=running_meeting, user=radiologist, specialty="radiology", arrived_at=start, by=chair
    )

    services.attendance_update(
        attendance=entry,
        arrived_at=start + dt.timedelta(minutes=30),
        left_at=start + dt.timedelta(minutes=50),
        by=chair,
    )

    at = [
        services.meeting_quorum(meeting=running_meeting, at=start + dt.timedelta(minutes=m)).missing
        for m in (10, 40, 55)
    ]
    assert at == [("radiology",), (), ("radiology",)]
    event = AuditEvent.objects.get(action="attendance.corrected")
    assert event.detail["before"]["left_at"] is None and event.detail["after"]["left_at"].endswith("16:50:00+00:00")


def test_attendance_update_refuses_leaving_before_arriving(running_meeting, chair, surgeon):
    entry = services.attendance_record(meeting=running_meeting, user=surgeon, specialty="surgery", by=chair)

    with pytest.raises(ValidationError) as excinfo:
        services.attendance_update(
            attendance=entry,
            arrived_at=running_meeting.starts_at,
            left_at=running_meeting.starts_at - dt.timedelta(minutes=1),
            by=chair,
        )

    assert "left_at" in excinfo.value.message_dict


def test_attendance_withdraw_keeps_the_row_and_stops_counting_it(running_meeting, chair, surgeon, radiologist):
    start = running_meeting.starts_at
    for user, specialty in ((chair, "medical_oncology"), (surgeon, "surgery")):
        services.attendance_record(meeting=running_meeting, user=user, specialty=specialty, arrived_at=start, by=chair)
    wrong = services.attendance_record(
        meeting=running_meeting, user=radiologist, specialty="radiology", arrived_at=start, by=chair
    )
    assert services.meeting_quorum(meeting=running_meeting, at=start).is_met

    with pytest.raises(ValidationError):
        services.attendance_withdraw(attendance=wrong, reason=" ", by=chair)
    services.attendance_withdraw(attendance=wrong, reason="Recorded the wrong person", by=chair)

    wrong.refresh_from_db()
    assert wrong.is_withdrawn and wrong.withdrawn_by == chair and wrong.withdrawn_reason == "Recorded the wrong person"
    assert services.meeting_quorum(meeting=running_meeting, at=start).missing == ("radiology",)
    assert running_meeting.attendances.count() == 3
    assert AuditEvent.objects.filter(action="attendance.withdrawn").count() == 1
    # The withdrawn entry no longer blocks recording the person's real arrival.
    services.attendance_record(meeting=running_meeting, user=radiologist, specialty="radiology", by=chair)


def test_attendance_corrections_refused_for_members_and_after_close(running_meeting, chair, surgeon, coordinator):
    entry = services.attendance_record(meeting=running_meeting, user=surgeon, specialty="surgery", by=chair)
    with pytest.raises(PolicyError):
        services.attendance_withdraw(attendance=entry, reason="wrong", by=surgeon)
    services.meeting_close(meeting=running_meeting, by=coordinator)

    with pytest.raises(PolicyError, match="closed"):
        services.attendance_update(attendance=entry, arrived_at=running_meeting.starts_at, left_at=None, by=chair)
    with pytest.raises(PolicyError, match="closed"):
        services.attendance_withdraw(attendance=entry, reason="wrong", by=chair)

    entry.refresh_from_db()
    assert not entry.is_withdrawn


def test_decision_sign_ignores_a_withdrawn_attendance_for_quorum(running_meeting, chair, surgeon, radiologist):
    start = running_meeting.starts_at
    for user, specialty in ((chair, "medical_oncology"), (surgeon, "surgery")):
        services.attendance_record(meeting=running_meeting, user=user, specialty=specialty, arrived_at=start, by=chair)
    wrong = services.attendance_record(
        meeting=running_meeting, user=radiologist, specialty="radiology", arrived_at=start, by=chair
    )
    services.attendance_withdraw(attendance=wrong, reason="Was not there", by=chair)
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=running_meeting, position=1))

    with pytest.raises(PolicyError, match="No quorum: missing Radiology"):
        services.decision_sign(decision=decision, by=chair, expected_version=1, at=start + dt.timedelta(minutes=5))


# Follow-up after the meeting


def test_followup_record_refused_before_the_meeting_is_closed(full_attendance, chair, surgeon):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=full_attendance, position=1),
        signed_at=full_attendance.starts_at,
        signed_by=chair,
    )

    with pytest.raises(PolicyError, match="after the meeting"):
        services.followup_record(decision=decision, by=surgeon, status=FollowUpStatus.IMPLEMENTED)

    assert not decision.followups.exists()

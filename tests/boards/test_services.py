import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from boards import services
from boards.models import AgendaItemStatus, Consensus, Decision, DecisionCategory, FollowUpStatus, MeetingStatus, Specialty
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
    services.attendance_record(meeting=running_meeting, user=chair, specialty="medical_oncology", arrived_at=start, by=chair)
    services.attendance_record(meeting=running_meeting, user=surgeon, specialty="surgery", arrived_at=start, by=chair)
    late = services.attendance_record(
        meeting=running_meeting, user=radiologist, specialty="radiology",
        arrived_at=start + dt.timedelta(minutes=20), by=chair,
    )
    services.attendance_leave(attendance=late, left_at=start + dt.timedelta(minutes=50), by=chair)

    at = [services.meeting_quorum(meeting=running_meeting, at=start + dt.timedelta(minutes=m)).missing for m in (10, 30, 60)]

    assert at == [("radiology",), (), ("radiology",)]


def test_decision_record_creates_then_updates_with_version(agenda_item, surgeon):
    lesion = LesionFactory(patient=agenda_item.patient)

    decision = services.decision_record(agenda_item=agenda_item, by=surgeon, expected_version=0, lesions=[lesion], **DECISION)
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
            decision=decision, by=request.getfixturevalue(who), expected_version=1,
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
    decision = DecisionFactory(agenda_item=AgendaItemFactory(meeting=full_attendance, position=1), signed_at=at, signed_by=chair)
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
    services.meeting_close(meeting=full_attendance, by=coordinator)

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
        agenda_item=AgendaItemFactory(meeting=full_attendance, position=1), signed_at=full_attendance.starts_at,
        signed_by=chair,
    )

    with pytest.raises(ValidationError) as excinfo:
        services.followup_record(decision=decision, by=surgeon, status=FollowUpStatus.NOT_IMPLEMENTED)
    followup = services.followup_record(
        decision=decision, by=surgeon, status=FollowUpStatus.NOT_IMPLEMENTED, reason="patient_wish",
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


def test_decision_sign_keeps_latest_evaluation_of_patient(full_attendance, chair):
    agenda_item = AgendaItemFactory(meeting=full_attendance, position=1)
    make_evaluation(agenda_item.patient)
    latest = make_evaluation(agenda_item.patient)
    make_evaluation(PatientFactory())
    decision = DecisionFactory(agenda_item=agenda_item)

    services.decision_sign(decision=decision, by=chair, expected_version=1, at=full_attendance.starts_at)

    agenda_item.refresh_from_db()
    assert agenda_item.evaluation == latest


def test_agenda_item_evaluation_set_refuses_other_patients_evaluation(running_meeting, surgeon):
    agenda_item = AgendaItemFactory(meeting=running_meeting, position=1)
    own = make_evaluation(agenda_item.patient)

    with pytest.raises(ValidationError):
        services.agenda_item_evaluation_set(agenda_item=agenda_item, evaluation=make_evaluation(PatientFactory()), by=surgeon)
    services.agenda_item_evaluation_set(agenda_item=agenda_item, evaluation=own, by=surgeon)

    agenda_item.refresh_from_db()
    assert agenda_item.evaluation == own

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from boards.models import AgendaItem, Consensus, Decision, FollowUp, MeetingStatus
from tests.boards.factories import AgendaItemFactory, AttendanceFactory, BoardFactory, DecisionFactory, MeetingFactory
from tests.factories import (
    EcogAssessmentFactory,
    EventFactory,
    LabResultFactory,
    LesionFactory,
    MeasurementFactory,
    PatientFactory,
    PrimaryTumourFactory,
)

HX = {"HX-Request": "true"}


def review_url(meeting, position=1):
    return reverse("boards:meeting-review", args=[meeting.public_id, position])


def outcomes_url(meeting):
    return reverse("boards:meeting-outcomes", args=[meeting.public_id])


def heavy_patient(lesions=1, events=1):
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient)
    for n in range(lesions):
        lesion = LesionFactory(patient=patient, label=f"L{n}")
        MeasurementFactory(lesion=lesion)
        MeasurementFactory(lesion=lesion, measured_on=dt.date(2024, 4, 1), size_mm=Decimal("12"))
    for _ in range(events):
        event = EventFactory(patient=patient)
        event.lesions.set(patient.lesions.all())
    EcogAssessmentFactory(patient=patient)
    LabResultFactory(patient=patient)
    return patient


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


# Access


def all_urls(meeting):
    return [
        meeting.board.get_absolute_url(),
        reverse("boards:board-dashboard", args=[meeting.board.public_id]),
        meeting.get_absolute_url(),
        review_url(meeting),
        outcomes_url(meeting),
    ]


def test_board_pages_404_for_non_member(as_user, meeting, outsider):
    AgendaItemFactory(meeting=meeting, position=1)
    client = as_user(outsider)

    statuses = [client.get(url).status_code for url in all_urls(meeting)]

    assert statuses == [404] * 5


def test_board_pages_404_for_member_of_another_board(as_user, meeting, board):
    AgendaItemFactory(meeting=meeting, position=1)
    other_meeting = MeetingFactory(board=BoardFactory(), created_by=meeting.created_by)
    AgendaItemFactory(meeting=other_meeting, position=1)
    client = as_user(meeting.created_by)  # the coordinator of `board`

    assert [client.get(url).status_code for url in all_urls(other_meeting)] == [404] * 5
    assert [client.get(url).status_code for url in all_urls(meeting)] == [200] * 5


def test_board_pages_require_login(client, meeting):
    response = client.get(meeting.get_absolute_url())

    assert response.status_code == 302


def test_board_list_shows_only_my_boards(as_user, board, surgeon):
    BoardFactory(name="Hidden board")

    content = as_user(surgeon).get(reverse("boards:board-list")).content.decode()

    assert "Endocrine tumours" in content and "Hidden board" not in content


def test_board_detail_shows_members_quorum_and_meetings(as_user, meeting, chair, surgeon):
    content = as_user(surgeon).get(meeting.board.get_absolute_url()).content.decode()

    assert "Chris Chair" in content and "Medical oncology" in content and "Radiology" in content
    assert meeting.get_absolute_url() in content


def test_board_detail_coordinator_plans_meeting_with_field_errors(as_user, board, coordinator):
    client = as_user(coordinator)

    bad = client.post(board.get_absolute_url(), {"starts_at": "2024-06-01T16:00", "place": "", "video_link": ""})
    good = client.post(board.get_absolute_url(), {"starts_at": "2024-06-01T16:00", "place": "Room 1", "video_link": ""})

    assert "Give a place or a video link." in bad.content.decode()
    assert good.status_code == 302 and board.meetings.count() == 1


# Meeting page


def test_meeting_detail_coordinator_searches_and_adds_case(as_user, meeting, coordinator):
    patient = PatientFactory(name="Erika Muster")
    client = as_user(coordinator)

    search = client.post(meeting.get_absolute_url(), {"action": "search", "q": "Muster"}, headers=HX)
    added = client.post(
        meeting.get_absolute_url(),
        {"action": "add", "patient": str(patient.public_id), "question": "Resect the lung lesion?"},
        headers=HX,
    )

    assert 'id="patient-results"' in search.content.decode() and "<html" not in search.content.decode()
    assert "Erika Muster" in search.content.decode()
    assert 'id="agenda-section"' in added.content.decode()
    assert AgendaItem.objects.get().question == "Resect the lung lesion?"


def test_meeting_detail_add_case_without_patient_shows_field_error(as_user, meeting, coordinator):
    response = as_user(coordinator).post(meeting.get_absolute_url(), {"action": "add", "question": "?"}, headers=HX)

    assert "Find and choose a patient." in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_meeting_detail_member_cannot_change_agenda(as_user, meeting, surgeon):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)

    page = as_user(surgeon).get(meeting.get_absolute_url()).content.decode()
    response = as_user(surgeon).post(
        meeting.get_absolute_url(),
        {"action": "withdraw", "agenda_item": str(agenda_item.public_id), "reason": "x"},
        headers=HX,
    )

    assert "Add a case" not in page and "Defer or withdraw" not in page
    assert "Only the board&#x27;s coordinators can change the agenda." in response.content.decode()
    agenda_item.refresh_from_db()
    assert agenda_item.status == "listed"


def test_meeting_detail_move_returns_agenda_fragment_in_new_order(as_user, meeting, coordinator):
    first = AgendaItemFactory(meeting=meeting, position=1, patient=PatientFactory(name="Anna First"))
    AgendaItemFactory(meeting=meeting, position=2, patient=PatientFactory(name="Bert Second"))

    response = as_user(coordinator).post(
        meeting.get_absolute_url(),
        {"action": "move", "agenda_item": str(first.public_id), "direction": "down"},
        headers=HX,
    )

    content = response.content.decode()
    assert 'id="agenda"' in content and "<html" not in content
    assert content.index("Bert Second") < content.index("Anna First")


def test_meeting_detail_defer_without_reason_shows_error_at_field(as_user, meeting, coordinator):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)

    response = as_user(coordinator).post(
        meeting.get_absolute_url(),
        {"action": "defer", "agenda_item": str(agenda_item.public_id), "reason": ""},
        headers=HX,
    )

    assert f'id="reason-error-{agenda_item.public_id}"' in response.content.decode()
    agenda_item.refresh_from_db()
    assert agenda_item.status == "listed"


def test_meeting_detail_shows_readiness_with_fix_links(as_user, meeting, surgeon):
    patient = PatientFactory()
    AgendaItemFactory(meeting=meeting, position=1, patient=patient)

    content = as_user(surgeon).get(meeting.get_absolute_url()).content.decode()

    assert f'href="{patient.get_absolute_url()}#status"' in content
    assert "No ECOG on record" in content


def test_meeting_detail_attendance_updates_quorum(as_user, running_meeting, coordinator, chair, surgeon):
    client = as_user(coordinator)

    client.post(running_meeting.get_absolute_url(), {"action": "arrive", "user": chair.pk}, headers=HX)
    response = client.post(running_meeting.get_absolute_url(), {"action": "arrive", "user": surgeon.pk}, headers=HX)

    content = response.content.decode()
    assert 'id="attendance"' in content and "<html" not in content
    assert "No quorum: missing Radiology." in content
    assert running_meeting.attendances.get(user=chair).specialty == "medical_oncology"


def test_meeting_detail_queries_do_not_grow(as_user, meeting, coordinator, django_assert_num_queries):
    AgendaItemFactory(meeting=meeting, position=1, patient=heavy_patient())
    AttendanceFactory(meeting=meeting, user=coordinator, recorded_by=coordinator)
    client = as_user(coordinator)
    client.get(meeting.get_absolute_url())
    # session, user, meeting+board, membership, agenda items+presenter+patient+primary, lesions,
    # measurements, events (with their treated lesions' ids), Ki-67, ECOG, frailty, comorbidities, labs,
    # decisions, board members (agenda), attendance+user, attendance form users, add form presenters, audit
    # row (the session was renewed by the first request: within a minute it is not written again)
    with django_assert_num_queries(19):
        client.get(meeting.get_absolute_url())

    for position in range(2, 12):
        agenda_item = AgendaItemFactory(meeting=meeting, position=position, patient=heavy_patient(lesions=4, events=5))
        DecisionFactory(agenda_item=agenda_item)
    with django_assert_num_queries(19):
        client.get(meeting.get_absolute_url())


# Live case review


@pytest.fixture
def quorate(running_meeting, chair, surgeon, radiologist):
    for user, specialty in ((chair, "medical_oncology"), (surgeon, "surgery"), (radiologist, "radiology")):
        AttendanceFactory(
            meeting=running_meeting,
            user=user,
            specialty=specialty,
            recorded_by=chair,
            arrived_at=running_meeting.starts_at - dt.timedelta(days=1),
        )
    return running_meeting


def decision_post(**overrides):
    return {
        "action": "decision",
        "version": "0",
        "category": "surgery",
        "recommendation": "Resect L0.",
        "consensus": Consensus.UNANIMOUS,
        **overrides,
    }


def test_meeting_review_shows_case_with_prev_next_links(as_user, meeting, surgeon):
    for position in (1, 2, 3):
        AgendaItemFactory(meeting=meeting, position=position, question=f"Question {position}")

    content = as_user(surgeon).get(review_url(meeting, 2)).content.decode()

    assert "Question 2" in content and "Case 2 of 3" in content
    assert f'rel="prev" href="{review_url(meeting, 1)}"' in content
    assert f'rel="next" href="{review_url(meeting, 3)}"' in content
    assert "accesskey" not in content  # the keys come from static/js/review-keys.js


def test_meeting_review_counts_and_steps_over_gaps_in_the_agenda(as_user, meeting, surgeon):
    for position in (1, 3, 7):
        AgendaItemFactory(meeting=meeting, position=position, question=f"Question {position}")

    content = as_user(surgeon).get(review_url(meeting, 3)).content.decode()

    assert "Question 3" in content and "Case 2 of 3" in content
    assert f'rel="prev" href="{review_url(meeting, 1)}"' in content
    assert f'rel="next" href="{review_url(meeting, 7)}"' in content


def test_meeting_review_unknown_position_404(as_user, meeting, surgeon):
    AgendaItemFactory(meeting=meeting, position=1)

    assert as_user(surgeon).get(review_url(meeting, 9)).status_code == 404


def test_meeting_review_records_decision_with_htmx(as_user, quorate, surgeon):
    patient = heavy_patient()
    AgendaItemFactory(meeting=quorate, position=1, patient=patient)
    lesion = patient.lesions.get()

    response = as_user(surgeon).post(review_url(quorate), decision_post(lesions=[str(lesion.public_id)]), headers=HX)

    content = response.content.decode()
    assert 'id="decision"' in content and "<html" not in content and "Decision saved." in content
    decision = Decision.objects.get()
    assert decision.recommendation == "Resect L0." and list(decision.lesions.all()) == [lesion]


def test_meeting_review_majority_without_dissent_shows_field_error(as_user, quorate, surgeon):
    AgendaItemFactory(meeting=quorate, position=1)

    response = as_user(surgeon).post(review_url(quorate), decision_post(consensus="majority"), headers=HX)

    assert "Record the dissent: who disagreed and why." in response.content.decode()
    assert not Decision.objects.exists()


def test_meeting_review_concurrent_edit_shows_conflict_and_keeps_first(as_user, quorate, surgeon, radiologist):
    AgendaItemFactory(meeting=quorate, position=1)
    as_user(surgeon).post(review_url(quorate), decision_post(recommendation="Surgeon's first text"), headers=HX)
    # Both opened the form at version 1; the surgeon saves first.
    as_user(surgeon).post(review_url(quorate), decision_post(version="1", recommendation="Surgeon's edit"), headers=HX)

    response = as_user(radiologist).post(
        review_url(quorate), decision_post(version="1", recommendation="Radiologist's edit"), headers=HX
    )

    content = response.content.decode()
    assert "Someone else saved this decision while you were editing" in content
    assert "Surgeon&#x27;s edit" in content  # their version, shown
    assert "Radiologist&#x27;s edit" in content  # my input, kept in the form
    assert 'name="version" value="2"' in content
    assert Decision.objects.get().recommendation == "Surgeon's edit"


def test_meeting_review_chair_signs_and_edit_is_refused(as_user, quorate, chair, surgeon):
    agenda_item = AgendaItemFactory(meeting=quorate, position=1)
    decision = DecisionFactory(agenda_item=agenda_item)
    surgeon_page = as_user(surgeon).get(review_url(quorate)).content.decode()

    signed = as_user(chair).post(review_url(quorate), {"action": "sign", "version": "1"}, headers=HX)
    refused = as_user(surgeon).post(
        review_url(quorate), decision_post(version="1", recommendation="Changed"), headers=HX
    )

    assert "Sign off and lock" not in surgeon_page
    assert "Decision signed and locked." in signed.content.decode()
    assert "This decision is signed and locked" in refused.content.decode()
    decision.refresh_from_db()
    assert decision.is_signed and decision.recommendation == "Metastasectomy of L1." and decision.version == 1


def test_meeting_review_sign_button_disabled_without_quorum(as_user, running_meeting, chair):
    DecisionFactory(agenda_item=AgendaItemFactory(meeting=running_meeting, position=1))

    content = as_user(chair).get(review_url(running_meeting)).content.decode()

    assert 'value="sign" disabled' in content
    assert "No quorum: missing Medical oncology, Surgery, Radiology." in content


def test_meeting_review_chair_adds_addendum_after_close(as_user, quorate, chair):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=quorate, position=1), signed_at=quorate.starts_at, signed_by=chair
    )
    quorate.status = MeetingStatus.CLOSED
    quorate.save()

    response = as_user(chair).post(
        review_url(quorate), {**decision_post(recommendation="Correction: SBRT."), "action": "amend"}, headers=HX
    )

    assert "Addendum signed." in response.content.decode()
    assert Decision.objects.get(amends=decision).recommendation == "Correction: SBRT."


def test_meeting_review_queries_do_not_grow(as_user, quorate, chair, django_assert_num_queries):
    patient = heavy_patient()
    agenda_item = AgendaItemFactory(meeting=quorate, position=1, patient=patient)
    decision = DecisionFactory(agenda_item=agenda_item)
    decision.lesions.set(patient.lesions.all())
    client = as_user(chair)
    client.get(review_url(quorate))
    # session, user, meeting+board, membership, agenda item+presenter+evaluation+release+patient+primary, the
    # agenda's positions (its place on the agenda), lesions, measurements, events (with their treated lesions' ids), Ki-67, ECOG,
    # frailty, comorbidities, labs, decisions, decision lesions; the guidance shown (boards.case_review) is the
    # evaluation kept with the case, from the record already loaded (no query); attendance+user, audit row,
    # attendance form users; the decision form's lesions are the record's (the session is not rewritten
    # within a minute)
    with django_assert_num_queries(19):
        client.get(review_url(quorate))

    for n in range(2, 12):
        lesion = LesionFactory(patient=patient, label=f"M{n}")
        MeasurementFactory(lesion=lesion)
        EventFactory(patient=patient).lesions.add(lesion)
        AgendaItemFactory(meeting=quorate, position=n)
    decision.lesions.set(patient.lesions.all())
    client.get(review_url(quorate))  # the record changed: a new evaluation is made and kept once
    with django_assert_num_queries(19):
        client.get(review_url(quorate))


# After the meeting


def test_meeting_outcomes_records_followup_and_shows_error_at_field(as_user, quorate, chair, surgeon):
    decision = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=quorate, position=1), signed_at=quorate.starts_at, signed_by=chair
    )
    quorate.status = MeetingStatus.CLOSED
    quorate.save()
    client = as_user(surgeon)

    bad = client.post(
        outcomes_url(quorate),
        {"decision": str(decision.public_id), "status": "not_implemented", "reason": "", "recorded_on": "2024-06-01"},
        headers=HX,
    )
    good = client.post(
        outcomes_url(quorate),
        {"decision": str(decision.public_id), "status": "implemented", "reason": "", "recorded_on": "2024-06-01"},
        headers=HX,
    )

    assert f'id="reason-error-{decision.public_id}"' in bad.content.decode()
    assert 'id="outcomes"' in good.content.decode() and "<html" not in good.content.decode()
    assert FollowUp.objects.get().status == "implemented"


def test_meeting_outcomes_queries_do_not_grow(as_user, quorate, chair, django_assert_num_queries):
    DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=quorate, position=1), signed_at=quorate.starts_at, signed_by=chair
    )
    client = as_user(chair)
    client.get(outcomes_url(quorate))  # renews the session, which is then not written again within a minute
    # session, user, meeting+board, membership, agenda items+patient+presenter, decisions+signers,
    # decision lesions, follow-ups+recorder, audit row
    with django_assert_num_queries(9):
        client.get(outcomes_url(quorate))

    for position in range(2, 12):
        DecisionFactory(
            agenda_item=AgendaItemFactory(meeting=quorate, position=position),
            signed_at=quorate.starts_at,
            signed_by=chair,
        )
    with django_assert_num_queries(9):
        client.get(outcomes_url(quorate))


def test_board_dashboard_shows_rates(as_user, quorate, chair, surgeon):
    signed = {"signed_at": quorate.starts_at, "signed_by": chair}
    implemented = DecisionFactory(agenda_item=AgendaItemFactory(meeting=quorate, position=1), **signed)
    FollowUp.objects.create(
        decision=implemented, status="implemented", recorded_on=dt.date(2024, 6, 1), recorded_by=chair
    )
    departing = DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=quorate, position=2, readiness_problems_at_listing=2),
        departs_from_guidance=True,
        departure_reason="Patient preference",
        **signed,
    )
    FollowUp.objects.create(
        decision=departing,
        status="not_implemented",
        reason="not_fit",
        recorded_on=dt.date(2024, 6, 1),
        recorded_by=chair,
    )
    AgendaItemFactory(meeting=quorate, position=3, status="deferred", status_reason="CT pending")
    AgendaItemFactory(meeting=quorate, position=4, status="withdrawn", status_reason="duplicate")

    content = as_user(surgeon).get(reverse("boards:board-dashboard", args=[quorate.board.public_id])).content.decode()

    assert "<td>3</td>" in content  # cases, withdrawn not counted
    assert "1 (33%)" in content  # deferred
    assert "2 (67%)" in content  # ready at listing
    assert "1 (50%)" in content  # departing from guidance
    assert "1 of 2 (50%)" in content  # implemented


def test_board_detail_queries_do_not_grow(as_user, board, coordinator, django_assert_num_queries):
    MeetingFactory(board=board, created_by=coordinator)
    client = as_user(coordinator)
    client.get(board.get_absolute_url())  # renews the session, which is then not written again within a minute
    # session, user, board, membership, meetings, members+user
    with django_assert_num_queries(6):
        client.get(board.get_absolute_url())

    MeetingFactory.create_batch(10, board=board, created_by=coordinator)
    with django_assert_num_queries(6):
        client.get(board.get_absolute_url())


def test_board_dashboard_queries_do_not_grow(as_user, quorate, chair, django_assert_num_queries):
    url = reverse("boards:board-dashboard", args=[quorate.board.public_id])
    DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=quorate, position=1), signed_at=quorate.starts_at, signed_by=chair
    )
    client = as_user(chair)
    client.get(url)  # renews the session, which is then not written again within a minute
    # session, user, board, meetings, agenda items, decisions, follow-ups
    with django_assert_num_queries(7):
        client.get(url)

    for position in range(2, 12):
        DecisionFactory(
            agenda_item=AgendaItemFactory(meeting=quorate, position=position),
            signed_at=quorate.starts_at,
            signed_by=chair,
        )
    with django_assert_num_queries(7):
        client.get(url)


def test_meeting_detail_patient_search_only_for_coordinators(as_user, meeting, surgeon):
    PatientFactory(name="Erika Muster")

    response = as_user(surgeon).post(meeting.get_absolute_url(), {"action": "search", "q": "Muster"}, headers=HX)

    assert 'id="patient-results"' in response.content.decode()
    assert "Erika Muster" not in response.content.decode()


def test_meeting_review_view_is_audited(as_user, meeting, surgeon):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)

    as_user(surgeon).get(review_url(meeting))

    event = AuditEvent.objects.get(action="agenda_item.reviewed")
    assert (event.user, event.patient, event.target_public_id) == (
        surgeon,
        agenda_item.patient,
        str(agenda_item.public_id),
    )

"""The live case review: compact record, guidance kept with the case, sign-off that follows quorum and guidance."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from boards.forms import DecisionForm
from boards.models import AgendaItem, Decision, MeetingStatus
from patients.models import Patient
from tests.boards.factories import AgendaItemFactory, AttendanceFactory, DecisionFactory, MeetingFactory
from tests.factories import EventFactory, LesionFactory, MeasurementFactory
from tests.guidance.db_factories import crc_patient

HX = {"HX-Request": "true"}
MEETING_DAY = dt.datetime(2026, 10, 1, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def live_meeting(board, coordinator, chair, surgeon, radiologist):
    """A meeting in progress on 1 Oct 2026 with a CRLM case (the 2026.1 release applies) and no one present yet."""
    meeting = MeetingFactory(
        board=board, created_by=coordinator, starts_at=MEETING_DAY, status=MeetingStatus.IN_PROGRESS
    )
    AgendaItemFactory(meeting=meeting, position=1, patient=crc_patient(name="Carl Colon"), question="Resect S7 and S4?")
    return meeting


def url(meeting, position=1):
    return reverse("boards:meeting-review", args=[meeting.public_id, position])


def be_quorate(meeting, *users):
    for user, specialty in zip(users, ("medical_oncology", "surgery", "radiology"), strict=True):
        AttendanceFactory(
            meeting=meeting,
            user=user,
            specialty=specialty,
            recorded_by=user,
            arrived_at=meeting.starts_at - dt.timedelta(days=1),
        )


def hidden_evaluation(content: str) -> str:
    return re.search(r'name="evaluation" value="([^"]*)"', content).group(1)


# Layout: compact, for the projector


def test_meeting_review_shows_a_compact_record_with_treatment_summary(as_user, meeting, surgeon):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)
    patient = agenda_item.patient
    lesion = LesionFactory(patient=patient, label="L1")
    MeasurementFactory(lesion=lesion)
    EventFactory(patient=patient, type="imaging")
    EventFactory(patient=patient, type="metastasectomy").lesions.add(lesion)

    content = as_user(surgeon).get(url(meeting)).content.decode()

    assert 'Treatments <span class="muted">(1 of 2 events)</span>' in content
    assert '<details class="all-events">' in content and "All 2 events" in content
    assert 'class="lesions compact-lesions"' in content
    # Jump links and the guidance rendered in the page (no second request to the guidance app).
    for anchor in ("#record", "#guidance-panel", "#decision", "#attendance"):
        assert f'href="{anchor}"' in content
    assert 'id="guidance-panel"' in content and 'hx-get="/guidance/' not in content
    assert content.index('id="record"') < content.index('id="guidance-panel"') < content.index('id="decision"')
    assert '<script src="/static/js/review-keys.js" defer></script>' in content
    assert 'id="review-keys" hidden' in content and "accesskey" not in content


def test_meeting_review_links_case_summary_print_with_the_meeting(as_user, meeting, surgeon):
    agenda_item = AgendaItemFactory(meeting=meeting, position=1)

    content = as_user(surgeon).get(url(meeting)).content.decode()

    summary = reverse("reports:case-summary", args=[agenda_item.patient.public_id])
    assert f'href="{summary}?meeting={meeting.public_id}"' in content


def test_meeting_review_first_and_last_case_placeholders_are_disabled_links(as_user, meeting, surgeon):
    AgendaItemFactory(meeting=meeting, position=1)

    content = as_user(surgeon).get(url(meeting)).content.decode()

    assert '<a class="button secondary" role="link" aria-disabled="true">← First case</a>' in content
    assert '<a class="button secondary" role="link" aria-disabled="true">Last case →</a>' in content


# Guidance shown at the meeting is kept with the case


def test_meeting_review_keeps_the_evaluation_it_shows(as_user, live_meeting, surgeon):
    content = as_user(surgeon).get(url(live_meeting)).content.decode()

    agenda_item = AgendaItem.objects.select_related("evaluation__release").get()
    evaluation = agenda_item.evaluation
    assert evaluation is not None and evaluation.as_of == dt.date(2026, 10, 1)
    assert "Shown for this case and kept with it:" in content
    assert f"release {evaluation.release.version}, as of 1 Oct 2026." in content
    assert "Resectability: not stated" in content
    assert AuditEvent.objects.filter(action="agenda_item.evaluation_shown").count() == 1
    reviewed = AuditEvent.objects.get(action="agenda_item.reviewed")
    assert reviewed.detail == {"evaluation": str(evaluation.public_id)}


def test_meeting_review_board_inputs_re_evaluate_and_keep_the_new_evaluation(as_user, live_meeting, surgeon):
    client = as_user(surgeon)
    client.get(url(live_meeting))
    first = AgendaItem.objects.get().evaluation

    response = client.post(
        url(live_meeting),
        {
            "action": "guidance",
            "resectability": "upfront_resectable",
            "all_sites_safely_treatable": "true",
            "as_of": "2020-01-01",
        },
        headers=HX,
    )

    content = response.content.decode()
    assert 'id="guidance-panel"' in content and "<html" not in content
    assert "guidance-changed" in response["HX-Trigger"]
    kept = AgendaItem.objects.get().evaluation
    assert kept != first
    assert kept.board_inputs["resectability"] == "upfront_resectable"
    assert kept.as_of == dt.date(2026, 10, 1)  # the meeting day, whatever the form said
    assert "Resectability: upfront resectable" in content
    assert 'id="finding-CRLM-LT-01"' in content


def test_meeting_review_invalid_board_input_shows_error_and_keeps_evaluation(as_user, live_meeting, surgeon):
    client = as_user(surgeon)
    client.get(url(live_meeting))
    first = AgendaItem.objects.get().evaluation

    response = client.post(url(live_meeting), {"action": "guidance", "resectability": "nonsense"}, headers=HX)

    assert 'class="field-errors"' in response.content.decode()
    assert AgendaItem.objects.get().evaluation == first


def test_meeting_review_sign_records_exactly_the_evaluation_the_chair_saw(
    as_user, live_meeting, chair, surgeon, radiologist
):
    be_quorate(live_meeting, chair, surgeon, radiologist)
    agenda_item = AgendaItem.objects.get()
    DecisionFactory(agenda_item=agenda_item)
    chair_page = as_user(chair).get(url(live_meeting)).content.decode()
    seen = hidden_evaluation(chair_page)
    # Meanwhile a board input changes what the guidance says.
    as_user(surgeon).post(url(live_meeting), {"action": "guidance", "resectability": "unresectable"}, headers=HX)

    refused = as_user(chair).post(url(live_meeting), {"action": "sign", "version": "1", "evaluation": seen}, headers=HX)
    reloaded = as_user(chair).get(url(live_meeting)).content.decode()
    signed = as_user(chair).post(
        url(live_meeting), {"action": "sign", "version": "1", "evaluation": hidden_evaluation(reloaded)}, headers=HX
    )

    assert "The guidance shown for this case changed" in refused.content.decode()
    assert "Decision signed and locked." in signed.content.decode()
    agenda_item.refresh_from_db()
    assert str(agenda_item.evaluation.public_id) == hidden_evaluation(reloaded) != seen
    assert agenda_item.evaluation.board_inputs["resectability"] == "unresectable"


def test_meeting_review_signed_case_shows_the_kept_evaluation_read_only(as_user, live_meeting, chair, surgeon):
    client = as_user(surgeon)
    client.get(url(live_meeting))
    agenda_item = AgendaItem.objects.get()
    kept = agenda_item.evaluation
    DecisionFactory(agenda_item=agenda_item, signed_at=live_meeting.starts_at, signed_by=chair)

    content = client.get(url(live_meeting)).content.decode()
    refused = client.post(url(live_meeting), {"action": "guidance", "resectability": "unresectable"}, headers=HX)

    assert "Kept with this case (as shown at the meeting):" in content
    assert 'id="board-inputs"' not in content
    assert "Signed with the guidance shown" in content
    assert AgendaItem.objects.get().evaluation == kept
    assert 'id="board-inputs"' not in refused.content.decode()


def test_meeting_review_case_without_primary_shows_why_there_is_no_guidance(as_user, meeting, surgeon):
    AgendaItemFactory(meeting=meeting, position=1)

    content = as_user(surgeon).get(url(meeting)).content.decode()

    assert "Record the primary tumour first" in content
    assert AgendaItem.objects.get().evaluation is None


# The sign-off follows the quorum and the guidance without a reload


def test_meeting_review_sign_off_listens_for_quorum_and_guidance_changes(as_user, live_meeting, chair):
    DecisionFactory(agenda_item=AgendaItem.objects.get())

    content = as_user(chair).get(url(live_meeting)).content.decode()

    assert (
        f'<div id="sign-off" class="sign-off" hx-get="{url(live_meeting)}?part=sign-off" '
        'hx-trigger="quorum-changed from:body, guidance-changed from:body" hx-swap="outerHTML">'
    ) in content


def test_meeting_review_arrival_enables_sign_off_through_the_quorum_event(
    as_user, live_meeting, coordinator, chair, surgeon, radiologist
):
    DecisionFactory(agenda_item=AgendaItem.objects.get())
    client = as_user(chair)
    before = client.get(f"{url(live_meeting)}?part=sign-off", headers=HX).content.decode()

    responses = [
        client.post(
            live_meeting.get_absolute_url(), {"action": "arrive", "user": user.pk, "arrived_at": "15:00"}, headers=HX
        )
        for user in (chair, surgeon, radiologist)
    ]
    after = client.get(f"{url(live_meeting)}?part=sign-off", headers=HX).content.decode()

    assert all("quorum-changed" in response["HX-Trigger"] for response in responses)
    assert 'value="sign" disabled' in before and "No quorum: missing" in before
    assert 'id="sign-off"' in after and "<html" not in after
    assert 'value="sign" disabled' not in after and "Sign off and lock" in after


def test_meeting_review_sign_off_fragment_404_for_non_member(as_user, live_meeting, outsider):
    client = as_user(outsider)

    assert client.get(f"{url(live_meeting)}?part=sign-off", headers=HX).status_code == 404
    assert client.post(url(live_meeting), {"action": "guidance"}, headers=HX).status_code == 404


# Addenda after the meeting are explicit


def test_meeting_review_addendum_after_close_is_worded_as_such(as_user, meeting, chair):
    DecisionFactory(
        agenda_item=AgendaItemFactory(meeting=meeting, position=1), signed_at=meeting.starts_at, signed_by=chair
    )
    meeting.status = MeetingStatus.CLOSED
    meeting.save()

    content = as_user(chair).get(url(meeting)).content.decode()

    assert "<summary>Correction (addendum) after the meeting</summary>" in content
    assert "The signed decision stays as it is" in content
    assert Decision.objects.count() == 1


def test_meeting_review_board_inputs_without_javascript_redirect_back_and_stay_kept(as_user, live_meeting, surgeon):
    client = as_user(surgeon)

    response = client.post(url(live_meeting), {"action": "guidance", "resectability": "marginally_resectable"})
    page = client.get(url(live_meeting)).content.decode()

    assert response.status_code == 302 and response["Location"] == url(live_meeting)
    assert AgendaItem.objects.get().evaluation.board_inputs["resectability"] == "marginally_resectable"
    assert "Resectability: marginally resectable" in page  # the case's own inputs, not the URL, carry them
    assert '<option value="marginally_resectable" selected>' in page


def test_decision_form_lesions_from_the_loaded_record_render_as_the_queried_ones(db):
    """The review builds the lesion checkboxes from the record it has loaded; they are those of the queryset."""
    patient = crc_patient(name="Carl Colon")
    LesionFactory(patient=patient, label="A0")
    decision = DecisionFactory(agenda_item=AgendaItemFactory(patient=patient))
    decision.lesions.set(patient.lesions.filter(label="A0"))
    lesions = patient.lesions.current().order_by("label")
    loaded = Patient.objects.for_record().get(pk=patient.pk).current_lesions

    queried = DecisionForm(instance=decision, lesions=lesions)
    from_record = DecisionForm(instance=decision, lesions=lesions, loaded_lesions=loaded)

    assert len(loaded) > 2
    assert str(from_record["lesions"]) == str(queried["lesions"])
    assert str(from_record["lesions"]).count("checked") == 1


def test_place_on_agenda_counts_positions_with_gaps(db, meeting):
    for position in (2, 5, 9):
        AgendaItemFactory(meeting=meeting, position=position)
    AgendaItemFactory(position=3)  # another meeting's

    assert AgendaItem.objects.place_on_agenda(meeting, 5) == {
        "count": 3,
        "index": 2,
        "previous_position": 2,
        "next_position": 9,
    }
    assert AgendaItem.objects.place_on_agenda(meeting, 2)["previous_position"] is None
    assert AgendaItem.objects.place_on_agenda(meeting, 9)["next_position"] is None

"""Hostile input to every board form (meeting, agenda, attendance, decision, follow-up, printing) and to
the guidance form: no 500, a refusal changes no row, and the pages escape whatever was saved."""

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from boards.admin import AgendaItemAdminForm, AttendanceAdminForm, BoardAdminForm, MeetingAdminForm
from boards.forms import (
    AgendaItemAddForm,
    AgendaItemForm,
    AttendanceCorrectionForm,
    AttendanceForm,
    CloseMeetingForm,
    DecisionForm,
    FollowUpForm,
    MeetingForm,
    PatientSearchForm,
    ReasonForm,
)
from boards.models import MeetingStatus
from guidance.forms import BoardInputsForm
from tests.boards.factories import AttendanceFactory
from tests.factories import PatientFactory, UserFactory
from tests.security.fuzz import (
    assert_escaped,
    assert_no_server_error,
    form_data,
    form_values,
    hostile_text,
    near_valid_data,
    row_counts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(world):
    return world.coordinator


@pytest.fixture
def running(world):
    """The world's meeting in progress, with a quorum present."""
    world.meeting.status = MeetingStatus.IN_PROGRESS
    world.meeting.started_at = world.meeting.starts_at
    world.meeting.save()
    for specialty in world.board.required_specialties:
        AttendanceFactory(
            meeting=world.meeting,
            user=UserFactory(),
            specialty=specialty,
            arrived_at=world.meeting.starts_at,
            recorded_by=world.chair,
        )
    return world.meeting


def _post(client, url, data, *, htmx=False):
    """POST hostile data: never a server error; a form shown again (200) means nothing changed."""
    before = row_counts()

    response = client.post(url, data, headers={"HX-Request": "true"} if htmx else {})

    assert_no_server_error(response)
    assert_escaped(response.content)
    if response.status_code == 200 and "HX-Refresh" not in response and not htmx:
        assert row_counts() == before, "a refused form changed rows"
    return response


def _pages_escape(client, world):
    for url in (
        world.meeting.get_absolute_url(),
        reverse("boards:meeting-review", args=[world.meeting.public_id, 1]),
        reverse("boards:meeting-outcomes", args=[world.meeting.public_id]),
        world.board.get_absolute_url(),
        world.patient.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content)


def _strategy(form, base):
    return st.one_of(form_data(form), near_valid_data(form, base))


def test_meeting_create_survives_hostile_input(client, world, coordinator):
    client.force_login(coordinator)
    form = MeetingForm()
    base = {"starts_at": "2030-01-01T10:00", "place": "Room 1", "video_link": ""}

    @given(data=_strategy(form, base))
    def check(data):
        _post(client, world.board.get_absolute_url(), data)

    check()
    _pages_escape(client, world)


def test_agenda_add_survives_hostile_input(client, world, coordinator):
    client.force_login(coordinator)
    PatientFactory.create_batch(2, created_by=world.author)
    form = AgendaItemAddForm(board=world.board)
    base = {"patient": str(world.patient.public_id), "question": "Resect?", "presenter": str(world.member.pk)}

    @given(data=_strategy(form, base), htmx=st.booleans())
    def check(data, htmx):
        _post(client, world.meeting.get_absolute_url(), {**data, "action": "add"}, htmx=htmx)

    check()
    _pages_escape(client, world)


def test_agenda_update_and_set_aside_survive_hostile_input(client, world, coordinator):
    client.force_login(coordinator)
    update_form = AgendaItemForm(instance=world.agenda_item, board=world.board)
    agenda_item = {"agenda_item": str(world.agenda_item.public_id)}

    @given(
        data=st.one_of(
            _strategy(update_form, {"question": "Q", "presenter": "", "version": "1"}).map(
                lambda d: {**d, "action": "update"}
            ),
            form_data(ReasonForm()).map(lambda d: {**d, "action": "defer"}),
            form_data(ReasonForm()).map(lambda d: {**d, "action": "withdraw"}),
            st.fixed_dictionaries({"direction": hostile_text()}).map(lambda d: {**d, "action": "move"}),
        ),
        agenda_item_id=st.one_of(st.just(agenda_item), st.fixed_dictionaries({"agenda_item": hostile_text()})),
    )
    def check(data, agenda_item_id):
        _post(client, world.meeting.get_absolute_url(), {**data, **agenda_item_id})

    check()
    _pages_escape(client, world)


def test_attendance_survives_hostile_input(client, world, coordinator):
    client.force_login(coordinator)
    form = AttendanceForm(board=world.board)
    base = {"user": str(world.member.pk), "specialty": "", "arrived_at": "16:05"}

    @given(
        data=st.one_of(
            _strategy(form, base).map(lambda d: {**d, "action": "arrive"}),
            st.fixed_dictionaries({"attendance": hostile_text()}).map(lambda d: {**d, "action": "leave"}),
            st.fixed_dictionaries({"action": hostile_text()}),
        )
    )
    def check(data):
        _post(client, world.meeting.get_absolute_url(), data)

    check()
    _pages_escape(client, world)


def test_decision_survives_hostile_input(client, world, running):
    client.force_login(world.chair)
    url = reverse("boards:meeting-review", args=[world.meeting.public_id, 1])
    lesions = world.patient.lesions.current()
    form = DecisionForm(instance=world.decision, lesions=lesions)
    # The chair has the case open: its first showing keeps the guidance evaluation with the case.
    client.get(url)

    @given(data=_strategy(form, form_values(form)), htmx=st.booleans())
    def check(data, htmx):
        world.decision.refresh_from_db()
        if data.get("version") == "1":
            data["version"] = str(world.decision.version)
        _post(client, url, {**data, "action": "decision"}, htmx=htmx)

    check()
    _pages_escape(client, world)


def test_sign_and_amend_survive_hostile_input(client, world, running):
    client.force_login(world.chair)
    url = reverse("boards:meeting-review", args=[world.meeting.public_id, 1])
    form = DecisionForm(lesions=world.patient.lesions.current())
    base = {
        **form_values(DecisionForm(instance=world.decision, lesions=world.patient.lesions.current())),
        "version": "0",
    }
    client.get(url)  # the case open, its guidance evaluation kept (as in test_decision_survives_hostile_input)

    @given(
        data=st.one_of(
            st.fixed_dictionaries({"version": hostile_text()}).map(lambda d: {**d, "action": "sign"}),
            _strategy(form, base).map(lambda d: {**d, "action": "amend"}),
        ),
        htmx=st.booleans(),
    )
    def check(data, htmx):
        _post(client, url, data, htmx=htmx)

    check()
    _pages_escape(client, world)


def test_followup_survives_hostile_input(client, world):
    world.decision.signed_at = timezone.now()
    world.decision.signed_by = world.chair
    world.decision.save()
    client.force_login(world.member)
    url = reverse("boards:meeting-outcomes", args=[world.meeting.public_id])
    base = {"status": "implemented", "reason": "", "note": "", "recorded_on": "2024-06-01"}

    @given(
        data=_strategy(FollowUpForm(), base),
        decision=st.one_of(st.just(str(world.decision.public_id)), hostile_text()),
        htmx=st.booleans(),
    )
    def check(data, decision, htmx):
        _post(client, url, {**data, "decision": decision}, htmx=htmx)

    check()
    _pages_escape(client, world)


def test_meeting_print_survives_hostile_kinds(client, world):
    client.force_login(world.member)
    url = reverse("reports:meeting-print", args=[world.meeting.public_id])

    @given(kind=hostile_text())
    def check(kind):
        _post(client, url, {"kind": kind})

    check()


def test_guidance_form_survives_hostile_input(client, world):
    client.force_login(world.member)
    url = reverse("guidance:patient-guidance", args=[world.patient.public_id])
    form = BoardInputsForm()
    base = {
        "as_of": "2024-05-01",
        "resectability": "",
        "all_sites_safely_treatable": "",
        "complete_resection_feasible": "",
        "primary_controllable": "",
        "polymetastatic_history": "",
    }

    @given(
        data=_strategy(form, base),
        method=st.sampled_from(["get", "post"]),
        htmx=st.booleans(),
        evaluation=st.one_of(st.none(), hostile_text()),
    )
    def check(data, method, htmx, evaluation):
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "post":
            if evaluation is not None:
                data = {**data, "reevaluate": evaluation}
            response = client.post(url, data, headers=headers)
        else:
            if evaluation is not None:
                data = {**data, "evaluation": evaluation}
            response = client.get(url, data, headers=headers)

        assert_no_server_error(response)
        assert_escaped(response.content)

    check()


# Added with the meeting fixes: the admin forms, the posted patient search, attendance corrections, closing with
# deferral, and the board inputs of the case review.


@pytest.fixture
def staff_coordinator(world):
    """The board's coordinator with admin access: the admin forms save through the services as them."""
    world.coordinator.is_staff = world.coordinator.is_superuser = True
    world.coordinator.save()
    return world.coordinator


def test_board_admin_form_survives_hostile_input(client, world, staff_coordinator):
    client.force_login(staff_coordinator)
    url = reverse("admin:boards_board_add")
    inline = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    base = {
        "name": "Sarcoma",
        "disease_focus": "mixed",
        "description": "",
        "required_specialties": ["surgery"],
        "imaging_max_age_days": "42",
        "ecog_max_age_days": "90",
        "cea_max_age_days": "",
        "requires_ki67": "on",
        "requires_primary_pathology": "on",
    }

    @given(data=_strategy(BoardAdminForm(), base))
    def check(data):
        assert BoardAdminForm(data).is_valid() in (True, False)  # validation alone never raises
        _post(client, url, {**data, **inline})

    check()


@pytest.mark.parametrize("model", ["meeting", "agendaitem", "attendance"])
def test_admin_service_forms_survive_hostile_input(client, world, staff_coordinator, model):
    client.force_login(staff_coordinator)
    form_class, base = {
        "meeting": (
            MeetingAdminForm,
            {
                "board": str(world.board.pk),
                "starts_at_0": "2030-01-01",
                "starts_at_1": "10:00",
                "place": "Room 1",
                "video_link": "",
            },
        ),
        "agendaitem": (
            AgendaItemAdminForm,
            {
                "meeting": str(world.meeting.pk),
                "patient": str(PatientFactory().pk),
                "question": "Resect?",
                "presenter": "",
            },
        ),
        "attendance": (
            AttendanceAdminForm,
            {
                "meeting": str(world.meeting.pk),
                "user": str(world.member.pk),
                "specialty": "surgery",
                "arrived_at_0": "2024-05-14",
                "arrived_at_1": "16:05",
                "left_at_0": "",
                "left_at_1": "",
            },
        ),
    }[model]
    add_url = reverse(f"admin:boards_{model}_add")
    change_url = {
        "meeting": reverse("admin:boards_meeting_change", args=[world.meeting.pk]),
        "agendaitem": reverse("admin:boards_agendaitem_change", args=[world.agenda_item.pk]),
        "attendance": None,
    }[model]

    @given(data=_strategy(form_class(), base), change=st.booleans())
    def check(data, change):
        _post(client, change_url if change and change_url else add_url, data)

    check()
    _pages_escape(client, world)


def test_patient_search_survives_hostile_queries(client, world, coordinator):
    client.force_login(coordinator)

    @given(data=form_data(PatientSearchForm()), htmx=st.booleans())
    def check(data, htmx):
        response = _post(client, world.meeting.get_absolute_url(), {**data, "action": "search"}, htmx=htmx)
        assert response.status_code == 200

    check()


def test_attendance_corrections_survive_hostile_input(client, world, coordinator, running):
    client.force_login(coordinator)
    entry = AttendanceFactory(
        meeting=world.meeting,
        user=world.member,
        specialty="surgery",
        arrived_at=world.meeting.starts_at,
        recorded_by=coordinator,
    )
    ids = st.one_of(st.just(str(entry.pk)), hostile_text())

    @given(
        data=st.one_of(
            _strategy(AttendanceCorrectionForm(), {"arrived_at": "16:10", "left_at": "17:00"}).map(
                lambda d: {**d, "action": "correct-attendance"}
            ),
            form_data(ReasonForm()).map(lambda d: {**d, "action": "withdraw-attendance"}),
        ),
        attendance=ids,
        htmx=st.booleans(),
    )
    def check(data, attendance, htmx):
        _post(client, world.meeting.get_absolute_url(), {**data, "attendance": attendance}, htmx=htmx)

    check()
    _pages_escape(client, world)


def test_close_with_deferral_survives_hostile_reasons(client, world, coordinator, running):
    client.force_login(coordinator)

    @given(data=form_data(CloseMeetingForm()), action=st.sampled_from(["close", "close-deferring"]), htmx=st.booleans())
    def check(data, action, htmx):
        _post(client, world.meeting.get_absolute_url(), {**data, "action": action}, htmx=htmx)

    check()
    _pages_escape(client, world)


def test_review_board_inputs_survive_hostile_input(client, world, running):
    client.force_login(world.member)
    url = reverse("boards:meeting-review", args=[world.meeting.public_id, 1])
    base = {
        "resectability": "",
        "all_sites_safely_treatable": "",
        "complete_resection_feasible": "",
        "primary_controllable": "",
        "polymetastatic_history": "",
    }

    @given(data=_strategy(BoardInputsForm(), base), htmx=st.booleans())
    def check(data, htmx):
        response = client.post(url, {**data, "action": "guidance"}, headers={"HX-Request": "true"} if htmx else {})
        assert_no_server_error(response)
        assert_escaped(response.content)

    check()
    _pages_escape(client, world)

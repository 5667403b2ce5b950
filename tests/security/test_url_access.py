"""Every URL of the project, walked from the URL resolver, as anonymous, outsiders, staff and board members.

A URL name missing from ACCESS fails `test_every_url_is_in_the_access_table`, so each new URL must
say here how to fill its parameters and who may see it. The admin's URLs (Django's and every model
admin's, however many there are) are walked too, with their parameters filled from the admin itself.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent
from patients.models import Patient
from patients.views import RECORD_KINDS
from tests.factories import UserFactory

PUBLIC, SIGNED_IN, BOARD, STAFF, ADMIN = "public", "signed_in", "board", "staff", "admin"
HTMX = {"HX-Request": "true"}
SKIPPED_PREFIXES = ("static/", "media/")
PATIENT_DATA = (b"Patientname", b"SECRET0001")


@dataclass(frozen=True)
class Visit:
    args: list
    query: dict = field(default_factory=dict)
    status: int = 200  # what a member of the board (or anyone, for public URLs) gets
    htmx: bool = False
    fragment: bool = True  # with htmx: the answer is a fragment, not a whole page


@dataclass(frozen=True)
class Access:
    scope: str
    visits: Callable  # World -> list[Visit]
    post: Callable | None = None  # World -> POST data an outsider tries; None for GET-only views
    post_only: bool = False
    shows: Callable | None = None  # World -> bytes a member's 200 answer must contain (the content is served)
    patient_keyed: bool = False  # the URL names a patient: a refused visit is audited against them


def _kinds_created(w) -> list[Visit]:
    visits = []
    for kind in RECORD_KINDS:
        # New patients come from the patient list; the patient's one primary tumour is edited, not added again.
        status = {"patient": 404, "primary": 302}.get(kind, 200)
        visits.append(Visit([w.patient.public_id, kind], status=status))
    visits.append(Visit([w.patient.public_id, "lesion"], htmx=True))
    visits.append(Visit([w.patient.public_id, "measurement"], query={"lesion": str(w.lesion.public_id)}))
    return visits


def _kinds_edited(w) -> list[Visit]:
    visits = [Visit([w.patient.public_id, kind, w.record(kind).public_id]) for kind in RECORD_KINDS]
    visits.append(Visit([w.patient.public_id, "event", w.event.public_id], htmx=True))
    return visits


def _name(w) -> bytes:
    return w.patient.name.encode()


ACCESS: dict[str, Access] = {
    "route:": Access(PUBLIC, lambda w: [Visit([], status=302)]),
    "healthz": Access(PUBLIC, lambda w: [Visit([])], shows=lambda w: b"ok"),
    "login": Access(PUBLIC, lambda w: [Visit([])]),
    "logout": Access(PUBLIC, lambda w: [Visit([], status=405)], post_only=True),
    "accounts:otp-setup": Access(SIGNED_IN, lambda w: [Visit([])], shows=lambda w: b"<svg"),
    "accounts:otp-verify": Access(SIGNED_IN, lambda w: [Visit([])], shows=lambda w: b'name="token"'),
    # Emergency access is for staff outside the patient's boards (tests/security/test_break_glass.py); others 404.
    "accounts:break-glass": Access(STAFF, lambda w: [Visit([], status=404)], post=lambda w: {"mrn": "SECRET0001"}),
    "patients:patient-list": Access(
        SIGNED_IN,
        lambda w: [Visit([]), Visit([], query={"withdrawn": "1"}), Visit([], query={"page": "2"})],
        shows=lambda w: b"Search by name or hospital number",
    ),
    "patients:patient-create": Access(SIGNED_IN, lambda w: [Visit([])], shows=lambda w: b'name="mrn"'),
    "patients:patient-detail": Access(
        BOARD,
        lambda w: [Visit([w.patient.public_id]), Visit([w.patient.public_id], htmx=True)],
        shows=_name,
        patient_keyed=True,
    ),
    "patients:patient-history": Access(
        BOARD,
        lambda w: [Visit([w.patient.public_id]), Visit([w.patient.public_id], query={"page": "1"}, htmx=True)],
        shows=lambda w: b"Lesion L1",
        patient_keyed=True,
    ),
    "patients:patient-export": Access(
        BOARD,
        lambda w: [Visit([w.patient.public_id])],
        shows=lambda w: b'"id": "L1"',
        patient_keyed=True,
    ),
    "patients:record-create": Access(
        BOARD,
        _kinds_created,
        post=lambda w: {"label": "L9", "organ": "liver", "detected_on": "2024-01-01", "version": ""},
        shows=lambda w: b"<form",
        patient_keyed=True,
    ),
    "patients:record-edit": Access(
        BOARD,
        _kinds_edited,
        post=lambda w: {"withdraw": "1", "reason": "wrong patient"},
        shows=lambda w: b"<form",
        patient_keyed=True,
    ),
    "guidance:patient-guidance": Access(
        BOARD,
        lambda w: [
            Visit([w.patient.public_id]),
            Visit([w.patient.public_id], htmx=True),
            Visit([w.patient.public_id], query={"as_of": "2024-05-01"}, htmx=True),
        ],
        post=lambda w: {"as_of": "2024-05-01"},
        shows=lambda w: b'id="guidance-panel"',
        patient_keyed=True,
    ),
    "boards:board-list": Access(SIGNED_IN, lambda w: [Visit([])], shows=lambda w: b"Boards"),
    "boards:board-detail": Access(
        BOARD,
        lambda w: [Visit([w.board.public_id])],
        post=lambda w: {"starts_at": "2030-01-01T10:00", "place": "Room 1"},
        shows=lambda w: w.board.name.encode(),
    ),
    "boards:board-dashboard": Access(
        BOARD,
        lambda w: [Visit([w.board.public_id])],
        shows=lambda w: w.board.name.encode(),
    ),
    "boards:meeting-detail": Access(
        BOARD,
        lambda w: [
            # A boosted GET of the meeting is the whole page (with its agenda).
            Visit([w.meeting.public_id]),
            Visit([w.meeting.public_id], htmx=True, fragment=False),
        ],
        post=lambda w: {"action": "withdraw", "agenda_item": str(w.agenda_item.public_id), "reason": "x"},
        shows=_name,
    ),
    "boards:meeting-review": Access(
        BOARD,
        lambda w: [Visit([w.meeting.public_id, 1]), Visit([w.meeting.public_id, 1], htmx=True, fragment=False)],
        post=lambda w: {"action": "sign", "version": str(w.decision.version)},
        shows=_name,
    ),
    "boards:meeting-outcomes": Access(
        BOARD,
        lambda w: [Visit([w.meeting.public_id]), Visit([w.meeting.public_id], htmx=True)],
        post=lambda w: {
            "decision": str(w.decision.public_id),
            "status": "implemented",
            "recorded_on": "2024-06-01",
        },
        shows=_name,
    ),
    "reports:case-summary": Access(
        BOARD,
        lambda w: [
            Visit([w.patient.public_id]),
            Visit([w.patient.public_id], query={"meeting": str(w.meeting.public_id)}),
        ],
        shows=lambda w: b"%PDF",
        patient_keyed=True,
    ),
    "reports:meeting-print": Access(
        BOARD,
        lambda w: [Visit([w.meeting.public_id])],
        post=lambda w: {"kind": "meeting-pack"},
        shows=lambda w: b"Print",
    ),
    "reports:export-detail": Access(
        BOARD,
        lambda w: [Visit([w.export.public_id]), Visit([w.export.public_id], htmx=True)],
        shows=lambda w: b"Progress",
    ),
    "reports:export-download": Access(BOARD, lambda w: [Visit([w.export.public_id])], shows=lambda w: b"%PDF"),
}


def _walk(patterns, namespace: str = "", route: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    """Yield (key, route, pattern) for every URL pattern: key is the namespaced name, or "route:<route>"."""
    for pattern in patterns:
        full_route = route + str(pattern.pattern)
        if full_route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, full_route)
        elif isinstance(pattern, URLPattern):
            key = f"{namespace}{pattern.name}" if pattern.name else f"route:{full_route}"
            yield key, full_route, pattern


def _is_admin(key: str) -> bool:
    return key.startswith(("admin:", "route:admin/"))


def _url(key: str, visit: Visit) -> str:
    return "/" if key == "route:" else reverse(key, args=visit.args)


def _clinical_counts() -> dict[str, int]:
    """Row counts of every model holding patient, board, guidance or report data."""
    labels = ("patients", "boards", "guidance", "reports")
    return {
        model._meta.label: model._default_manager.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


WALK = {key: (route, pattern) for key, route, pattern in _walk(get_resolver().url_patterns)}
URL_KEYS = sorted(key for key in WALK if not _is_admin(key))
ADMIN_KEYS = sorted(key for key in WALK if _is_admin(key))
PATIENT_KEYED = [key for key in URL_KEYS if ACCESS.get(key, ACCESS["login"]).patient_keyed]


def test_every_url_is_in_the_access_table():
    missing = [key for key in URL_KEYS if key not in ACCESS]

    assert missing == [], f"Say in ACCESS how to fill and who may open: {missing}"


def test_access_table_names_only_existing_urls():
    assert sorted(set(ACCESS) - set(URL_KEYS)) == []


def test_the_admin_is_walked_too():
    assert "admin:index" in ADMIN_KEYS and "admin:patients_patient_change" in ADMIN_KEYS
    assert (
        "admin:audit_auditevent_changelist" in ADMIN_KEYS and "admin:accounts_breakglassgrant_changelist" in ADMIN_KEYS
    )


@pytest.mark.parametrize("key", URL_KEYS)
def test_url_sends_anonymous_visitors_to_login(client, world, key):
    access = ACCESS[key]

    for visit in access.visits(world):
        response = client.get(_url(key, visit), visit.query, headers=HTMX if visit.htmx else {})

        if access.scope == PUBLIC:
            assert response.status_code == visit.status, key
        else:
            assert response.status_code == 302, key
            assert response["Location"].startswith(reverse("login")), key
            assert b"Patientname" not in response.content


@pytest.mark.parametrize("key", [key for key in URL_KEYS if ACCESS.get(key, ACCESS["login"]).scope == BOARD])
@pytest.mark.parametrize("who", ["loner", "other_member"])
def test_url_is_404_for_users_outside_the_board(client, world, key, who):
    access = ACCESS[key]
    outsider = getattr(world, who)
    client.force_login(outsider)
    before = _clinical_counts()

    for visit in access.visits(world):
        url = _url(key, visit)
        response = client.get(url, visit.query, headers=HTMX if visit.htmx else {})
        assert response.status_code == 404, (key, visit)
        assert not any(marker in response.content for marker in PATIENT_DATA)
        if access.post is not None:
            response = client.post(url, access.post(world), headers=HTMX if visit.htmx else {})
            assert response.status_code == 404, (key, visit)

    assert _clinical_counts() == before
    # Nothing was shown or done: no audit row of success about the patient.
    assert not AuditEvent.objects.filter(user=outsider, patient=world.patient, outcome="success").exists()


@pytest.mark.parametrize("key", PATIENT_KEYED)
def test_refused_patient_url_is_audited_and_answers_like_an_unknown_id(client, world, key):
    """An outsider's 404 leaves an audit row of refusal naming the patient, and tells nothing: same bytes."""
    client.force_login(world.loner)
    visit = ACCESS[key].visits(world)[0]
    unknown_args = [uuid.uuid4() if arg == world.patient.public_id else arg for arg in visit.args]

    refused = client.get(_url(key, visit), visit.query)
    unknown = client.get(_url(key, Visit(unknown_args)), visit.query)

    assert (refused.status_code, unknown.status_code) == (404, 404)
    assert refused.content == unknown.content
    assert refused["Content-Type"] == unknown["Content-Type"]
    audit = AuditEvent.objects.get(user=world.loner, patient=world.patient)
    assert (audit.action, audit.outcome) == ("patient.access_refused", "refused")
    assert audit.detail["path"] == _url(key, visit)
    assert AuditEvent.objects.filter(user=world.loner, patient=None, outcome="refused").count() == 1


@pytest.mark.parametrize("key", [key for key in URL_KEYS if ACCESS.get(key, ACCESS["login"]).scope == SIGNED_IN])
@pytest.mark.parametrize("who", ["loner", "other_member"])
def test_signed_in_pages_show_outsiders_no_patient_or_board(client, world, key, who):
    client.force_login(getattr(world, who))

    for visit in ACCESS[key].visits(world):
        response = client.get(_url(key, visit), visit.query, headers=HTMX if visit.htmx else {})

        assert response.status_code == visit.status, (key, visit)
        assert not any(marker in response.content for marker in PATIENT_DATA)
        assert world.board.name.encode() not in response.content


@pytest.mark.parametrize("key", [key for key in URL_KEYS if ACCESS.get(key, ACCESS["login"]).scope != PUBLIC])
@pytest.mark.parametrize("who", ["member", "chair", "coordinator"])
def test_url_serves_its_content_to_every_role_of_the_board(client, world, key, who):
    access = ACCESS[key]
    client.force_login(getattr(world, who))

    for visit in access.visits(world):
        response = client.get(_url(key, visit), visit.query, headers=HTMX if visit.htmx else {})

        assert response.status_code == visit.status, (key, visit, who)
        content = response.getvalue() if response.streaming else response.content
        if visit.htmx and visit.fragment and visit.status == 200 and response["Content-Type"].startswith("text/html"):
            assert b"<html" not in content, (key, visit)
        if visit.status == 200 and access.shows is not None:
            assert access.shows(world) in content, (key, visit, who)


# The admin: its own pages and every model admin's, with parameters from the admin's registry.


def _admin_args(world, key: str) -> dict:
    """Fill an admin URL's parameters: a row of the URL's model (the world's patient rows where it has them)."""
    _route, pattern = WALK[key]
    model_admin = getattr(pattern.callback, "model_admin", None)
    model = model_admin.model if model_admin is not None else None
    row = None
    if model is not None:
        row = _world_row(world, model) or model._default_manager.order_by("pk").first()
    pk = str(row.pk) if row is not None else "999999"
    values = {
        "object_id": pk,
        "pk": pk,
        "id": pk,
        "app_label": "patients",
        "url": "no-such-page/",
        "content_type_id": str(ContentType.objects.get_for_model(Patient).pk),
    }
    if key == "admin:view_on_site":
        values["object_id"] = str(world.patient.pk)
    names = pattern.pattern.regex.groupindex if hasattr(pattern.pattern, "regex") else {}
    names = list(getattr(pattern.pattern, "converters", {}) or names)
    return {name: values[name] for name in names}


def _world_row(world, model):
    rows = {
        "patient": world.patient,
        "primarytumour": world.primary,
        "lesion": world.lesion,
        "measurement": world.measurement,
        "event": world.event,
        "ki67result": world.ki67,
        "ecogassessment": world.ecog,
        "frailtyassessment": world.frailty,
        "comorbidity": world.comorbidity,
        "labresult": world.lab,
    }
    return rows.get(model._meta.model_name) if model._meta.app_label == "patients" else None


def _admin_url(world, key: str) -> str:
    if not key.startswith("route:"):
        return reverse(key, kwargs=_admin_args(world, key))
    route, _pattern = WALK[key]
    if "(?P<url>" in route:
        return "/admin/no-such-page/"
    values = _admin_args(world, key)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match.group(1)], route)


# Staff without any permission may see these pages, which hold no patient data.
STAFF_PAGES = {"admin:index", "admin:password_change", "admin:password_change_done", "admin:jsi18n"}


@pytest.mark.parametrize("key", ADMIN_KEYS)
@pytest.mark.parametrize("who", ["anonymous", "loner", "member"])
def test_admin_url_sends_non_staff_to_the_admin_login(client, world, key, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))

    response = client.get(_admin_url(world, key))

    content = response.content
    assert not any(marker in content for marker in PATIENT_DATA), key
    if key == "admin:login":
        assert response.status_code == 200
    elif key == "admin:logout":
        # Logging out of a session the admin never had: back to the admin, which asks to log in.
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:index"))
    else:
        assert response.status_code == 302, key
        assert response["Location"].startswith(reverse("admin:login")), key


@pytest.mark.parametrize("key", ADMIN_KEYS)
def test_admin_url_gives_staff_without_permission_no_patient_data(client, world, key):
    client.force_login(UserFactory(username="staff-no-perms", is_staff=True))

    response = client.get(_admin_url(world, key))

    assert response.status_code < 500, key
    assert not any(marker in response.content for marker in PATIENT_DATA), key
    if response.status_code == 302:
        location = response["Location"]
        assert "Patientname" not in location and "SECRET0001" not in location, key
    if key in STAFF_PAGES:
        assert response.status_code == 200, key
    elif key == "admin:logout":
        assert response.status_code == 405
    elif key == "admin:login":
        assert response.status_code == 302  # already signed in: on to the index
    elif response.status_code == 302:
        # A row that does not exist, the redirect from a bare object URL, or view-on-site: public ids only.
        assert (
            key in ("admin:view_on_site",) or key.startswith("route:") or response["Location"] == reverse("admin:index")
        ), key
    else:
        assert response.status_code in (403, 404), key

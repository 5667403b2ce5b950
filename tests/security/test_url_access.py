"""Every URL of the project, walked from the URL resolver, as anonymous, outsiders and a board member.

A URL name missing from ACCESS fails `test_every_url_is_in_the_access_table`, so each new URL must
say here how to fill its parameters and who may see it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent
from patients.views import RECORD_KINDS

PUBLIC, SIGNED_IN, BOARD, STAFF = "public", "signed_in", "board", "staff"
HTMX = {"HX-Request": "true"}
SKIPPED_PREFIXES = ("admin/", "static/", "media/")


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


def _kinds_created(w) -> list[Visit]:
    visits = []
    for kind in RECORD_KINDS:
        # Patients come from case files; the patient's one primary tumour is edited, not added again.
        status = {"patient": 404, "primary": 302}.get(kind, 200)
        visits.append(Visit([w.patient.public_id, kind], status=status))
    visits.append(Visit([w.patient.public_id, "lesion"], htmx=True))
    visits.append(Visit([w.patient.public_id, "measurement"], query={"lesion": str(w.lesion.public_id)}))
    return visits


def _kinds_edited(w) -> list[Visit]:
    visits = [Visit([w.patient.public_id, kind, w.record(kind).public_id]) for kind in RECORD_KINDS]
    visits.append(Visit([w.patient.public_id, "event", w.event.public_id], htmx=True))
    return visits


ACCESS: dict[str, Access] = {
    "route:": Access(PUBLIC, lambda w: [Visit([], status=302)]),
    "login": Access(PUBLIC, lambda w: [Visit([])]),
    "logout": Access(PUBLIC, lambda w: [Visit([], status=405)], post_only=True),
    "accounts:otp-setup": Access(SIGNED_IN, lambda w: [Visit([])]),
    "accounts:otp-verify": Access(SIGNED_IN, lambda w: [Visit([])]),
    # Emergency access is for staff administrators only (tests/security/test_break_glass.py); others get 404.
    "accounts:break-glass": Access(STAFF, lambda w: [Visit([], status=404)], post=lambda w: {"mrn": "SECRET0001"}),
    "patients:patient-list": Access(
        SIGNED_IN, lambda w: [Visit([]), Visit([], query={"q": "Secret"}, htmx=True)],
    ),
    "patients:patient-detail": Access(
        BOARD, lambda w: [Visit([w.patient.public_id]), Visit([w.patient.public_id], htmx=True)],
    ),
    "patients:patient-export": Access(BOARD, lambda w: [Visit([w.patient.public_id])]),
    "patients:record-create": Access(
        BOARD, _kinds_created,
        post=lambda w: {"label": "L9", "organ": "liver", "detected_on": "2024-01-01", "version": ""},
    ),
    "patients:record-edit": Access(
        BOARD, _kinds_edited, post=lambda w: {"withdraw": "1", "reason": "wrong patient"},
    ),
    "guidance:patient-guidance": Access(
        BOARD,
        lambda w: [
            Visit([w.patient.public_id]), Visit([w.patient.public_id], htmx=True),
            Visit([w.patient.public_id], query={"as_of": "2024-05-01"}, htmx=True),
        ],
        post=lambda w: {"as_of": "2024-05-01"},
    ),
    "boards:board-list": Access(SIGNED_IN, lambda w: [Visit([])]),
    "boards:board-detail": Access(
        BOARD, lambda w: [Visit([w.board.public_id])],
        post=lambda w: {"starts_at": "2030-01-01T10:00", "place": "Room 1"},
    ),
    "boards:board-dashboard": Access(BOARD, lambda w: [Visit([w.board.public_id])]),
    "boards:meeting-detail": Access(
        BOARD,
        lambda w: [
            # A boosted GET of the meeting is the whole page; the patient search answers a fragment.
            Visit([w.meeting.public_id]), Visit([w.meeting.public_id], htmx=True, fragment=False),
            Visit([w.meeting.public_id], query={"q": "Secret"}, htmx=True),
        ],
        post=lambda w: {"action": "withdraw", "agenda_item": str(w.agenda_item.public_id), "reason": "x"},
    ),
    "boards:meeting-review": Access(
        BOARD,
        lambda w: [Visit([w.meeting.public_id, 1]), Visit([w.meeting.public_id, 1], htmx=True, fragment=False)],
        post=lambda w: {"action": "sign", "version": str(w.decision.version)},
    ),
    "boards:meeting-outcomes": Access(
        BOARD, lambda w: [Visit([w.meeting.public_id]), Visit([w.meeting.public_id], htmx=True)],
        post=lambda w: {
            "decision": str(w.decision.public_id), "status": "implemented", "recorded_on": "2024-06-01",
        },
    ),
    "reports:case-summary": Access(
        BOARD,
        lambda w: [
            Visit([w.patient.public_id]),
            Visit([w.patient.public_id], query={"meeting": str(w.meeting.public_id)}),
        ],
    ),
    "reports:meeting-print": Access(
        BOARD, lambda w: [Visit([w.meeting.public_id])], post=lambda w: {"kind": "meeting-pack"},
    ),
    "reports:export-detail": Access(
        BOARD, lambda w: [Visit([w.export.public_id]), Visit([w.export.public_id], htmx=True)],
    ),
    "reports:export-download": Access(BOARD, lambda w: [Visit([w.export.public_id])]),
}


def _walk(patterns, namespace: str = "", route: str = "") -> Iterator[tuple[str, str]]:
    """Yield (key, route) for every URL pattern: key is the namespaced name, or "route:<route>"."""
    for pattern in patterns:
        full_route = route + str(pattern.pattern)
        if full_route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, full_route)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else f"route:{full_route}"), full_route


def _url(key: str, visit: Visit) -> str:
    return "/" if key == "route:" else reverse(key, args=visit.args)


def _clinical_counts() -> dict[str, int]:
    """Row counts of every model holding patient, board, guidance or report data."""
    labels = ("patients", "boards", "guidance", "reports")
    return {
        model._meta.label: model._default_manager.count()
        for label in labels for model in apps.get_app_config(label).get_models()
    }


URL_KEYS = sorted(key for key, _route in _walk(get_resolver().url_patterns))


def test_every_url_is_in_the_access_table():
    missing = [key for key in URL_KEYS if key not in ACCESS]

    assert missing == [], f"Say in ACCESS how to fill and who may open: {missing}"


def test_access_table_names_only_existing_urls():
    assert sorted(set(ACCESS) - set(URL_KEYS)) == []


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
    client.force_login(getattr(world, who))
    before = _clinical_counts()

    for visit in access.visits(world):
        url = _url(key, visit)
        response = client.get(url, visit.query, headers=HTMX if visit.htmx else {})
        assert response.status_code == 404, (key, visit)
        assert b"Patientname" not in response.content
        if access.post is not None:
            response = client.post(url, access.post(world), headers=HTMX if visit.htmx else {})
            assert response.status_code == 404, (key, visit)

    assert _clinical_counts() == before
    assert not AuditEvent.objects.filter(user=getattr(world, who), patient=world.patient).exists()


@pytest.mark.parametrize("key", [key for key in URL_KEYS if ACCESS.get(key, ACCESS["login"]).scope == SIGNED_IN])
@pytest.mark.parametrize("who", ["loner", "other_member"])
def test_signed_in_pages_show_outsiders_no_patient_or_board(client, world, key, who):
    client.force_login(getattr(world, who))

    for visit in ACCESS[key].visits(world):
        response = client.get(_url(key, visit), visit.query, headers=HTMX if visit.htmx else {})

        assert response.status_code == visit.status, (key, visit)
        assert b"Patientname" not in response.content and b"SECRET0001" not in response.content
        assert world.board.name.encode() not in response.content


@pytest.mark.parametrize("key", [key for key in URL_KEYS if ACCESS.get(key, ACCESS["login"]).scope != PUBLIC])
def test_url_opens_for_a_member_of_the_board(client, world, key):
    client.force_login(world.member)

    for visit in ACCESS[key].visits(world):
        response = client.get(_url(key, visit), visit.query, headers=HTMX if visit.htmx else {})

        assert response.status_code == visit.status, (key, visit)
        if visit.htmx and visit.fragment and visit.status == 200 and response["Content-Type"].startswith("text/html"):
            assert b"<html" not in response.content, (key, visit)

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import LesionFactory, PatientFactory, UserFactory


@pytest.fixture
def audit_event(db):
    patient = PatientFactory(mrn="A-77", name="Anna Audit")
    return AuditEvent.record(by=patient.created_by, action="patient.viewed", target=patient, patient=patient)


def test_audit_event_records_user_target_and_patient(audit_event):
    assert audit_event.user.username.startswith("user")
    assert audit_event.target_type == "patients.patient"
    assert audit_event.target_public_id == str(audit_event.patient.public_id)


def test_audit_event_refuses_update_and_delete_in_python(audit_event):
    audit_event.action = "tampered"

    with pytest.raises(RuntimeError):
        audit_event.save()
    with pytest.raises(RuntimeError):
        audit_event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_audit_trail_refuses_update_and_delete_in_the_database(audit_event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert AuditEvent.objects.filter(action="patient.viewed").count() == 1


def test_audit_admin_exports_selected_events_as_csv(client, audit_event):
    admin_user = UserFactory(username="root-admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = client.post(
        "/admin/audit/auditevent/",
        {"action": "export_csv", "_selected_action": [audit_event.pk]},
    )

    assert response.status_code == 200
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("at,user,action")
    assert "patient.viewed" in rows[1] and "A-77" in rows[1]
    assert AuditEvent.objects.filter(action="audit.exported").count() == 1


def test_audit_admin_searches_by_patient_mrn(client, audit_event):
    client.force_login(UserFactory(username="root-admin", is_staff=True, is_superuser=True))

    response = client.get("/admin/audit/auditevent/", {"q": "A-77"})

    assert response.status_code == 200
    assert "patient.viewed" in response.content.decode()


def _listed_ids(response) -> set[int]:
    return {event.pk for event in response.context["cl"].result_list}


def test_audit_admin_exact_mrn_or_user_name_finds_exactly_their_events(client, audit_event):
    client.force_login(UserFactory(username="root-admin", is_staff=True, is_superuser=True))
    # A patient whose name contains the other's hospital number, and a user named like a substring of it.
    other = PatientFactory(mrn="A-770", name="Not A-77")
    nurse = UserFactory(username="nurse")
    by_other = AuditEvent.record(by=nurse, action="patient.viewed", target=other, patient=other)

    by_mrn = client.get("/admin/audit/auditevent/", {"q": " A-77 "})
    by_user = client.get("/admin/audit/auditevent/", {"q": "nurse"})
    by_text = client.get("/admin/audit/auditevent/", {"q": "A-7"})

    assert _listed_ids(by_mrn) == {audit_event.pk}
    assert _listed_ids(by_user) == {by_other.pk}
    assert _listed_ids(by_text) >= {audit_event.pk, by_other.pk}
    assert "exact" in by_mrn.content.decode()  # the search box says how it searches


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
@pytest.mark.parametrize("statement", ["TRUNCATE audit_auditevent", "TRUNCATE patients_patient CASCADE"])
def test_audit_trail_refuses_truncate_in_the_database(audit_event, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # The test settings let the test runner flush between tests; a real session has no such setting.
        cursor.execute("SET LOCAL oligoboard.allow_audit_truncate = 'off'")
        # Check the test's deferred foreign keys now: PostgreSQL refuses TRUNCATE with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)

    assert AuditEvent.objects.filter(action="patient.viewed").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_audit_truncate_trigger_is_statement_level_before_truncate(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgtype FROM pg_trigger WHERE tgname = 'audit_auditevent_no_truncate' "
            "AND tgrelid = 'audit_auditevent'::regclass"
        )
        (tgtype,) = cursor.fetchone()

    # pg_trigger.tgtype bits: 1 = row-level (absent: per statement), 2 = BEFORE, 32 = TRUNCATE.
    assert tgtype & 1 == 0 and tgtype & 2 and tgtype & 32


@pytest.mark.parametrize(
    ("behind_proxy", "proxies", "forwarded", "expected"),
    [
        (False, 1, "198.51.100.7", "10.0.0.2"),  # no proxy configured: the header is the client's, ignored
        (True, 1, "198.51.100.7", "198.51.100.7"),
        (True, 1, "203.0.113.66, 198.51.100.7", "198.51.100.7"),  # the left element is what the client sent
        (True, 2, "203.0.113.66, 198.51.100.7, 192.0.2.1", "198.51.100.7"),
        (True, 2, "198.51.100.7", "10.0.0.2"),  # fewer elements than proxies: not trusted
        (True, 1, "not-an-address", "10.0.0.2"),
        (True, 1, "", "10.0.0.2"),
        (True, 1, "2001:db8::5", "2001:db8::5"),
    ],
)
def test_audit_records_the_client_address_from_the_trusted_proxy_only(
    audit_event, settings, rf, behind_proxy, proxies, forwarded, expected
):
    settings.BEHIND_TLS_PROXY = behind_proxy
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    event = AuditEvent.record(
        by=audit_event.user, action="patient.viewed", patient=audit_event.patient, request=request
    )

    assert event.ip_address == expected


@pytest.fixture
def administrator(db):
    user = UserFactory(username="group-admin", is_staff=True)
    user.groups.add(Group.objects.get(name="Administrators"))
    return user


def test_patient_rows_seen_in_the_admin_are_audited(client, audit_event, administrator):
    patient = audit_event.patient
    lesion = LesionFactory(patient=patient)
    client.force_login(administrator)

    listing = client.get(reverse("admin:patients_patient_changelist"), {"q": "A-77"})
    row = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    lesion_row = client.get(reverse("admin:patients_lesion_change", args=[lesion.pk]))
    history = client.get(reverse("admin:patients_patient_history", args=[patient.pk]))

    assert (listing.status_code, row.status_code, lesion_row.status_code, history.status_code) == (200, 200, 200, 200)
    listed = AuditEvent.objects.get(action="admin.clinical_listed", user=administrator)
    assert listed.detail == {
        "model": "patients.patient",
        "search": "A-77",
        "shown": [str(patient.public_id)],
        "count": 1,
    }
    viewed = AuditEvent.objects.get(action="patient.admin_viewed", user=administrator)
    assert (viewed.patient, viewed.target_public_id) == (patient, str(patient.public_id))
    assert AuditEvent.objects.get(action="lesion.admin_viewed", user=administrator).patient == patient
    assert AuditEvent.objects.get(action="patient.admin_history_viewed", user=administrator).patient == patient


def test_patient_changed_in_the_admin_is_audited(client, audit_event, db):
    patient = audit_event.patient
    client.force_login(UserFactory(username="root-admin", is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:patients_patient_change", args=[patient.pk]),
        {"mrn": "A-77", "name": "Anna Renamed", "birth_date": "1964-03-05", "sex": "F"},
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.name == "Anna Renamed"
    assert AuditEvent.objects.filter(action="patient.updated", patient=patient).count() == 1


def test_audit_export_needs_the_export_permission(client, audit_event):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client.force_login(viewer)

    page = client.get("/admin/audit/auditevent/")
    export = client.post("/admin/audit/auditevent/", {"action": "export_csv", "_selected_action": [audit_event.pk]})

    assert page.status_code == 200 and "export_csv" not in page.content.decode()
    assert not export["Content-Type"].startswith("text/csv")
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_administrators_group_may_search_and_export_the_audit_trail(client, audit_event, administrator):
    client.force_login(administrator)

    response = client.post("/admin/audit/auditevent/", {"action": "export_csv", "_selected_action": [audit_event.pk]})

    assert response["Content-Type"].startswith("text/csv")
    assert "A-77" in response.content.decode()

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from tests.factories import PatientFactory, UserFactory


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

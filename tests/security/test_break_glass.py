"""Emergency access: a staff administrator outside the patient's boards gives a reason for one patient."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import BreakGlassGrant
from audit.models import AuditEvent
from patients.models import Patient
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
REASON = "Called to the emergency ward; patient unconscious, board record needed now."


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-staff", is_staff=True)


def _patient_urls(world) -> list[str]:
    """The patient's page, history, case file and printed summary: what a grant opens."""
    return [
        world.patient.get_absolute_url(),
        reverse("patients:patient-history", args=[world.patient.public_id]),
        reverse("patients:patient-export", args=[world.patient.public_id]),
        reverse("reports:case-summary", args=[world.patient.public_id]),
    ]


def test_break_glass_grant_opens_the_patient_pages_case_file_and_pdf(client, world, administrator):
    client.force_login(administrator)
    assert [client.get(url).status_code for url in _patient_urls(world)] == [404, 404, 404, 404]

    response = client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == world.patient.get_absolute_url()
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.patient, grant.reason) == (administrator, world.patient, REASON)
    assert grant.expires_at - grant.created_at == dt.timedelta(hours=12)
    event = AuditEvent.objects.get(action="patient.break_glass")
    assert event.user == administrator and event.patient == world.patient and event.detail["reason"] == REASON
    page, history, case_file, pdf = (client.get(url) for url in _patient_urls(world))
    assert (page.status_code, history.status_code, case_file.status_code, pdf.status_code) == (200, 200, 200, 200)
    assert "Secret Patientname" in page.content.decode()
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(user=administrator, patient=world.patient, action="patient.viewed").exists()


def test_break_glass_grant_lasts_break_glass_hours(client, world, administrator, settings):
    settings.BREAK_GLASS_HOURS = 2
    client.force_login(administrator)

    client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": REASON})

    grant = BreakGlassGrant.objects.get()
    assert grant.expires_at - grant.created_at == dt.timedelta(hours=2)


def test_expired_break_glass_grant_opens_nothing(client, world, administrator):
    BreakGlassGrant.objects.create(
        user=administrator,
        patient=world.patient,
        reason=REASON,
        created_at=timezone.now() - dt.timedelta(hours=13),
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    client.force_login(administrator)

    assert [client.get(url).status_code for url in _patient_urls(world)] == [404, 404, 404, 404]
    assert not BreakGlassGrant.objects.active().exists()
    assert world.patient not in Patient.objects.visible_to(administrator)


def test_break_glass_grant_opens_only_its_patient_and_only_for_its_user(client, world, administrator):
    other = PatientFactory(name="Other Patientname")
    BreakGlassGrant.objects.create(
        user=administrator, patient=world.patient, reason=REASON, expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    colleague = UserFactory(username="other-staff", is_staff=True)

    assert list(Patient.objects.visible_to(administrator)) == [world.patient]
    assert other not in Patient.objects.visible_to(administrator)
    assert not Patient.objects.visible_to(colleague).exists()
    client.force_login(colleague)
    assert client.get(world.patient.get_absolute_url()).status_code == 404


def test_break_glass_needs_a_real_reason_and_a_known_patient(client, world, administrator):
    client.force_login(administrator)

    short = client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": "need it"})
    unknown = client.post(reverse("accounts:break-glass"), {"mrn": "NOPE", "reason": REASON})

    assert "Ensure this value has at least 20 characters" in short.content.decode()
    assert "No patient has this hospital number." in unknown.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.get(action="patient.break_glass").outcome == "refused"


@pytest.mark.parametrize("who", ["member", "loner", "superuser", "administrators_group", "coordinator"])
def test_break_glass_is_404_for_non_staff_and_for_who_sees_every_patient(client, world, who):
    if who == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    elif who == "administrators_group":
        user = UserFactory(username="group-admin", is_staff=True)
        user.groups.add(Group.objects.get(name="Administrators"))
    else:
        user = getattr(world, who)
    client.force_login(user)

    response = client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": REASON})

    assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_break_glass_grants_are_listed_for_review_and_marked_reviewed_in_the_admin(client, world, administrator):
    grant = BreakGlassGrant.objects.create(
        user=administrator,
        patient=world.patient,
        reason=REASON,
        created_at=dt.datetime(2024, 5, 14, 9, 30, tzinfo=dt.UTC),
        expires_at=dt.datetime(2024, 5, 14, 21, 30, tzinfo=dt.UTC),
    )
    reviewer = UserFactory(username="reviewer", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Administrators"))
    client.force_login(reviewer)
    url = reverse("admin:accounts_breakglassgrant_changelist")

    listing = client.get(url).content.decode()
    reviewed = client.post(url, {"action": "mark_reviewed", "_selected_action": [grant.pk]})

    for text in ("admin-staff", "Secret Patientname", REASON, "14 May 2024", "Reviewed at", "Reviewed by"):
        assert text in listing, text
    assert reviewed.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == reviewer and grant.reviewed_at is not None
    event = AuditEvent.objects.get(action="patient.break_glass_reviewed")
    assert (event.user, event.patient) == (reviewer, world.patient)


def test_break_glass_review_list_needs_the_administrators_permissions(client, world, administrator):
    BreakGlassGrant.objects.create(
        user=administrator, patient=world.patient, reason=REASON, expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    client.force_login(administrator)

    response = client.get(reverse("admin:accounts_breakglassgrant_changelist"))

    assert response.status_code == 403
    assert REASON.encode() not in response.content


def test_break_glass_and_code_forms_survive_hostile_input(client, world, administrator):
    from hypothesis import given

    from tests.security.fuzz import assert_escaped, assert_no_server_error, hostile_text

    client.force_login(administrator)

    @given(mrn=hostile_text(), reason=hostile_text(), token=hostile_text())
    def check(mrn, reason, token):
        grants = BreakGlassGrant.objects.count()

        response = client.post(reverse("accounts:break-glass"), {"mrn": mrn, "reason": reason})
        code = client.post(reverse("accounts:otp-verify"), {"token": token, "next": reason})

        for answer in (response, code):
            assert_no_server_error(answer)
            assert_escaped(answer.content)
        if response.status_code == 200:
            assert BreakGlassGrant.objects.count() == grants

    check()


@pytest.mark.parametrize(("who", "offered"), [("administrator", True), ("coordinator", False), ("member", False)])
def test_patient_list_offers_emergency_access_only_to_who_may_use_it(client, world, administrator, who, offered):
    client.force_login(administrator if who == "administrator" else getattr(world, who))

    page = client.get(reverse("patients:patient-list")).content.decode()

    assert (reverse("accounts:break-glass") in page) is offered

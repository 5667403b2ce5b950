"""Emergency access: a staff administrator outside the patient's boards gives a reason for one patient."""

import datetime as dt

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import BreakGlassGrant
from audit.models import AuditEvent
from patients.models import Patient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REASON = "Called to the emergency ward; patient unconscious, board record needed now."


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-staff", is_staff=True)


def _visible_with_grants(user):
    """Patient.objects.visible_to(user) with the change proposed to the lead (grants count while active)."""
    granted = Patient.objects.filter(
        break_glass_grants__user=user, break_glass_grants__expires_at__gt=timezone.now()
    ).values("pk")
    return Patient.objects.filter(Q(pk__in=Patient.objects.visible_to(user).values("pk")) | Q(pk__in=granted))


def test_break_glass_grants_time_limited_access_with_an_audited_reason(client, world, administrator):
    client.force_login(administrator)
    assert world.patient not in _visible_with_grants(administrator)

    response = client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == world.patient.get_absolute_url()
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.patient, grant.reason) == (administrator, world.patient, REASON)
    assert grant.expires_at - grant.created_at == dt.timedelta(hours=12)
    event = AuditEvent.objects.get(action="patient.break_glass")
    assert event.user == administrator and event.patient == world.patient and event.detail["reason"] == REASON
    assert world.patient in _visible_with_grants(administrator)


def test_break_glass_grant_expires(world, administrator):
    BreakGlassGrant.objects.create(
        user=administrator, patient=world.patient, reason=REASON,
        created_at=timezone.now() - dt.timedelta(hours=13), expires_at=timezone.now() - dt.timedelta(hours=1),
    )

    assert world.patient not in _visible_with_grants(administrator)
    assert not BreakGlassGrant.objects.active().exists()


def test_break_glass_needs_a_real_reason_and_a_known_patient(client, world, administrator):
    client.force_login(administrator)

    short = client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": "need it"})
    unknown = client.post(reverse("accounts:break-glass"), {"mrn": "NOPE", "reason": REASON})

    assert "Ensure this value has at least 20 characters" in short.content.decode()
    assert "No patient has this hospital number." in unknown.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.get(action="patient.break_glass").outcome == "refused"


@pytest.mark.parametrize("who", ["member", "loner", "superuser"])
def test_break_glass_is_404_for_non_staff_and_for_superusers(client, world, who):
    user = UserFactory(is_staff=True, is_superuser=True) if who == "superuser" else getattr(world, who)
    client.force_login(user)

    response = client.post(reverse("accounts:break-glass"), {"mrn": "SECRET0001", "reason": REASON})

    assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_break_glass_grants_are_listed_for_review_in_the_admin(client, world, administrator):
    BreakGlassGrant.objects.create(
        user=administrator, patient=world.patient, reason=REASON, expires_at=timezone.now() + dt.timedelta(hours=12)
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("admin:accounts_breakglassgrant_changelist"))

    assert response.status_code == 200
    assert REASON in response.content.decode()


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

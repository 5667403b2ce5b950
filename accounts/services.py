"""Writes for accounts: emergency access grants, audited."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.models import BreakGlassGrant
from audit.models import AuditEvent
from patients.models import Patient


class BreakGlassRefused(Exception):
    pass


def can_break_glass(user) -> bool:
    """Staff administrators who do not already see every patient (not superusers, not coordinators)."""
    if not user.is_authenticated or not user.is_staff or user.is_superuser:
        return False
    return not user.board_memberships.filter(role="coordinator").exists()


@transaction.atomic
def break_glass_grant_create(*, patient: Patient, reason: str, by: AbstractBaseUser, request=None) -> BreakGlassGrant:
    """Give an administrator time-limited access to one patient, with the reason audited."""
    if not can_break_glass(by):
        raise BreakGlassRefused("Emergency access is for staff administrators outside the patient's boards.")
    reason = reason.strip()
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=by, patient=patient, reason=reason, created_at=now, expires_at=now + BreakGlassGrant.lifetime()
    )
    AuditEvent.record(
        by=by, action="patient.break_glass", target=patient, patient=patient, request=request,
        detail={"reason": reason, "expires_at": grant.expires_at.isoformat(), "grant": str(grant.public_id)},
    )
    return grant

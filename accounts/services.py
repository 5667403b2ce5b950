"""Writes for accounts: role groups kept in step with board roles, emergency access grants; all audited."""

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction
from django.utils import timezone

from accounts.models import BreakGlassGrant
from accounts.roles import BOARD_ROLE_GROUPS, BOARD_ROLE_ROLES, board_role_group
from audit.models import AuditEvent
from patients.models import VIEW_ANY_PATIENT, Patient


class BreakGlassRefused(Exception):
    pass


@transaction.atomic
def user_role_groups_sync(*, user: AbstractBaseUser, by: AbstractBaseUser | None) -> set[str]:
    """Put the user in exactly the groups of their board roles (Coordinators, Clinicians, Chairs).

    Call after any change to the user's board memberships. Groups given by hand (Guideline editors,
    Administrators, others) are left alone. Return the names of the groups added or removed.
    """
    wanted = {
        board_role_group(role)
        for role in user.board_memberships.values_list("role", flat=True)
        if role in BOARD_ROLE_ROLES
    }
    held = set(user.groups.filter(name__in=BOARD_ROLE_GROUPS).values_list("name", flat=True))
    added, removed = wanted - held, held - wanted
    if added:
        # The groups come with the accounts migrations (and are reinstalled after every migrate and flush).
        user.groups.add(*Group.objects.filter(name__in=added))
    if removed:
        user.groups.remove(*Group.objects.filter(name__in=removed))
    if added or removed:
        AuditEvent.record(
            by=by,
            action="user.role_groups_synced",
            target=None,
            detail={"user": user.get_username(), "added": sorted(added), "removed": sorted(removed)},
        )
    return added | removed


def can_break_glass(user) -> bool:
    """Staff who do not already see every patient (superusers, coordinators, administrators do)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    return not user.has_perm(f"patients.{VIEW_ANY_PATIENT}")


@transaction.atomic
def break_glass_grant_create(*, patient: Patient, reason: str, by: AbstractBaseUser, request=None) -> BreakGlassGrant:
    """Give a staff user time-limited access (BREAK_GLASS_HOURS) to one patient, with the reason audited."""
    if not can_break_glass(by):
        raise BreakGlassRefused("Emergency access is for staff outside the patient's boards.")
    reason = reason.strip()
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=by, patient=patient, reason=reason, created_at=now, expires_at=now + BreakGlassGrant.lifetime()
    )
    AuditEvent.record(
        by=by,
        action="patient.break_glass",
        target=patient,
        patient=patient,
        request=request,
        detail={"reason": reason, "expires_at": grant.expires_at.isoformat(), "grant": str(grant.public_id)},
    )
    return grant


@transaction.atomic
def break_glass_grants_review(*, grants, by: AbstractBaseUser, request=None) -> int:
    """Mark emergency access grants as reviewed by the user; return how many were newly reviewed."""
    pending = list(grants.filter(reviewed_at__isnull=True).select_related("patient", "user"))
    now = timezone.now()
    for grant in pending:
        grant.reviewed_at, grant.reviewed_by = now, by
        grant.save(update_fields=["reviewed_at", "reviewed_by"])
        AuditEvent.record(
            by=by,
            action="patient.break_glass_reviewed",
            target=grant,
            patient=grant.patient,
            request=request,
            detail={"grant": str(grant.public_id), "user": grant.user.get_username()},
        )
    return len(pending)

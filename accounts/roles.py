"""Roles: Django groups with permissions, and the role names settings use (two-factor login per role).

Role names, as OTP_REQUIRED_ROLES takes them, and their groups:

- ``coordinator`` → "Coordinators"; ``clinician`` → "Clinicians" (board members); ``chair`` → "Chairs".
  These three follow the user's board roles (BoardMembership.role coordinator/member/chair) and are
  kept in sync by ``accounts.services.user_role_groups_sync``; the board role stays the truth for
  rights within a board (only the chair of *that* board signs).
- ``guideline_editor`` → "Guideline editors"; ``administrator`` → "Administrators": given by hand in
  the admin. Every staff user (``is_staff``) also counts as ``administrator`` for two-factor login.

This module imports no models, so the settings can validate role names against it.
"""

from django.conf import settings

COORDINATOR, CLINICIAN, CHAIR, GUIDELINE_EDITOR, ADMINISTRATOR = (
    "coordinator",
    "clinician",
    "chair",
    "guideline_editor",
    "administrator",
)
ROLE_GROUPS = {
    COORDINATOR: "Coordinators",
    CLINICIAN: "Clinicians",
    CHAIR: "Chairs",
    GUIDELINE_EDITOR: "Guideline editors",
    ADMINISTRATOR: "Administrators",
}
ROLE_NAMES = tuple(ROLE_GROUPS)
# Board roles (boards.models.Role values) and the role each one gives.
BOARD_ROLE_ROLES = {"coordinator": COORDINATOR, "member": CLINICIAN, "chair": CHAIR}
# The groups that mirror board roles; the others are assigned by hand and never touched by the sync.
BOARD_ROLE_GROUPS = frozenset(ROLE_GROUPS[role] for role in BOARD_ROLE_ROLES.values())
_ROLE_OF_GROUP = {group: role for role, group in ROLE_GROUPS.items()}


def board_role_group(board_role: str) -> str:
    """Return the group that mirrors a board role (coordinator → "Coordinators")."""
    return ROLE_GROUPS[BOARD_ROLE_ROLES[board_role]]


def unknown_role_names(names: list[str]) -> list[str]:
    """Return the names that are not roles (a typo would silently enforce nothing)."""
    return [name for name in names if name not in ROLE_NAMES]


def roles_of(user) -> set[str]:
    """Return the user's roles: from board roles, from role groups, and "administrator" for staff."""
    if not user.is_authenticated:
        return set()
    roles = {BOARD_ROLE_ROLES[role] for role in user.board_memberships.values_list("role", flat=True)}
    roles |= {_ROLE_OF_GROUP[name] for name in user.groups.values_list("name", flat=True) if name in _ROLE_OF_GROUP}
    if user.is_staff or user.is_superuser:
        roles.add(ADMINISTRATOR)
    return roles


def otp_required(user) -> bool:
    """Whether the user's roles make two-factor login compulsory (setting OTP_REQUIRED_FOR)."""
    required = set(settings.OTP_REQUIRED_FOR)
    return bool(required) and bool(roles_of(user) & required)

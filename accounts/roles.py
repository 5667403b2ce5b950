"""Which roles a user holds, for settings that apply per role (two-factor login)."""

from django.conf import settings


def roles_of(user) -> set[str]:
    """Return the user's roles: board roles (coordinator, member, chair), groups by name, and "admin" for staff."""
    if not user.is_authenticated:
        return set()
    roles = set(user.board_memberships.values_list("role", flat=True))
    roles |= {name.lower().replace(" ", "_") for name in user.groups.values_list("name", flat=True)}
    if user.is_staff or user.is_superuser:
        roles.add("admin")
    return roles


def otp_required(user) -> bool:
    """Whether the user's roles make two-factor login compulsory (setting OTP_REQUIRED_FOR)."""
    required = set(settings.OTP_REQUIRED_FOR)
    return bool(required) and bool(roles_of(user) & required)

"""Who sees what: board membership decides which meetings and patients a user may see."""

from django.db.models import QuerySet

from boards.models import Board, BoardMembership, Role
from patients.models import Patient


def membership_of(user, board: Board | int) -> BoardMembership | None:
    """Return the user's membership of the board, or None."""
    if not user.is_authenticated:
        return None
    board_id = board.pk if isinstance(board, Board) else board
    return BoardMembership.objects.filter(board_id=board_id, user=user).first()


def can_list_any_patient(user) -> bool:
    """Coordinators (of any board) and superusers may find any patient, to list them on an agenda."""
    if user.is_superuser:
        return True
    return BoardMembership.objects.filter(user=user, role=Role.COORDINATOR).exists()


def patients_visible_to(user) -> QuerySet[Patient]:
    """Patients the user may see: those listed at meetings of the user's boards (all for coordinators/admins)."""
    return Patient.objects.visible_to(user)

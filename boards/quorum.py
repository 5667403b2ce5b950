"""Quorum: which of a board's required specialties are present at a moment (pure, no queries)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Presence(Protocol):
    specialty: str
    arrived_at: datetime
    left_at: datetime | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class Quorum:
    required: tuple[str, ...]
    present: frozenset[str]
    missing: tuple[str, ...]

    @property
    def is_met(self) -> bool:
        return not self.missing


def is_present(attendance: Presence, moment: datetime) -> bool:
    """Arrived by the moment and not yet left (a late arrival or early leave counts by time).

    An entry withdrawn as erroneous never counts, wherever the attendance list comes from.
    """
    if getattr(attendance, "withdrawn_at", None) is not None:
        return False
    return attendance.arrived_at <= moment and (attendance.left_at is None or moment < attendance.left_at)


def quorum_at(required: Sequence[str], attendances: Iterable[Presence], moment: datetime) -> Quorum:
    """Return which required specialties are present at the moment and which are missing, in rule order."""
    present = frozenset(a.specialty for a in attendances if is_present(a, moment))
    missing = tuple(specialty for specialty in required if specialty not in present)
    return Quorum(required=tuple(required), present=present, missing=missing)

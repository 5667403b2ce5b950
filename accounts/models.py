"""Emergency ("break-glass") access: an administrator opens one patient outside their boards, with a reason."""

import uuid
from datetime import timedelta
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone


class BreakGlassGrantQuerySet(models.QuerySet):
    def active(self, *, at=None) -> Self:
        """Grants not yet expired."""
        return self.filter(expires_at__gt=at or timezone.now())

    def for_review(self) -> Self:
        """All grants with who and which patient, newest first, for the admin's review list."""
        return self.select_related("user", "patient").order_by("-created_at")


class BreakGlassGrant(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="break_glass_grants")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="break_glass_grants")
    reason = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "emergency access grant"
        permissions = [("review_breakglassgrant", "Can mark emergency access as reviewed")]

    def __str__(self) -> str:
        return f"Emergency access {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def lifetime() -> timedelta:
        """How long a grant lasts: setting BREAK_GLASS_HOURS (default 12)."""
        return timedelta(hours=settings.BREAK_GLASS_HOURS)

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()

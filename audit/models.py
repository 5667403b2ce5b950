"""Append-only audit trail: who did what to which record, when, from where."""

from typing import Any

from django.conf import settings
from django.db import models

from audit.addresses import client_address


class AuditEventQuerySet(models.QuerySet):
    def for_patient(self, patient) -> "AuditEventQuerySet":
        """Audit events about one patient, newest first."""
        return self.filter(patient=patient).select_related("user").order_by("-at", "-id")


class AuditEvent(models.Model):
    SUCCESS = "success"
    REFUSED = "refused"
    OUTCOMES = [(SUCCESS, "Success"), (REFUSED, "Refused")]

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=10, choices=OUTCOMES, default=SUCCESS)
    patient = models.ForeignKey("patients.Patient", models.PROTECT, null=True, blank=True, related_name="audit_events")
    target_type = models.CharField(max_length=64, blank=True)
    target_public_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The audit search (admin) and a patient's audit list: one patient's or one user's events, newest first.
            models.Index(fields=["patient", "-at", "-id"], name="audit_patient_at"),
            models.Index(fields=["user", "-at", "-id"], name="audit_user_at"),
            models.Index(fields=["-at", "-id"], name="audit_at_id"),
        ]
        permissions = [("export_auditevent", "Can export the audit trail as CSV")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} ({self.outcome})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise RuntimeError("Audit events are append-only.")

    @classmethod
    def record(
        cls,
        *,
        by,
        action: str,
        target: models.Model | None = None,
        patient=None,
        request=None,
        outcome: str = SUCCESS,
        detail: dict | None = None,
    ) -> "AuditEvent":
        """Write one audit row; the caller's transaction makes it atomic with the change."""
        ip_address = client_address(request) if request is not None else None
        return cls.objects.create(
            user=by if by is not None and by.is_authenticated else None,
            action=action,
            outcome=outcome,
            patient=patient,
            target_type=target._meta.label_lower if target is not None else "",
            target_public_id=str(getattr(target, "public_id", "") or "") if target is not None else "",
            ip_address=ip_address,
            detail=detail or {},
        )

"""Writes to the patient record. Every write is audited in the same transaction."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from patients.models import ClinicalRecord, Lesion, Measurement, Patient


class EditConflict(Exception):
    """Someone else saved the record after this edit started; `current` is their version."""

    def __init__(self, current: ClinicalRecord):
        super().__init__("This record was changed by someone else while you were editing it.")
        self.current = current


class AlreadyWithdrawn(Exception):
    pass


def patient_of(record: ClinicalRecord) -> Patient:
    """Return the patient a clinical row belongs to."""
    if isinstance(record, Patient):
        return record
    if isinstance(record, Measurement):
        return record.lesion.patient
    return record.patient


def _action(record: ClinicalRecord, verb: str) -> str:
    return f"{record._meta.model_name}.{verb}"


@transaction.atomic
def record_save(
    *, record: ClinicalRecord, by: AbstractBaseUser, expected_version: int | None = None, request=None
) -> ClinicalRecord:
    """Create or update a clinical row, refusing an update based on an outdated version."""
    record._history_user = by
    if record.pk is None:
        record.created_by = by
        record.full_clean()
        record.save()
        verb = "created"
    else:
        current = type(record).objects.select_for_update().get(pk=record.pk)
        if current.is_withdrawn:
            raise AlreadyWithdrawn("This record has been withdrawn and can no longer be edited.")
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        record.version = current.version + 1
        record.updated_by = by
        record.full_clean()
        record.save()
        verb = "updated"
    AuditEvent.record(by=by, action=_action(record, verb), target=record, patient=patient_of(record), request=request)
    return record


@transaction.atomic
def record_withdraw(*, record: ClinicalRecord, by: AbstractBaseUser, reason: str, request=None) -> ClinicalRecord:
    """Withdraw a clinical row (never delete it), with who, when and why."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required to withdraw a record.")
    current = type(record).objects.select_for_update().get(pk=record.pk)
    if current.is_withdrawn:
        raise AlreadyWithdrawn("This record is already withdrawn.")
    current._history_user = by
    current.withdrawn_at = timezone.now()
    current.withdrawn_by = by
    current.withdrawn_reason = reason[:500]
    current.version += 1
    current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason", "version", "updated_at"])
    if isinstance(current, Lesion):
        # A withdrawn lesion takes its measurements with it; they stay in the database, with history.
        for measurement in current.measurements.current():
            measurement._history_user = by
            measurement.withdrawn_at = current.withdrawn_at
            measurement.withdrawn_by = by
            measurement.withdrawn_reason = f"Lesion withdrawn: {reason}"[:500]
            measurement.version += 1
            measurement.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason", "version", "updated_at"])
    AuditEvent.record(
        by=by, action=_action(current, "withdrawn"), target=current, patient=patient_of(current),
        request=request, detail={"reason": reason[:500]},
    )
    return current

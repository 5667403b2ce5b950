"""Writes to the patient record. Every write is audited in the same transaction."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditEvent
from patients.models import VIEW_ANY_PATIENT, ClinicalRecord, Lesion, Measurement, Patient


class EditConflict(Exception):
    """Someone else saved the record after this edit started; `current` is their version."""

    def __init__(self, current: ClinicalRecord):
        super().__init__("This record was changed by someone else while you were editing it.")
        self.current = current


class AlreadyWithdrawn(Exception):
    pass


class MrnRefused(Exception):
    """A hospital number cannot be given to a new (or edited) patient; `patient` is set only when disclosed."""

    def __init__(self, message: str, patient: Patient | None = None):
        super().__init__(message)
        self.patient = patient


MRN_IN_USE = "A patient with this hospital number already exists."
# Said to users who may not see every patient: the number is refused without naming whom it belongs to.
MRN_NOT_USABLE = (
    "This hospital number cannot be used for a new patient. If the patient is already known here, "
    "a coordinator can list them at your board's meeting."
)
MRN_THROTTLED = (
    "Too many hospital numbers that are already in use were tried in the last 24 hours; "
    "ask a coordinator to add the patient."
)


def mrn_check_available(
    *, mrn: str, by: AbstractBaseUser, request=None, exclude: Patient | None = None, disclose: bool | None = None
) -> None:
    """Raise MrnRefused if the hospital number belongs to another patient, auditing every refusal.

    The refusal necessarily tells that the number is taken, so for users who may not see every patient
    it says no more than that (not whose it is), each attempt is audited with the number and the
    patient it belongs to, and after MRN_REFUSAL_LIMIT refusals in 24 hours every further new number
    is refused too, so hospital numbers cannot be probed in bulk. Call it outside the transaction of
    the save, so that the audit row of a refusal is kept.
    """
    taken = Patient.objects.filter(mrn=mrn.strip()).exclude(pk=exclude.pk if exclude else None).first()
    over_limit = _recent_mrn_refusals(by) >= settings.MRN_REFUSAL_LIMIT
    if taken is None and not over_limit:
        return
    disclose = by.has_perm(f"patients.{VIEW_ANY_PATIENT}") if disclose is None else disclose
    throttled = over_limit and not disclose
    if taken is None and not throttled:
        return
    AuditEvent.record(
        by=by,
        action="patient.mrn_refused",
        outcome=AuditEvent.REFUSED,
        target=taken,
        patient=taken,
        request=request,
        detail={"mrn": mrn.strip()[:40], "in_use": taken is not None, "throttled": throttled},
    )
    if disclose:
        raise MrnRefused(MRN_IN_USE, patient=taken)
    raise MrnRefused(MRN_THROTTLED if throttled else MRN_NOT_USABLE)


def _recent_mrn_refusals(by: AbstractBaseUser) -> int:
    since = timezone.now() - timedelta(hours=24)
    return AuditEvent.objects.filter(user_id=by.pk, action="patient.mrn_refused", at__gte=since).count()


def patient_create(*, mrn: str, name: str, birth_date: date, sex: str, by: AbstractBaseUser, request=None) -> Patient:
    """Create a patient (the rest of the record is added on the patient page), refusing a taken number."""
    mrn_check_available(mrn=mrn, by=by, request=request)
    patient = Patient(mrn=mrn.strip(), name=name.strip(), birth_date=birth_date, sex=sex)
    return record_save(record=patient, by=by, request=request)


def patient_of(record: ClinicalRecord) -> Patient:
    """Return the patient a clinical row belongs to."""
    if isinstance(record, Patient):
        return record
    if isinstance(record, Measurement):
        return record.lesion.patient
    return record.patient


def record_touch(patient_id: int) -> None:
    """Raise the patient's record version; call inside the transaction of every write to the record."""
    Patient.objects.filter(pk=patient_id).update(record_version=F("record_version") + 1)


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
        if isinstance(record, Patient):
            # The locked row's number: a concurrent write's raise must not be overwritten by a stale one.
            record.record_version = current.record_version
        record.full_clean()
        record.save()
        verb = "updated"
    patient = patient_of(record)
    record_touch(patient.pk)
    if isinstance(record, Patient):
        record.refresh_from_db(fields=["record_version"])
    AuditEvent.record(by=by, action=_action(record, verb), target=record, patient=patient, request=request)
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
            measurement.save(
                update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason", "version", "updated_at"]
            )
    record_touch(patient_of(current).pk)
    AuditEvent.record(
        by=by,
        action=_action(current, "withdrawn"),
        target=current,
        patient=patient_of(current),
        request=request,
        detail={"reason": reason[:500]},
    )
    return current

"""Fetch a patient for a request: visible to the user, else 404, with the refusal audited."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from audit.models import AuditEvent
from patients.models import Patient, view_any_patient_permissions


def may_view_any_patient(user) -> bool:
    """Coordinators, administrators and superusers (permission patients.view_any_patient); one query."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or view_any_patient_permissions(user).exists()


def get_patient_for_user(
    request: HttpRequest, public_id: UUID, patients: QuerySet | None = None, *, withdrawn_too: bool = False
) -> Patient:
    """Return the patient if the user may see it, else raise Http404 after auditing the refusal.

    Current patients only, unless `withdrawn_too` and the user may view any patient (read-only views).
    The 404 is the same whether the id exists or not, so it tells nothing; the audit row names the
    patient when there is one.
    """
    patients = Patient.objects.all() if patients is None else patients
    patient = patients.visible_to(request.user).filter(public_id=public_id).first()
    if patient is None or (patient.is_withdrawn and not (withdrawn_too and may_view_any_patient(request.user))):
        refuse(request, public_id)
    return patient


def refuse(request: HttpRequest, public_id: UUID) -> None:
    """Audit a refused access to a patient (or to an id that is no patient) and raise Http404."""
    AuditEvent.record(
        by=request.user,
        action="patient.access_refused",
        outcome=AuditEvent.REFUSED,
        request=request,
        patient=Patient.objects.filter(public_id=public_id).first(),
        detail={"path": request.path, "method": request.method, "public_id": str(public_id)},
    )
    raise Http404("No such patient.")

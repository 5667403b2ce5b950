"""Patient list, patient page with inline editing of every record type, case-file import and export."""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget
from django_htmx.middleware import HtmxDetails

from audit.models import AuditEvent
from patients import forms
from patients.access import get_patient_for_user, may_view_any_patient
from patients.casefile import CaseFileError, case_export_json, case_import, parse_case_file
from patients.history import history_page
from patients.models import (
    Comorbidity,
    EcogAssessment,
    Event,
    FrailtyAssessment,
    Ki67Result,
    LabResult,
    Lesion,
    Measurement,
    Patient,
    PrimaryTumour,
)
from patients.services import (
    AlreadyWithdrawn,
    EditConflict,
    MrnRefused,
    mrn_check_available,
    record_save,
    record_withdraw,
)
from patients.services import (
    patient_create as patient_create_service,
)
from patients.timeline import build_timeline

PATIENTS_PER_PAGE = 25
MAX_CASE_FILE_BYTES = 5 * 1024 * 1024


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True)
class RecordKind:
    """One editable part of the record: its form, the page section it lives in, and its name."""

    form: type[forms.RecordForm]
    section: str
    noun: str
    withdrawable: bool = True


RECORD_KINDS = {
    "patient": RecordKind(forms.PatientForm, "identity", "patient details"),
    # The primary tumour is one-to-one with the patient: it is corrected, not withdrawn and replaced.
    "primary": RecordKind(forms.PrimaryTumourForm, "primary", "primary tumour", withdrawable=False),
    "ki67": RecordKind(forms.Ki67Form, "primary", "Ki-67 result"),
    "lesion": RecordKind(forms.LesionForm, "lesions", "lesion"),
    "measurement": RecordKind(forms.MeasurementForm, "lesions", "measurement"),
    "event": RecordKind(forms.EventForm, "events", "event"),
    "lab": RecordKind(forms.LabResultForm, "labs", "CEA result"),
    "ecog": RecordKind(forms.EcogForm, "status", "ECOG assessment"),
    "frailty": RecordKind(forms.FrailtyForm, "status", "frailty judgement"),
    "comorbidity": RecordKind(forms.ComorbidityForm, "status", "comorbidity"),
}


def _get_patient_for_user(
    request: HttpRequest, public_id: UUID, patients: QuerySet | None = None, *, withdrawn_too: bool = False
) -> Patient:
    """Return the patient if the user may see it (a board of theirs lists it), else 404 (audited)."""
    return get_patient_for_user(request, public_id, patients, withdrawn_too=withdrawn_too)


def _get_kind(kind: str) -> RecordKind:
    if kind not in RECORD_KINDS:
        raise Http404("No such part of the record.")
    return RECORD_KINDS[kind]


def _get_record(patient: Patient, kind: str, record_id: UUID) -> Model:
    """Return a current row of this patient's record, else 404."""
    if kind == "patient":
        if record_id != patient.public_id:
            raise Http404("No such patient.")
        return patient
    form_model = RECORD_KINDS[kind].form._meta.model
    if form_model is Measurement:
        rows = Measurement.objects.current().select_related("lesion").filter(lesion__patient=patient)
    else:
        rows = form_model.objects.current().filter(patient=patient)
    return get_object_or_404(rows, public_id=record_id)


def _new_record(request: HttpRequest, patient: Patient, kind: str) -> Model:
    form_model = RECORD_KINDS[kind].form._meta.model
    if form_model is Measurement:
        # "Add measurement" on a lesion's row preselects that lesion.
        try:
            lesion_id = UUID(request.GET.get("lesion", ""))
        except ValueError:
            return Measurement()
        return Measurement(lesion=Lesion.objects.current().filter(patient=patient, public_id=lesion_id).first())
    return form_model(patient=patient)


def _show_withdrawn(request: HtmxHttpRequest) -> bool:
    """Whether "show withdrawn" is on, for the page itself or for the page an htmx request came from."""
    if request.GET.get("withdrawn") == "1":
        return True
    current_url = request.htmx.current_url if request.htmx else None
    return bool(current_url) and parse_qs(urlsplit(current_url).query).get("withdrawn") == ["1"]


def _attach_withdrawn(patient: Patient) -> None:
    """Load the patient's withdrawn rows, with who withdrew them, onto the patient and its lesions."""

    def withdrawn(model: type[Model], order: str) -> list:
        rows = model.objects.filter(patient=patient, withdrawn_at__isnull=False).select_related("withdrawn_by")
        return list(rows.order_by(order, "id"))

    patient.withdrawn_lesions = withdrawn(Lesion, "detected_on")
    patient.withdrawn_events = withdrawn(Event, "started_on")
    patient.withdrawn_ki67 = withdrawn(Ki67Result, "measured_on")
    patient.withdrawn_ecog = withdrawn(EcogAssessment, "assessed_on")
    patient.withdrawn_frailty = withdrawn(FrailtyAssessment, "assessed_on")
    patient.withdrawn_comorbidities = withdrawn(Comorbidity, "name")
    patient.withdrawn_labs = withdrawn(LabResult, "taken_on")
    measurements = (
        Measurement.objects.filter(lesion__patient=patient, withdrawn_at__isnull=False)
        .select_related("withdrawn_by")
        .order_by("measured_on", "id")
    )
    by_lesion: dict[int, list[Measurement]] = {}
    for measurement in measurements:
        by_lesion.setdefault(measurement.lesion_id, []).append(measurement)
    for lesion in patient.current_lesions + patient.withdrawn_lesions:
        lesion.withdrawn_measurements = by_lesion.get(lesion.pk, [])


def _record_context(request: HtmxHttpRequest, patient: Patient) -> dict:
    """Return the patient page's context for a patient loaded with `for_record()`."""
    # A withdrawn patient (opened by a coordinator) is shown read-only, with its withdrawn rows.
    show_withdrawn = _show_withdrawn(request) or patient.is_withdrawn
    if show_withdrawn:
        _attach_withdrawn(patient)
    timeline = build_timeline(patient, today=timezone.localdate())
    return {
        "patient": patient,
        "timeline": timeline,
        "chart": timeline.chart,
        "editable": not patient.is_withdrawn,
        "show_withdrawn": show_withdrawn,
    }


@login_required
@require_http_methods(["GET", "POST"])
def patient_list(request: HtmxHttpRequest) -> HttpResponse:
    """The patients the user may see. Searching is a POST, so names and hospital numbers stay out of URLs."""
    searching = request.method == "POST" and request.POST.get("action") == "search"
    importing = request.method == "POST" and not searching
    search_form = forms.PatientSearchForm(request.POST if searching else None)
    query = search_form.cleaned_data["q"].strip() if searching and search_form.is_valid() else ""
    page_number = search_form.cleaned_data["page"] if query else request.GET.get("page")
    import_form = forms.CaseFileImportForm(request.POST if importing else None, request.FILES if importing else None)
    import_errors: list[str] = []
    if importing and import_form.is_valid():
        try:
            patient = _import_case_file(request, import_form)
        except CaseFileError as error:
            import_errors = error.errors
        else:
            messages.success(request, f"Imported the case file as {patient}.")
            if request.htmx:
                return HttpResponseClientRedirect(patient.get_absolute_url())
            return redirect(patient)
    may_see_withdrawn = may_view_any_patient(request.user)
    show_withdrawn = may_see_withdrawn and request.GET.get("withdrawn") == "1"
    patients = Patient.objects.visible_to(request.user)
    patients = patients.withdrawn_for_review() if show_withdrawn else patients.current().for_list()
    context = {
        "page": Paginator(patients.search(query), PATIENTS_PER_PAGE).get_page(page_number),
        "query": query,
        "search_form": search_form,
        "import_form": import_form,
        "import_errors": import_errors,
        "show_withdrawn": show_withdrawn,
        "may_see_withdrawn": may_see_withdrawn,
    }
    template = "patients/patient_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#import-case" if importing else "#patient-results"
    return render(request, template, context)


def _import_case_file(request: HttpRequest, import_form: forms.CaseFileImportForm) -> Patient:
    """Create a patient from an uploaded case file, raising CaseFileError with every problem (audited)."""
    try:
        upload = import_form.cleaned_data["case_file"]
        if upload.size > MAX_CASE_FILE_BYTES:
            raise CaseFileError(["case_file: larger than 5 MB; a case file is much smaller"])
        case = parse_case_file(upload.read())
        return case_import(
            case=case,
            mrn=import_form.cleaned_data["mrn"],
            name=import_form.cleaned_data["name"] or None,
            by=request.user,
            request=request,
        )
    except CaseFileError as error:
        # As the import_case command does: paths and messages only (a taken number is audited apart).
        AuditEvent.record(
            by=request.user,
            action="patient.case_import_refused",
            outcome=AuditEvent.REFUSED,
            request=request,
            detail={"errors": error.errors[:50], "error_count": len(error.errors)},
        )
        raise


@login_required
@require_http_methods(["GET", "POST"])
def patient_create(request: HtmxHttpRequest) -> HttpResponse:
    """A new patient: identity here, the primary tumour and the rest on the patient page."""
    form = forms.NewPatientForm(request.POST or None)
    existing = None
    if form.is_valid():
        try:
            patient = patient_create_service(**form.cleaned_data, by=request.user, request=request)
        except MrnRefused as refused:
            form.add_error("mrn", str(refused))
            existing = refused.patient
        except ValidationError as error:
            _add_model_errors(form, error)
        else:
            messages.success(request, f"Added {patient}. Add the primary tumour and the rest of the record here.")
            return redirect(patient)
    return render(request, "patients/patient_create.html", {"form": form, "existing": existing})


@login_required
@require_GET
def patient_detail(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    patient = _get_patient_for_user(request, public_id, Patient.objects.for_record(), withdrawn_too=True)
    context = _record_context(request, patient)
    AuditEvent.record(by=request.user, action="patient.viewed", target=patient, patient=patient, request=request)
    template = "patients/patient_detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#record"
    return render(request, template, context)


@login_required
@require_GET
def patient_history(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    """Every saved change of the patient's record, newest first: who, when, which row, before → after."""
    patient = _get_patient_for_user(request, public_id, withdrawn_too=True)
    page = history_page(patient, request.GET.get("page"))
    AuditEvent.record(
        by=request.user,
        action="patient.history_viewed",
        target=patient,
        patient=patient,
        request=request,
        detail={"page": page.number},
    )
    template = "patients/patient_history.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#changes"
    return render(request, template, {"patient": patient, "page": page})


@login_required
@require_GET
def patient_export(request: HtmxHttpRequest, public_id: UUID) -> HttpResponse:
    patient = _get_patient_for_user(request, public_id)
    case_file = case_export_json(patient)
    AuditEvent.record(by=request.user, action="patient.case_exported", target=patient, patient=patient, request=request)
    response = HttpResponse(case_file, content_type="application/json")
    # The file name carries the public id only: no name or hospital number leaves in it.
    response["Content-Disposition"] = f'attachment; filename="case-{patient.public_id}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: HtmxHttpRequest, public_id: UUID, kind: str) -> HttpResponse:
    patient = _get_patient_for_user(request, public_id)
    _get_kind(kind)
    if kind == "patient":
        raise Http404("New patients are added from the patient list.")
    if kind == "primary" and PrimaryTumour.objects.filter(patient=patient).exists():
        primary = PrimaryTumour.objects.get(patient=patient)
        return redirect("patients:record-edit", patient.public_id, "primary", primary.public_id)
    return _record_form_response(request, patient, kind, _new_record(request, patient, kind))


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HtmxHttpRequest, public_id: UUID, kind: str, record_id: UUID) -> HttpResponse:
    patient = _get_patient_for_user(request, public_id)
    _get_kind(kind)
    return _record_form_response(request, patient, kind, _get_record(patient, kind, record_id))


def _record_form_response(request: HtmxHttpRequest, patient: Patient, kind: str, record: Model) -> HttpResponse:
    """Show a record's form; on POST save or withdraw it, then show the updated record."""
    spec = RECORD_KINDS[kind]
    withdrawing = request.method == "POST" and "withdraw" in request.POST
    saving = request.method == "POST" and not withdrawing
    form = spec.form(request.POST if saving else None, instance=record, patient=patient)
    withdraw_form = forms.WithdrawForm(request.POST if withdrawing else None)
    conflict, problem = None, ""
    if withdrawing and withdraw_form.is_valid():
        try:
            record_withdraw(
                record=record, by=request.user, reason=withdraw_form.cleaned_data["reason"], request=request
            )
        except AlreadyWithdrawn as error:
            problem = str(error)
        else:
            return _after_change(request, patient, kind, f"Withdrew the {spec.noun}.", withdrawn=record)
    if saving and form.is_valid():
        try:
            if kind == "patient" and "mrn" in form.changed_data:
                # Before the save's transaction, so that the audit row of a refusal is kept.
                mrn_check_available(mrn=form.cleaned_data["mrn"], by=request.user, request=request, exclude=patient)
            _save(request, form)
        except MrnRefused as refused:
            form.add_error("mrn", str(refused))
        except EditConflict as error:
            conflict = error.current
            form = _conflict_form(request, spec, patient, conflict)
        except AlreadyWithdrawn as error:
            problem = str(error)
        except ValidationError as error:
            _add_model_errors(form, error)
        else:
            verb = "Updated" if record.version > 1 else "Added"
            return _after_change(request, patient, kind, f"{verb} the {spec.noun}.")
    context = {
        "patient": patient,
        "kind": kind,
        "spec": spec,
        "record": record,
        "form": form,
        "withdraw_form": withdraw_form if record.pk and spec.withdrawable else None,
        "conflict": conflict,
        "conflict_values": _values(conflict, form) if conflict else [],
        "problem": problem,
        "conflict_author": _author(conflict) if conflict else "",
    }
    template = "patients/record_form.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#editor"
    return render(request, template, context)


def _save(request: HttpRequest, form: forms.RecordForm) -> None:
    """Save the form's record through the service; an event's treated lesions in the same transaction."""
    with transaction.atomic():
        record = record_save(
            record=form.instance, by=request.user, expected_version=form.cleaned_data.get("version"), request=request
        )
        if isinstance(record, Event):
            record.lesions.set(form.cleaned_data["lesions"])


def _conflict_form(request: HttpRequest, spec: RecordKind, patient: Patient, current: Model) -> forms.RecordForm:
    """Return the user's input again, now based on the other person's version, so it can be re-applied."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    form = spec.form(data, instance=type(current).objects.get(pk=current.pk), patient=patient)
    form.is_valid()
    form.add_error(
        None,
        "This entry was changed by someone else while you were editing it. Their values are "
        "shown below; your values are still in the form. Save again to apply yours.",
    )
    return form


def _author(record: Model) -> str:
    """Return who last saved a row, by name."""
    user = record.updated_by or record.created_by
    return user.get_full_name() or user.get_username()


def _values(record: Model, form: forms.RecordForm) -> list[tuple[str, str]]:
    """Return (label, value as shown) for each field of the form, from a saved record."""
    values = []
    for name, field in form.fields.items():
        if name == "version":
            continue
        model_field = record._meta.get_field(name)
        value = getattr(record, name)
        if model_field.many_to_many:
            shown = ", ".join(str(lesion) for lesion in value.all()) or "—"
        elif model_field.choices and value not in (None, ""):
            shown = getattr(record, f"get_{name}_display")()
        elif isinstance(value, bool) or value is None:
            shown = {True: "yes", False: "no", None: "unknown" if model_field.null else "—"}[value]
        else:
            shown = str(value) if value != "" else "—"
        values.append((field.label, shown))
    return values


def _add_model_errors(form: forms.RecordForm, error: ValidationError) -> None:
    """Show a model's validation error at its field, or above the form for fields not in it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, field_errors in error.error_dict.items():
        form.add_error(name if name in form.fields else NON_FIELD_ERRORS, field_errors)


def _after_change(
    request: HtmxHttpRequest, patient: Patient, kind: str, message: str, *, withdrawn: Model | None = None
) -> HttpResponse:
    """Return the updated record (htmx) or go back to the patient page."""
    if withdrawn is patient:
        messages.success(request, f"Withdrew {patient}.")
        url = redirect("patients:patient-list").url
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    section = RECORD_KINDS[kind].section
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{patient.get_absolute_url()}#{section}")
    patient = Patient.objects.for_record().get(pk=patient.pk)
    context = _record_context(request, patient) | {"saved_section": section, "saved_message": message}
    response = render(request, "patients/patient_detail.html#record", context)
    return reswap(retarget(response, "#record"), "outerHTML")

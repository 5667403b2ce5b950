from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from patients import models
from patients.services import patient_of, record_save


class ClinicalAdmin(admin.ModelAdmin):
    """Staff support view of clinical rows: never deleted here; withdraw in the app.

    Every list page and every row opened here is audited, like the app's pages; saves go through
    record_save, which audits the change.
    """

    readonly_fields = (
        "public_id",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "version",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_reason",
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        record_save(record=obj, by=request.user, request=request)

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if response.status_code == 200 else None
        if changelist is not None:
            rows = list(changelist.result_list)
            AuditEvent.record(
                by=request.user,
                action="admin.clinical_listed",
                request=request,
                detail={
                    "model": self.model._meta.label_lower,
                    "search": changelist.query,
                    "shown": [str(row.public_id) for row in rows],
                    "count": len(rows),
                },
            )
        return response

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        row = getattr(response, "context_data", {}).get("original") if response.status_code == 200 else None
        if row is not None and request.method == "GET":
            AuditEvent.record(
                by=request.user,
                action=f"{row._meta.model_name}.admin_viewed",
                target=row,
                patient=patient_of(row),
                request=request,
            )
        return response

    def history_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        row = getattr(response, "context_data", {}).get("object") if response.status_code == 200 else None
        if row is not None:
            AuditEvent.record(
                by=request.user,
                action=f"{row._meta.model_name}.admin_history_viewed",
                target=row,
                patient=patient_of(row),
                request=request,
            )
        return response


@admin.register(models.Patient)
class PatientAdmin(ClinicalAdmin):
    list_display = ("mrn", "name", "birth_date", "sex", "created_at", "withdrawn_at")
    list_filter = ("sex",)
    search_fields = ("mrn", "name", "public_id")


@admin.register(models.PrimaryTumour)
class PrimaryTumourAdmin(ClinicalAdmin):
    list_display = ("patient", "disease", "site", "diagnosed_on", "n_status", "resected_on")
    list_filter = ("disease", "n_status")
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name", "site")
    raw_id_fields = ("patient",)


@admin.register(models.Lesion)
class LesionAdmin(ClinicalAdmin):
    list_display = ("label", "patient", "organ", "regional_node", "detected_on", "removed_on", "removal")
    list_filter = ("organ", "regional_node", "removal")
    list_select_related = ("patient",)
    search_fields = ("label", "patient__mrn", "patient__name")
    raw_id_fields = ("patient",)


@admin.register(models.Measurement)
class MeasurementAdmin(ClinicalAdmin):
    list_display = ("lesion", "measured_on", "size_mm", "modality")
    list_filter = ("modality",)
    list_select_related = ("lesion", "lesion__patient")
    search_fields = ("lesion__label", "lesion__patient__mrn")
    raw_id_fields = ("lesion",)


@admin.register(models.Event)
class EventAdmin(ClinicalAdmin):
    list_display = ("type", "patient", "started_on", "ended_on", "regimen", "line", "intent")
    list_filter = ("type", "intent")
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name", "regimen")
    raw_id_fields = ("patient", "lesions")


@admin.register(models.LabResult)
class LabResultAdmin(ClinicalAdmin):
    list_display = ("patient", "analyte", "taken_on", "value")
    list_filter = ("analyte",)
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name")
    raw_id_fields = ("patient",)


@admin.register(models.Ki67Result)
class Ki67ResultAdmin(ClinicalAdmin):
    list_display = ("patient", "measured_on", "value_pct", "low_pct", "high_pct", "specimen")
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name", "specimen")
    raw_id_fields = ("patient",)


@admin.register(models.EcogAssessment)
class EcogAssessmentAdmin(ClinicalAdmin):
    list_display = ("patient", "assessed_on", "value")
    list_filter = ("value",)
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name")
    raw_id_fields = ("patient",)


@admin.register(models.FrailtyAssessment)
class FrailtyAssessmentAdmin(ClinicalAdmin):
    list_display = ("patient", "assessed_on", "frail")
    list_filter = ("frail",)
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name")
    raw_id_fields = ("patient",)


@admin.register(models.Comorbidity)
class ComorbidityAdmin(ClinicalAdmin):
    list_display = ("patient", "name")
    list_select_related = ("patient",)
    search_fields = ("patient__mrn", "patient__name", "name")
    raw_id_fields = ("patient",)

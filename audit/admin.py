import csv

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from audit.models import AuditEvent
from patients.models import Patient

CSV_COLUMNS = ("at", "user", "action", "outcome", "patient", "target_type", "target_public_id", "ip_address", "detail")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Search the audit trail by patient, user, action and date; export what is shown as CSV."""

    list_display = ("at", "user", "action", "outcome", "patient", "target_type", "ip_address")
    list_filter = ("action", "outcome", ("at", admin.DateFieldListFilter))
    list_select_related = ("user", "patient")
    search_fields = ("action", "user__username", "patient__mrn", "patient__name", "target_public_id")
    date_hierarchy = "at"
    show_full_result_count = False
    actions = ["export_csv"]

    search_help_text = (
        "A hospital number or user name finds that patient's or user's events (exact); any other text is "
        "looked for in actions, user names, hospital numbers, patient names and record ids."
    )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """An exact hospital number or user name is an indexed lookup; other text a substring search."""
        term = search_term.strip()
        if term:
            patient_ids = list(Patient.objects.filter(mrn=term).values_list("pk", flat=True))
            user_ids = list(get_user_model().objects.filter(username=term).values_list("pk", flat=True))
            if patient_ids or user_ids:
                return queryset.filter(Q(patient_id__in=patient_ids) | Q(user_id__in=user_ids)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("audit.export_auditevent")

    @admin.action(description="Export selected audit events as CSV", permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for event in queryset.select_related("user", "patient").order_by("at", "id"):
            writer.writerow(
                [
                    event.at.isoformat(),
                    event.user.username if event.user else "",
                    event.action,
                    event.outcome,
                    event.patient.mrn if event.patient else "",
                    event.target_type,
                    event.target_public_id,
                    event.ip_address or "",
                    event.detail,
                ]
            )
        AuditEvent.record(by=request.user, action="audit.exported", request=request, detail={"rows": queryset.count()})
        return response

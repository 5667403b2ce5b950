from django.contrib import admin
from django.utils import timezone

from accounts.models import BreakGlassGrant


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(admin.ModelAdmin):
    """Review list of emergency access: who opened which patient, why, until when."""

    list_display = ("created_at", "user", "patient", "reason", "expires_at", "reviewed_at", "reviewed_by")
    list_filter = ("reviewed_at",)
    list_select_related = ("user", "patient", "reviewed_by")
    search_fields = ("user__username", "patient__mrn", "reason")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "patient", "reviewed_by")
    readonly_fields = ("public_id", "user", "patient", "reason", "created_at", "expires_at", "reviewed_by", "reviewed_at")
    actions = ["mark_reviewed"]

    @admin.action(description="Mark as reviewed")
    def mark_reviewed(self, request, queryset):
        queryset.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now(), reviewed_by=request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin, messages

from accounts import services
from accounts.models import BreakGlassGrant


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(admin.ModelAdmin):
    """Review list of emergency access: who opened which patient, why, when, until when, reviewed by whom."""

    list_display = (
        "created_at",
        "user",
        "patient",
        "reason",
        "expires_at",
        "is_active",
        "reviewed_at",
        "reviewed_by",
    )
    list_filter = ("reviewed_at", "created_at")
    list_select_related = ("user", "patient", "reviewed_by")
    search_fields = ("user__username", "patient__mrn", "reason", "public_id")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "patient", "reviewed_by")
    readonly_fields = (
        "public_id",
        "user",
        "patient",
        "reason",
        "created_at",
        "expires_at",
        "reviewed_by",
        "reviewed_at",
    )
    actions = ["mark_reviewed"]

    @admin.display(boolean=True, description="active")
    def is_active(self, grant: BreakGlassGrant) -> bool:
        return grant.is_active

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("accounts.review_breakglassgrant")

    @admin.action(description="Mark as reviewed", permissions=["review"])
    def mark_reviewed(self, request, queryset):
        count = services.break_glass_grants_review(grants=queryset, by=request.user, request=request)
        self.message_user(request, f"Marked {count} emergency access grant(s) as reviewed.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

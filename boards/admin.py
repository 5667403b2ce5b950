from django import forms
from django.contrib import admin

from audit.models import AuditEvent
from boards.models import AgendaItem, Attendance, Board, BoardMembership, Decision, FollowUp, Meeting, Specialty


class BoardAdminForm(forms.ModelForm):
    required_specialties = forms.MultipleChoiceField(
        label="Quorum rule", choices=Specialty.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="Specialties that must be present for the board to decide.",
    )

    class Meta:
        model = Board
        fields = "__all__"


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class BoardMembershipInline(admin.TabularInline):
    model = BoardMembership
    raw_id_fields = ("user",)
    extra = 0

    def has_delete_permission(self, request, obj=None) -> bool:
        return True


@admin.register(Board)
class BoardAdmin(NoDeleteAdmin):
    form = BoardAdminForm
    list_display = ("name", "disease_focus", "public_id", "created_at")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created_at")
    inlines = [BoardMembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        AuditEvent.record(
            by=request.user, action="board.changed" if change else "board.created", target=obj, request=request,
            detail={"fields": sorted(form.changed_data)},
        )

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            AuditEvent.record(by=request.user, action="board.members_changed", target=form.instance, request=request)


@admin.register(Meeting)
class MeetingAdmin(NoDeleteAdmin):
    list_display = ("public_id", "board", "starts_at", "status")
    list_select_related = ("board",)
    list_filter = ("status", "board")
    search_fields = ("public_id",)
    raw_id_fields = ("board", "created_by")
    readonly_fields = ("public_id", "status", "started_at", "closed_at", "created_at", "created_by")


@admin.register(AgendaItem)
class AgendaItemAdmin(NoDeleteAdmin):
    list_display = ("public_id", "meeting", "position", "patient", "status")
    list_select_related = ("meeting__board", "patient")
    search_fields = ("public_id", "patient__mrn")
    raw_id_fields = ("meeting", "patient", "presenter", "added_by")
    readonly_fields = ("public_id", "added_at", "added_by", "readiness_problems_at_listing", "status", "status_reason")


@admin.register(Attendance)
class AttendanceAdmin(NoDeleteAdmin):
    list_display = ("meeting", "user", "specialty", "arrived_at", "left_at")
    list_select_related = ("meeting__board", "user")
    raw_id_fields = ("meeting", "user", "recorded_by")
    readonly_fields = ("recorded_by", "recorded_at")


@admin.register(Decision)
class DecisionAdmin(NoDeleteAdmin):
    """Read-only: decisions are recorded, signed and amended in the meeting, never edited here."""

    list_display = ("public_id", "agenda_item", "category", "consensus", "signed_at")
    list_select_related = ("agenda_item__patient",)
    search_fields = ("public_id", "agenda_item__patient__mrn")
    raw_id_fields = ("agenda_item", "amends", "lesions")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(NoDeleteAdmin):
    list_display = ("decision", "status", "reason", "recorded_on")
    list_select_related = ("decision",)
    raw_id_fields = ("decision", "recorded_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

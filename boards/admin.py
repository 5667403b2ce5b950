from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.services import user_role_groups_sync
from audit.models import AuditEvent
from boards import services
from boards.models import AgendaItem, Attendance, Board, BoardMembership, Decision, FollowUp, Meeting, Specialty
from boards.policies import PolicyError
from patients.services import EditConflict


class BoardAdminForm(forms.ModelForm):
    required_specialties = forms.MultipleChoiceField(
        label="Quorum rule",
        choices=Specialty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Specialties that must be present for the board to decide.",
    )

    class Meta:
        model = Board
        fields = (
            "name",
            "disease_focus",
            "description",
            "required_specialties",
            "imaging_max_age_days",
            "ecog_max_age_days",
            "cea_max_age_days",
            "requires_ki67",
            "requires_primary_pathology",
        )


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
            by=request.user,
            action="board.changed" if change else "board.created",
            target=obj,
            request=request,
            detail={"fields": sorted(form.changed_data)},
        )

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            AuditEvent.record(by=request.user, action="board.members_changed", target=form.instance, request=request)
        if formset.model is BoardMembership:
            # Role groups follow board roles: resync everyone added, changed or removed here.
            changed = [
                *formset.new_objects,
                *(row for row, _fields in formset.changed_objects),
                *formset.deleted_objects,
            ]
            for user in {membership.user for membership in changed}:
                user_role_groups_sync(user=user, by=request.user)


class ServiceAdminForm(forms.ModelForm):
    """An admin form whose save goes through a boards service, with its policies and audit.

    The service runs when the form is validated (inside the admin's transaction), so whatever it refuses (a
    policy or its validation) comes back as a message at the field instead of a server error, and nothing is
    half saved. `request_user` is set by `ServiceAdmin.get_form`.
    """

    request_user = None
    saved_object = None

    def run_service(self, cleaned_data: dict):
        """Save the row through its boards service and return it; each admin form below says which service."""
        raise NotImplementedError(f"{type(self).__name__} must save through a boards service (run_service).")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.saved_object = self.run_service(cleaned)
        except PolicyError as error:
            raise forms.ValidationError(str(error)) from None
        except EditConflict as conflict:
            raise forms.ValidationError(
                f"Someone else changed this row meanwhile (now version {conflict.current.version}); reload the page."
            ) from None
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
            else:
                raise forms.ValidationError(error.messages) from None
        return cleaned

    def _post_clean(self):
        # The service validated and saved; the form must not validate or touch the instance itself.
        pass

    def save(self, commit=True):
        self.save_m2m = lambda: None
        return self.saved_object


class ServiceAdmin(NoDeleteAdmin):
    """Admin whose add and change forms save through services (see ServiceAdminForm)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change) -> None:
        """Saved (and audited) by the service when the form was validated."""


class MeetingAdminForm(ServiceAdminForm):
    class Meta:
        model = Meeting
        fields = ["board", "starts_at", "place", "video_link"]

    def run_service(self, cleaned_data: dict) -> Meeting:
        fields = {name: cleaned_data[name] for name in ("starts_at", "place", "video_link")}
        if self.instance.pk:
            return services.meeting_update(meeting=self.instance, by=self.request_user, **fields)
        return services.meeting_create(board=cleaned_data["board"], by=self.request_user, **fields)


@admin.register(Meeting)
class MeetingAdmin(ServiceAdmin):
    """Plan a meeting (board coordinators) or change its date and place; status changes happen on the meeting page."""

    form = MeetingAdminForm
    list_display = ("public_id", "board", "starts_at", "status")
    list_select_related = ("board",)
    list_filter = ("status", "board")
    search_fields = ("public_id",)
    raw_id_fields = ("board",)
    readonly_fields = ("public_id", "status", "started_at", "closed_at", "created_at", "created_by")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "board") if obj is not None else self.readonly_fields


class AgendaItemAdminForm(ServiceAdminForm):
    # The version the page was loaded with (not "version": the model's own field is not editable).
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AgendaItem
        fields = ["meeting", "patient", "question", "presenter"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def run_service(self, cleaned_data: dict) -> AgendaItem:
        if self.instance.pk:
            version = cleaned_data.get("expected_version")
            return services.agenda_item_update(
                agenda_item=self.instance,
                question=cleaned_data["question"],
                presenter=cleaned_data["presenter"],
                expected_version=self.instance.version if version is None else version,
                by=self.request_user,
            )
        return services.agenda_item_add(
            meeting=cleaned_data["meeting"],
            patient=cleaned_data["patient"],
            question=cleaned_data["question"],
            presenter=cleaned_data["presenter"],
            by=self.request_user,
        )


@admin.register(AgendaItem)
class AgendaItemAdmin(ServiceAdmin):
    """List a case or change its question and presenter, with the agenda policies; order and status on the meeting page."""

    form = AgendaItemAdminForm
    list_display = ("public_id", "meeting", "position", "patient", "status")
    list_select_related = ("meeting__board", "patient")
    search_fields = ("public_id", "patient__mrn")
    raw_id_fields = ("meeting", "patient", "presenter")
    readonly_fields = (
        "public_id",
        "position",
        "added_at",
        "added_by",
        "readiness_problems_at_listing",
        "status",
        "status_reason",
        "evaluation",
        "updated_at",
        "updated_by",
    )

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "meeting", "patient") if obj is not None else self.readonly_fields


class AttendanceAdminForm(ServiceAdminForm):
    class Meta:
        model = Attendance
        fields = ["meeting", "user", "specialty", "arrived_at", "left_at"]

    def run_service(self, cleaned_data: dict) -> Attendance:
        if self.instance.pk:
            return services.attendance_update(
                attendance=self.instance,
                arrived_at=cleaned_data["arrived_at"],
                left_at=cleaned_data["left_at"],
                by=self.request_user,
            )
        attendance = services.attendance_record(
            meeting=cleaned_data["meeting"],
            user=cleaned_data["user"],
            specialty=cleaned_data["specialty"],
            arrived_at=cleaned_data["arrived_at"],
            by=self.request_user,
        )
        if cleaned_data["left_at"] is not None:
            attendance = services.attendance_leave(
                attendance=attendance, left_at=cleaned_data["left_at"], by=self.request_user
            )
        return attendance


@admin.register(Attendance)
class AttendanceAdmin(ServiceAdmin):
    """Record or correct attendance with the same policies as the meeting page; withdrawal happens there."""

    form = AttendanceAdminForm
    list_display = ("meeting", "user", "specialty", "arrived_at", "left_at", "withdrawn_at")
    list_select_related = ("meeting__board", "user")
    raw_id_fields = ("meeting", "user")
    readonly_fields = ("recorded_by", "recorded_at", "withdrawn_at", "withdrawn_by", "withdrawn_reason")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "meeting", "user", "specialty") if obj is not None else self.readonly_fields


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

"""Input validation for the board pages; services do the writing."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from boards.models import (
    AgendaItem,
    Board,
    Consensus,
    Decision,
    DecisionCategory,
    FollowUpReason,
    FollowUpStatus,
    Meeting,
    Specialty,
)
from patients.models import Lesion, Patient

User = get_user_model()


class MeetingForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label="Date and time", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    class Meta:
        model = Meeting
        fields = ["starts_at", "place", "video_link"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("place", "").strip() and not cleaned.get("video_link", "").strip():
            self.add_error("place", "Give a place or a video link.")
        return cleaned


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def board_users(board: Board):
    return User.objects.filter(board_memberships__board=board).order_by("last_name", "username")


class AgendaItemAddForm(forms.Form):
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.current(),
        to_field_name="public_id",
        widget=forms.RadioSelect,
        error_messages={"required": "Find and choose a patient.", "invalid_choice": "Choose a patient from the list."},
    )
    question = forms.CharField(
        label="Question for the board", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    presenter = MemberChoiceField(queryset=User.objects.none(), required=False, label="Presenting clinician")

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = board_users(board)


class AgendaItemForm(forms.ModelForm):
    presenter = MemberChoiceField(queryset=User.objects.none(), required=False, label="Presenting clinician")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = AgendaItem
        fields = ["question", "presenter"]
        widgets = {"question": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = board_users(board)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, error_messages={"required": "Give a reason."})


class PatientSearchForm(forms.Form):
    """The coordinator's patient search; posted, so no name or hospital number ever lands in a URL."""

    q = forms.CharField(max_length=100, required=False, strip=True)


class CloseMeetingForm(forms.Form):
    defer_reason = forms.CharField(
        label="Reason for deferring the remaining cases",
        max_length=500,
        initial="Not reached at the meeting",
        error_messages={"required": "Give a reason for deferring the remaining cases."},
    )


class AttendanceCorrectionForm(forms.Form):
    arrived_at = forms.TimeField(
        label="Arrived at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the arrival time."},
    )
    left_at = forms.TimeField(
        label="Left at (empty = still here)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def clean(self):
        cleaned = super().clean()
        arrived, left = cleaned.get("arrived_at"), cleaned.get("left_at")
        if arrived and left and left < arrived:
            self.add_error("left_at", "Leaving cannot be before arriving.")
        return cleaned


class AttendanceForm(forms.Form):
    user = MemberChoiceField(
        queryset=User.objects.none(), label="Who", error_messages={"required": "Choose who arrived."}
    )
    specialty = forms.ChoiceField(choices=[("", "Their board specialty"), *Specialty.choices], required=False)
    arrived_at = forms.TimeField(
        label="Arrived at (empty = now)", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, board: Board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = board_users(board)


class DecisionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    lesions = forms.ModelMultipleChoiceField(
        queryset=Lesion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="public_id",
        label="Lesions concerned",
    )
    category = forms.ChoiceField(choices=[("", "Choose…"), *DecisionCategory.choices])
    consensus = forms.ChoiceField(choices=Consensus.choices, widget=forms.RadioSelect, initial=Consensus.UNANIMOUS)

    class Meta:
        model = Decision
        fields = [
            "category",
            "lesions",
            "recommendation",
            "consensus",
            "dissent",
            "departs_from_guidance",
            "departure_reason",
        ]
        widgets = {
            "recommendation": forms.Textarea(attrs={"rows": 3}),
            "dissent": forms.Textarea(attrs={"rows": 2}),
            "departure_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, lesions, loaded_lesions=None, **kwargs):
        """`lesions`: the patient's current lesions (checked on save); `loaded_lesions`: the same, already read."""
        super().__init__(*args, **kwargs)
        self.fields["lesions"].queryset = lesions
        if loaded_lesions is not None:
            # The case review has the record in hand: the checkboxes come from it, not from another query.
            field = self.fields["lesions"]
            field.choices = [
                (lesion.public_id, field.label_from_instance(lesion))
                for lesion in sorted(loaded_lesions, key=lambda lesion: lesion.label)
            ]
        self.fields["recommendation"].error_messages["required"] = "Write the board's recommendation."
        self.fields["category"].error_messages["required"] = "Choose a category."
        if self.instance.pk and not self.is_bound:
            self.initial["lesions"] = [lesion.public_id for lesion in self.instance.lesions.all()]
        self.initial.setdefault("version", self.instance.version if self.instance.pk else 0)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consensus") == Consensus.MAJORITY and not cleaned.get("dissent", "").strip():
            self.add_error("dissent", "Record the dissent: who disagreed and why.")
        if cleaned.get("departs_from_guidance") and not cleaned.get("departure_reason", "").strip():
            self.add_error("departure_reason", "Say why the recommendation departs from the guidance.")
        return cleaned

    def _post_clean(self):
        # The service validates and saves; the form must not touch the (possibly signed) instance.
        pass

    def decision_fields(self) -> dict:
        """Return the cleaned fields as the keyword arguments of decision_record/decision_amend."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["lesions"] = list(fields["lesions"])
        return fields


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUpStatus.choices)
    reason = forms.ChoiceField(choices=[("", "—"), *FollowUpReason.choices], required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    recorded_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status in (FollowUpStatus.PARTLY, FollowUpStatus.NOT_IMPLEMENTED) and not cleaned.get("reason"):
            self.add_error("reason", "Give the reason it was not (fully) implemented.")
        if cleaned.get("reason") == FollowUpReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "Describe the other reason.")
        recorded_on = cleaned.get("recorded_on")
        if recorded_on and recorded_on > timezone.localdate():
            self.add_error("recorded_on", "This date is in the future.")
        return cleaned

"""Forms of the patient record. Validation lives in the models; forms add what spans the patient."""

from django import forms

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

# SQLite stores integers in 64 bits and raises OverflowError for a larger key in an `__in` lookup
# (Django turns an out-of-range `exact` lookup into no rows, but not `__in`).
MAX_ROW_KEY = 2**63 - 1


def _key_out_of_range(value) -> bool:
    try:
        return not -MAX_ROW_KEY <= int(str(value)) <= MAX_ROW_KEY
    except ValueError:
        return False  # not a number: the field itself reports it as an invalid choice


class RowMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by primary key; keys no database can hold are invalid choices, not a server error."""

    def _check_values(self, value):
        for key in value:
            if _key_out_of_range(key):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": key}
                )
        return super()._check_values(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RecordForm(forms.ModelForm):
    """A clinical row's form: carries the version it was edited from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        first = next((field for name, field in self.fields.items() if name != "version"), None)
        if first is not None:
            # htmx focuses an autofocus field when the form is swapped in, so keyboard users land in it.
            first.widget.attrs["autofocus"] = True
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3


class PatientForm(RecordForm):
    class Meta:
        model = Patient
        fields = ["name", "mrn", "birth_date", "sex"]

    def validate_unique(self) -> None:
        # A taken hospital number is refused by services.mrn_check_available, which audits the attempt
        # and words the refusal by who asks; the model's unique check stays as the last guard.
        pass


class NewPatientForm(forms.ModelForm):
    """A new patient's identity; the primary tumour and the rest are added on the patient page."""

    class Meta:
        model = Patient
        fields = ["mrn", "name", "birth_date", "sex"]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mrn"].widget.attrs["autofocus"] = True

    def validate_unique(self) -> None:
        pass  # as PatientForm: services.patient_create refuses a taken number, audited


class PatientSearchForm(forms.Form):
    """Search of the patient list, sent by POST so that names and hospital numbers stay out of URLs."""

    q = forms.CharField(label="Search by name or hospital number", max_length=200, required=False)
    page = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)


class PrimaryTumourForm(RecordForm):
    class Meta:
        model = PrimaryTumour
        fields = [
            "disease",
            "site",
            "diagnosed_on",
            "t_stage",
            "n_status",
            "resected_on",
            "resection_margin",
            "hormone_excess",
            "glucocorticoid_excess",
            "hormone_excess_uncontrolled",
            "notes",
        ]
        labels = {
            "hormone_excess": "Hormone excess (ACC)",
            "glucocorticoid_excess": "Glucocorticoid excess (ACC)",
            "hormone_excess_uncontrolled": "Hormone excess uncontrolled (ACC)",
        }


class Ki67Form(RecordForm):
    class Meta:
        model = Ki67Result
        fields = ["measured_on", "value_pct", "low_pct", "high_pct", "specimen"]
        help_texts = {"value_pct": "One value, or leave empty and give a range."}


class EcogForm(RecordForm):
    class Meta:
        model = EcogAssessment
        fields = ["assessed_on", "value"]
        help_texts = {"value": "0 (fully active) to 4 (completely disabled)"}


class FrailtyForm(RecordForm):
    class Meta:
        model = FrailtyAssessment
        fields = ["assessed_on", "frail", "note"]
        labels = {"frail": "Frail"}


class ComorbidityForm(RecordForm):
    class Meta:
        model = Comorbidity
        fields = ["name"]
        labels = {"name": "Comorbidity"}


class LesionForm(RecordForm):
    class Meta:
        model = Lesion
        fields = ["label", "organ", "regional_node", "detected_on", "removed_on", "removal", "note"]

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        others = Lesion.objects.filter(patient=self.patient, label__iexact=label).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"This patient already has a lesion labelled {label}.")
        return label


class MeasurementForm(RecordForm):
    class Meta:
        model = Measurement
        fields = ["lesion", "measured_on", "size_mm", "modality"]

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, patient=patient, **kwargs)
        self.fields["lesion"].queryset = Lesion.objects.current().filter(patient=patient).order_by("label")
        self.fields["size_mm"].widget.attrs.update({"min": "0.1", "max": "400", "step": "0.1"})


class EventForm(RecordForm):
    class Meta:
        model = Event
        fields = [
            "type",
            "subtype",
            "started_on",
            "ended_on",
            "regimen",
            "line",
            "intent",
            "margin",
            "recist_overall",
            "lesions",
            "notes",
        ]
        labels = {"lesions": "Treated lesions", "subtype": "Ablation subtype", "margin": "Resection margin"}
        widgets = {"lesions": forms.CheckboxSelectMultiple}
        field_classes = {"lesions": RowMultipleChoiceField}

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, patient=patient, **kwargs)
        self.fields["lesions"].queryset = Lesion.objects.current().filter(patient=patient).order_by("label")


class LabResultForm(RecordForm):
    class Meta:
        model = LabResult
        fields = ["analyte", "taken_on", "value"]
        labels = {"value": "Value (ng/mL)"}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why this entry is wrong or no longer applies. It stays visible under “show withdrawn”.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason for withdrawing this entry.")
        return reason


class CaseFileImportForm(forms.Form):
    case_file = forms.FileField(label="Case file (JSON)")
    mrn = forms.CharField(label="Hospital number (MRN)", max_length=40)
    name = forms.CharField(max_length=200, required=False, help_text="Optional; the case file has no name.")

"""Input validation for guideline releases (admin) and for the board inputs of an evaluation."""

from django import forms
from django.utils import timezone

from guidance import services
from guidance.models import GuidelineRelease, Parameter, Rule
from patients.forms import RowMultipleChoiceField
from patients.models import Patient

NOT_STATED = ("", "Not stated")
TRI_STATE = [NOT_STATED, ("true", "Yes"), ("false", "No")]
RESECTABILITY = [
    NOT_STATED,
    ("upfront_resectable", "Upfront resectable"),
    ("marginally_resectable", "Marginally resectable"),
    ("unresectable", "Unresectable"),
]


def _tri_state(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class RuleForm(forms.ModelForm):
    """A rule of a draft release; its condition must compile and name only known facts and parameters."""

    class Meta:
        model = Rule
        fields = ["code", "scope", "category", "order", "condition", "text", "evidence", "source"]
        widgets = {
            "condition": forms.Textarea(attrs={"rows": 2, "cols": 60, "spellcheck": "false"}),
            "text": forms.Textarea(attrs={"rows": 3, "cols": 50}),
            "evidence": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "source": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def clean_condition(self) -> str:
        condition = self.cleaned_data["condition"].strip()
        release_id = self.instance.release_id
        parameter_names = Parameter.objects.filter(release_id=release_id).values_list("name", flat=True)
        errors = services.condition_errors(condition, parameter_names=parameter_names)
        if errors:
            raise forms.ValidationError(errors)
        return condition


class ParameterForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # 5 rather than 5.0000: the value as the engine reads it.
            self.initial["value"] = self.instance.number

    class Meta:
        model = Parameter
        fields = ["name", "value", "unit", "source", "note"]
        widgets = {
            "source": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "note": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }


class ReleaseCloneForm(forms.Form):
    version = forms.CharField(max_length=20, help_text="The new draft's version, e.g. 2026.2")

    def __init__(self, *args, release: GuidelineRelease, **kwargs):
        super().__init__(*args, **kwargs)
        self.release = release

    def clean_version(self) -> str:
        version = self.cleaned_data["version"].strip()
        if GuidelineRelease.objects.filter(disease=self.release.disease, version=version).exists():
            raise forms.ValidationError(f"Version {version} already exists for this disease.")
        return version


class DryRunForm(forms.Form):
    patients = RowMultipleChoiceField(
        queryset=Patient.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text="Patients whose guidance is compared between the published release and this draft",
    )
    as_of = forms.DateField(label="As of", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, release: GuidelineRelease, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patients"].queryset = (
            Patient.objects.current().filter(primary__disease=release.disease, primary__withdrawn_at__isnull=True)
            .order_by("name", "mrn")
        )
        self.fields["as_of"].initial = timezone.localdate()


class BoardInputsForm(forms.Form):
    """The board's judgements for one evaluation, and the date the guidance is computed for."""

    as_of = forms.DateField(
        label="Guidance as of", required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="Show the guidance as it stood on this date (empty: today)",
    )
    resectability = forms.ChoiceField(label="Resectability", choices=RESECTABILITY, required=False)
    all_sites_safely_treatable = forms.TypedChoiceField(
        label="All sites safely treatable", choices=TRI_STATE, coerce=_tri_state, required=False, empty_value=None
    )
    complete_resection_feasible = forms.TypedChoiceField(
        label="Complete resection or ablation feasible", choices=TRI_STATE, coerce=_tri_state, required=False,
        empty_value=None,
    )
    primary_controllable = forms.TypedChoiceField(
        label="Primary controlled or controllable", choices=TRI_STATE, coerce=_tri_state, required=False,
        empty_value=None,
    )
    polymetastatic_history = forms.TypedChoiceField(
        label="History of polymetastatic disease", choices=TRI_STATE, coerce=_tri_state, required=False,
        empty_value=None,
    )

    BOARD_INPUT_FIELDS = (
        "resectability", "all_sites_safely_treatable", "complete_resection_feasible", "primary_controllable",
        "polymetastatic_history",
    )

    @classmethod
    def initial_from(cls, board_inputs: dict, as_of) -> dict:
        """Return initial form values for stored board inputs."""
        initial = {"as_of": as_of}
        for name in cls.BOARD_INPUT_FIELDS:
            value = board_inputs.get(name)
            if isinstance(value, bool):
                value = "true" if value else "false"
            initial[name] = value or ""
        return initial

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"] or timezone.localdate()
        if as_of > timezone.localdate():
            raise forms.ValidationError("Guidance cannot be computed for a date after today.")
        return as_of

    def board_inputs(self) -> dict:
        """Return the board inputs of a valid form, unknown as None."""
        inputs = {name: self.cleaned_data.get(name) for name in self.BOARD_INPUT_FIELDS}
        inputs["resectability"] = inputs["resectability"] or None
        return inputs

"""Input validation for guideline releases (admin) and for the board inputs of an evaluation."""

import copy
import re
from collections.abc import Iterable
from datetime import date

from django import forms
from django.utils import timezone

from guidance import parameters as parameter_kinds
from guidance import services
from guidance.conditions import CONDITION_NAMES
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


EARLIEST_AS_OF = date(1900, 1, 1)
RULE_CODE = re.compile(r"^(GEN|ACC|CRLM)-[A-Z]+-[0-9]{2}$")
CODE_PREFIX_SCOPE = {"GEN": "general", "ACC": "acc", "CRLM": "crc"}


def _tri_state(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


def check_as_of(as_of: date) -> date:
    """Refuse a guidance date in the future or before 1900 (no record reaches back that far)."""
    if as_of > timezone.localdate():
        raise forms.ValidationError("Guidance cannot be computed for a date after today.")
    if as_of < EARLIEST_AS_OF:
        raise forms.ValidationError("Guidance cannot be computed for a date before 1900.")
    return as_of


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

    def __init__(self, *args, parameter_names: Iterable[str] | None = None, **kwargs):
        """`parameter_names`: the release's parameters as submitted with the rule (see RuleInlineFormSet);
        without them, the parameters saved for the rule's release."""
        super().__init__(*args, **kwargs)
        self.parameter_names = None if parameter_names is None else set(parameter_names)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not RULE_CODE.match(code):
            raise forms.ValidationError("A rule code looks like ACC-LT-14: GEN, ACC or CRLM, a group, two digits.")
        return code

    def clean(self) -> dict:
        cleaned = super().clean()
        code, scope = cleaned.get("code"), cleaned.get("scope")
        if code and scope and CODE_PREFIX_SCOPE[code.split("-", 1)[0]] != scope:
            self.add_error(
                "scope", f"A {code.split('-', 1)[0]} rule has the scope {CODE_PREFIX_SCOPE[code.split('-', 1)[0]]}."
            )
        try:
            release = self.instance.release
        except Rule.release.RelatedObjectDoesNotExist:
            release = None
        disease = getattr(release, "disease", None)
        if scope and disease and scope not in ("general", disease):
            self.add_error(
                "scope",
                f"This release is for {release.get_disease_display()}; a rule of scope {scope} would never apply.",
            )
        return cleaned

    def clean_condition(self) -> str:
        condition = self.cleaned_data["condition"].strip()
        parameter_names = self.parameter_names
        if parameter_names is None:
            release_id = self.instance.release_id
            parameter_names = set(Parameter.objects.filter(release_id=release_id).values_list("name", flat=True))
        errors = services.condition_errors(condition, parameter_names=parameter_names)
        if errors:
            raise forms.ValidationError(errors)
        return condition


class RuleInlineFormSet(forms.BaseInlineFormSet):
    """The rules of a release's admin page, checked against the parameters submitted on the same page.

    The admin saves a release's parameters and rules in one request, so a condition may name a
    parameter that is being added or renamed right now (or, on the "add release" page, any parameter
    at all). The submitted parameter forms are read the way Django's formset reads them: deleted rows
    and untouched empty rows do not count.
    """

    PARAMETER_PREFIX = "parameters"

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["parameter_names"] = self.submitted_parameter_names()
        return kwargs

    def submitted_parameter_names(self) -> set[str] | None:
        """The parameter names of this submit, or None when the page sent no parameter forms."""
        if not hasattr(self, "_submitted_parameter_names"):
            self._submitted_parameter_names = self._read_parameter_names()
        return self._submitted_parameter_names

    def _read_parameter_names(self) -> set[str] | None:
        if not self.is_bound or f"{self.PARAMETER_PREFIX}-TOTAL_FORMS" not in self.data:
            return None
        parameters = ParameterFormSet(self.data, instance=self.instance, prefix=self.PARAMETER_PREFIX)
        if not parameters.management_form.is_valid():
            return None
        names = set()
        for form in parameters.forms:
            if form in parameters.extra_forms and not form.has_changed():
                continue
            if parameters.can_delete and form[forms.formsets.DELETION_FIELD_NAME].value():
                continue
            name = form["name"].value()
            if isinstance(name, str) and name.strip():
                names.add(name.strip())
        return names


class ParameterForm(forms.ModelForm):
    """A parameter of a draft release: a usable name and a value of the parameter's kind (§3)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # 5 rather than 5.0000: the value as the engine reads it.
            self.initial["value"] = self.instance.number

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        problem = parameter_kinds.name_problem(name)
        if problem:
            raise forms.ValidationError(f"The name {problem}.")
        if name in CONDITION_NAMES:
            raise forms.ValidationError(f"{name} is already the name of a fact or function; choose another name.")
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        name, value = cleaned.get("name"), cleaned.get("value")
        if name and value is not None:
            problem = parameter_kinds.value_problem(name, value)
            if problem:
                self.add_error("value", f"{name} {problem}.")
        return cleaned

    class Meta:
        model = Parameter
        fields = ["name", "value", "unit", "source", "note"]
        widgets = {
            "source": forms.Textarea(attrs={"rows": 2, "cols": 40}),
            "note": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }


ParameterFormSet = forms.inlineformset_factory(
    GuidelineRelease, Parameter, form=ParameterForm, fields=ParameterForm.Meta.fields, extra=0, can_delete=True
)


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


class BoardInputsForm(forms.Form):
    """The board's judgements for one evaluation, and the date the guidance is computed for."""

    as_of = forms.DateField(
        label="Guidance as of",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="Show the guidance as it stood on this date (empty: today)",
    )
    resectability = forms.ChoiceField(label="Resectability", choices=RESECTABILITY, required=False)
    all_sites_safely_treatable = forms.TypedChoiceField(
        label="All sites safely treatable", choices=TRI_STATE, coerce=_tri_state, required=False, empty_value=None
    )
    complete_resection_feasible = forms.TypedChoiceField(
        label="Complete resection or ablation feasible",
        choices=TRI_STATE,
        coerce=_tri_state,
        required=False,
        empty_value=None,
    )
    primary_controllable = forms.TypedChoiceField(
        label="Primary controlled or controllable",
        choices=TRI_STATE,
        coerce=_tri_state,
        required=False,
        empty_value=None,
    )
    polymetastatic_history = forms.TypedChoiceField(
        label="History of polymetastatic disease",
        choices=TRI_STATE,
        coerce=_tri_state,
        required=False,
        empty_value=None,
    )

    BOARD_INPUT_FIELDS = (
        "resectability",
        "all_sites_safely_treatable",
        "complete_resection_feasible",
        "primary_controllable",
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
        return check_as_of(self.cleaned_data["as_of"] or timezone.localdate())

    def board_inputs(self) -> dict:
        """Return the board inputs of a valid form, unknown as None."""
        inputs = {name: self.cleaned_data.get(name) for name in self.BOARD_INPUT_FIELDS}
        inputs["resectability"] = inputs["resectability"] or None
        return inputs


STORED_BOARD_INPUTS = "stored"
GIVEN_BOARD_INPUTS = "given"


class DryRunForm(forms.Form):
    """Patients to compare a draft on (only those the editor may see), the date, and which board inputs to use."""

    patients = RowMultipleChoiceField(
        queryset=Patient.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Patients whose guidance is compared between the published release and this draft",
    )
    as_of = forms.DateField(label="As of", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    board_inputs_from = forms.ChoiceField(
        label="Board inputs",
        widget=forms.RadioSelect,
        initial=STORED_BOARD_INPUTS,
        choices=[
            (STORED_BOARD_INPUTS, "Each patient's board inputs of their latest evaluation"),
            (GIVEN_BOARD_INPUTS, "The board inputs below, for every patient"),
        ],
    )

    def __init__(self, *args, release: GuidelineRelease, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        visible = Patient.objects.visible_to(user) if user is not None else Patient.objects.none()
        self.fields["patients"].queryset = (
            visible.current()
            .filter(primary__disease=release.disease, primary__withdrawn_at__isnull=True)
            .order_by("name", "mrn")
        )
        self.fields["as_of"].initial = timezone.localdate()
        for name in BoardInputsForm.BOARD_INPUT_FIELDS:
            self.fields[name] = copy.deepcopy(BoardInputsForm.base_fields[name])

    def clean_as_of(self) -> date:
        return check_as_of(self.cleaned_data["as_of"])

    def board_inputs(self) -> dict | None:
        """The board inputs given for every patient, or None to use each patient's stored ones."""
        if self.cleaned_data["board_inputs_from"] != GIVEN_BOARD_INPUTS:
            return None
        inputs = {name: self.cleaned_data.get(name) for name in BoardInputsForm.BOARD_INPUT_FIELDS}
        inputs["resectability"] = inputs["resectability"] or None
        return inputs

"""Hostile input to the guidance forms: the admin's rule and parameter inlines, cloning, the dry run, and the
board inputs and as-of date of the guidance panel. Never a 500, never a partly saved release or evaluation."""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from guidance import services
from guidance.forms import BoardInputsForm, DryRunForm, ParameterForm, ReleaseCloneForm, RuleForm
from guidance.models import Evaluation, GuidelineRelease, Parameter, Rule
from tests.guidance.db_factories import crc_patient, editor_user
from tests.security.fuzz import (
    SCRIPT,
    assert_escaped,
    assert_no_server_error,
    form_data,
    hostile_text,
    near_valid_data,
    row_counts,
)

pytestmark = pytest.mark.django_db

RULE_FIELDS = ["code", "scope", "category", "order", "condition", "text", "evidence", "source"]
PARAMETER_FIELDS = ["name", "value", "unit", "source", "note"]
CONDITIONS = [
    "metastasis_count > ACC_SMALL_LIMIT",
    "metastasis_count >",
    "((((",
    "not " * 80 + "frail",
    "a && b",
    "__import__('os').system('id')",
    "frail.__class__",
    "missing(ecog) or unknown('x')",
    "ki67_pct < 1e309",
    "all_metastases_below(ACC_SMALL_LIMIT)",
    "'" * 3,
    "x" * 5000,
    "frail and\x00",
    "lambda: 1",
    "1 if frail else 2",
]


@pytest.fixture
def editor(db):
    return editor_user("fuzz-editor")


@pytest.fixture
def draft(editor):
    """A small ACC draft (one parameter, one rule), so each fuzzed admin submit stays quick."""
    release = GuidelineRelease.objects.create(disease="acc", version="fuzz.1", created_by=editor)
    Parameter.objects.create(release=release, name="ACC_SMALL_LIMIT", value=5, unit="", source="Test")
    Rule.objects.create(
        release=release,
        code="ACC-CAU-90",
        scope="acc",
        category="caution",
        order=10,
        condition="metastasis_count > ACC_SMALL_LIMIT",
        text="Many metastases.",
        source="Test",
    )
    return release


def _snapshot(release: GuidelineRelease) -> tuple:
    return (
        tuple(release.parameters.order_by("pk").values_list(*PARAMETER_FIELDS)),
        tuple(release.rules.order_by("pk").values_list(*RULE_FIELDS)),
        GuidelineRelease.objects.filter(pk=release.pk).values_list("version", "change_note", "status").get(),
    )


def _change_data(release: GuidelineRelease, parameter: dict, rule: dict) -> dict:
    [stored_parameter] = release.parameters.all()
    [stored_rule] = release.rules.all()
    data = {"version": release.version, "effective_on": "", "change_note": release.change_note, "_save": "Save"}
    for prefix, row, values, fields in (
        ("parameters", stored_parameter, parameter, PARAMETER_FIELDS),
        ("rules", stored_rule, rule, RULE_FIELDS),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 1,
                f"{prefix}-INITIAL_FORMS": 1,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
                f"{prefix}-0-id": row.pk,
                f"{prefix}-0-release": release.pk,
            }
        )
        for field in fields:
            data[f"{prefix}-0-{field}"] = values.get(field, getattr(row, field))
    return data


def _text(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(), st.sampled_from(values))


RULE_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "code": _text(["ACC-CAU-90", "ACC-CAU-91", "CRLM-LT-01", "GEN-MD-09", "acc-cau-90", "ACC-CAU-9"]),
        "scope": _text(["acc", "crc", "general"]),
        "category": _text(["caution", "classification", "missing-data"]),
        "order": _text(["10", "0", "-1", "99999999999999999999"]),
        "condition": _text(CONDITIONS),
        "text": _text(["A {metastases} text {unknown_fact} {", SCRIPT, "{FRAIL_ECOG_MIN}"]),
        "evidence": hostile_text(),
        "source": hostile_text(),
    },
)
PARAMETER_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "name": _text(["ACC_SMALL_LIMIT", "ACC_GUIDELINE_DFI_MIN_MONTHS", "frail", "lower_case", "ACC SMALL"]),
        "value": _text(["12.5", "5", "0", "-3", "1e10", "12345678.12345", "NaN"]),
        "unit": hostile_text(),
        "source": hostile_text(),
        "note": hostile_text(),
    },
)


def test_release_inlines_survive_hostile_rules_and_parameters(client, editor, draft):
    client.force_login(editor)
    url = reverse("admin:guidance_guidelinerelease_change", args=[draft.pk])

    @given(rule=RULE_VALUES, parameter=PARAMETER_VALUES)
    def check(rule, parameter):
        before, counts = _snapshot(draft), row_counts("guidance")

        response = client.post(url, _change_data(draft, parameter, rule))

        assert_no_server_error(response)
        assert_escaped(response.content)
        if response.status_code == 200:  # refused: the page again, nothing of it saved
            assert _snapshot(draft) == before
            assert row_counts("guidance") == counts
        else:
            assert response.status_code == 302
            page = client.get(url)
            assert page.status_code == 200
            assert_escaped(page.content)
            # Whatever was saved is a release the services can judge without crashing.
            services.release_problems(GuidelineRelease.objects.get(pk=draft.pk))

    check()


def test_rule_and_parameter_forms_never_raise_on_hostile_input(draft):
    rule, parameter = draft.rules.get(), draft.parameters.get()

    @given(
        rule_data=form_data(RuleForm(instance=rule)),
        parameter_data=form_data(ParameterForm(instance=parameter)),
        names=st.one_of(st.none(), st.sets(hostile_text(), max_size=3)),
    )
    def check(rule_data, parameter_data, names):
        rule_form = RuleForm(rule_data, instance=Rule(release=draft), parameter_names=names)
        parameter_form = ParameterForm(parameter_data, instance=Parameter(release=draft))
        if rule_form.is_valid():
            assert services.condition_errors(rule_form.cleaned_data["condition"], parameter_names=names or []) == []
        if parameter_form.is_valid():
            assert parameter_form.cleaned_data["value"].is_finite()

    check()


def test_clone_survives_hostile_versions(client, editor):
    client.force_login(editor)
    published = services.release_current("acc")
    url = reverse("admin:guidance_guidelinerelease_clone", args=[published.pk])
    form = ReleaseCloneForm(release=published)

    @given(data=st.one_of(form_data(form), near_valid_data(form, {"version": "2099.9"})))
    def check(data):
        counts = row_counts("guidance")

        response = client.post(url, data)

        assert_no_server_error(response)
        assert_escaped(response.content)
        if response.status_code == 200:
            assert row_counts("guidance") == counts
        else:
            version = str(data["version"]).strip()
            draft = GuidelineRelease.objects.get(disease="acc", version=version)
            assert draft.rules.count() == published.rules.count()
            assert draft.parameters.count() == published.parameters.count()

    check()


def test_dry_run_survives_hostile_input(client, editor):
    client.force_login(editor)
    draft = services.release_clone(release=services.release_current("crc"), version="fuzz.2", by=editor)
    patient = crc_patient(by=editor)
    url = reverse("admin:guidance_guidelinerelease_dry_run", args=[draft.pk])
    form = DryRunForm(release=draft, user=editor)
    base = {"patients": [str(patient.pk)], "as_of": "2026-10-01", "board_inputs_from": "stored"}

    @given(data=st.one_of(form_data(form), near_valid_data(form, base)))
    def check(data):
        evaluations, guidance = Evaluation.objects.count(), _snapshot_release(draft)

        response = client.post(url, data)

        assert_no_server_error(response)
        assert_escaped(response.content)
        assert Evaluation.objects.count() == evaluations  # a dry run never stores an evaluation
        assert _snapshot_release(draft) == guidance

    check()


def _snapshot_release(release: GuidelineRelease) -> tuple:
    return (
        release.rules.count(),
        release.parameters.count(),
        GuidelineRelease.objects.filter(pk=release.pk).values_list("status", flat=True).get(),
    )


def test_board_inputs_and_as_of_survive_hostile_input(client, world):
    client.force_login(world.member)
    patient = world.patient
    url = reverse("guidance:patient-guidance", args=[patient.public_id])
    form = BoardInputsForm()
    base = {
        "as_of": "2024-05-01",
        "resectability": "upfront_resectable",
        "all_sites_safely_treatable": "true",
        "complete_resection_feasible": "",
        "primary_controllable": "",
        "polymetastatic_history": "",
    }

    @given(
        data=st.one_of(form_data(form), near_valid_data(form, base)),
        method=st.sampled_from(["get", "post"]),
        htmx=st.booleans(),
    )
    def check(data, method, htmx):
        before = set(Evaluation.objects.filter(patient=patient).values_list("pk", flat=True))
        bound = BoardInputsForm(data)
        valid = bound.is_valid()

        response = getattr(client, method)(url, data, headers={"HX-Request": "true"} if htmx else {})

        assert_no_server_error(response)
        assert_escaped(response.content)
        added = Evaluation.objects.filter(patient=patient).exclude(pk__in=before)
        if not valid:
            assert not added.exists(), "a refused board-inputs form stored an evaluation"
        for evaluation in added:
            assert evaluation.as_of == bound.cleaned_data["as_of"]
            assert evaluation.board_inputs == bound.board_inputs()
            assert dt.date(1900, 1, 1) <= evaluation.as_of

    check()

import pytest
from django.urls import reverse

from guidance import services
from guidance.models import GuidelineRelease, ReleaseStatus
from tests.guidance.db_factories import acc_patient


@pytest.fixture
def acc_release(releases):
    return services.release_current("acc")


@pytest.fixture
def draft(acc_release, editor):
    return services.release_clone(release=acc_release, version="2026.2", by=editor)


def _url(name: str, release: GuidelineRelease) -> str:
    return reverse(f"admin:guidance_guidelinerelease_{name}", args=[release.pk])


def _change_form_data(release: GuidelineRelease, changes: dict | None = None) -> dict:
    """POST data of the release's admin change form, with its parameter and rule inlines as stored."""
    data = {
        "version": release.version,
        "effective_on": "",
        "change_note": release.change_note,
        "_save": "Save",
    }
    for prefix, rows, fields in (
        ("parameters", release.parameters.all(), ["name", "value", "unit", "source", "note"]),
        (
            "rules",
            release.rules.all(),
            ["code", "scope", "category", "order", "condition", "text", "evidence", "source"],
        ),
    ):
        rows = list(rows)
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(rows),
                f"{prefix}-INITIAL_FORMS": len(rows),
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-release"] = release.pk
            for field in fields:
                data[f"{prefix}-{index}-{field}"] = (changes or {}).get((prefix, row.pk, field), getattr(row, field))
    return data


def test_admin_clone_creates_a_draft(editor_client, acc_release):
    response = editor_client.post(_url("clone", acc_release), {"version": "2026.2"})

    draft = GuidelineRelease.objects.get(disease="acc", version="2026.2")
    assert response.status_code == 302
    assert response["Location"] == _url("change", draft)
    assert draft.status == ReleaseStatus.DRAFT
    assert draft.rules.count() == acc_release.rules.count()


def test_admin_clone_refuses_an_existing_version_at_the_field(editor_client, acc_release):
    response = editor_client.post(_url("clone", acc_release), {"version": "2026.1"})

    assert response.status_code == 200
    assert "already exists" in response.text
    assert GuidelineRelease.objects.filter(disease="acc").count() == 1


def test_admin_draft_edit_saves_a_changed_threshold(editor_client, draft):
    parameter = draft.parameters.get(name="ACC_OMD_MAX_METASTASES")

    response = editor_client.post(
        _url("change", draft), _change_form_data(draft, {("parameters", parameter.pk, "value"): "2"})
    )

    assert response.status_code == 302
    parameter.refresh_from_db()
    assert parameter.value == 2


def test_admin_refuses_an_invalid_condition_with_a_suggestion_at_the_field(editor_client, draft):
    rule = draft.rules.get(code="GEN-MD-01")
    before = rule.condition

    response = editor_client.post(
        _url("change", draft), _change_form_data(draft, {("rules", rule.pk, "condition"): "metastasis_cuont > 1"})
    )

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    [rule_errors] = [form_errors for form_errors in errors if form_errors]
    assert "condition" in rule_errors
    assert "metastasis_count" in " ".join(rule_errors["condition"])
    assert "metastasis_count" in response.text
    rule.refresh_from_db()
    assert rule.condition == before


def test_admin_dry_run_shows_a_changed_finding_after_a_threshold_change(editor_client, editor, draft):
    patient = acc_patient(name="Dry Run Patient", by=editor)
    draft.parameters.filter(name="ACC_OMD_MAX_METASTASES").update(value=2)

    response = editor_client.post(
        _url("dry_run", draft), {"patients": [patient.pk], "as_of": "2026-10-01", "board_inputs_from": "stored"}
    )

    assert response.status_code == 200
    results = response.context["results"]
    assert [result.patient for result in results] == [patient]
    assert "ACC-CLS-04" in {finding["code"] for finding in results[0].findings_added}
    assert "Dry Run Patient" in response.text
    assert "ACC-CLS-04" in response.text


def test_admin_publish_retires_the_previous_release(editor_client, acc_release, draft):
    response = editor_client.post(_url("publish", draft))

    assert response.status_code == 302
    draft.refresh_from_db()
    acc_release.refresh_from_db()
    assert draft.status == ReleaseStatus.PUBLISHED
    assert acc_release.status == ReleaseStatus.RETIRED


def test_admin_published_release_is_read_only(editor_client, acc_release):
    page = editor_client.get(_url("change", acc_release))
    post = editor_client.post(_url("change", acc_release), _change_form_data(acc_release) | {"change_note": "edited"})

    assert page.status_code == 200
    assert "cannot be changed" in page.text
    assert 'name="_save"' not in page.text
    assert 'name="rules-0-condition"' not in page.text
    assert post.status_code == 403
    acc_release.refresh_from_db()
    assert acc_release.change_note != "edited"


def test_admin_published_release_offers_clone_but_not_publish(editor_client, acc_release):
    page = editor_client.get(_url("change", acc_release))

    assert _url("clone", acc_release) in page.text
    assert _url("publish", acc_release) not in page.text


@pytest.mark.parametrize("name", ["changelist", "clone", "dry_run", "publish", "change"])
def test_admin_refuses_staff_without_guideline_permission(staff_client, acc_release, name):
    url = reverse("admin:guidance_guidelinerelease_changelist") if name == "changelist" else _url(name, acc_release)

    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url, {"version": "2026.9"}).status_code == 403
    assert not GuidelineRelease.objects.filter(version="2026.9").exists()


def test_admin_release_list_shows_counts(editor_client, releases):
    response = editor_client.get(reverse("admin:guidance_guidelinerelease_changelist"))

    assert response.status_code == 200
    assert "2026.1" in response.text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ACC_GUIDELINE_DFI_MIN_MONTHS", "12.5", "whole number of months"),
        ("ACC_KI67_INDOLENT_BELOW_PCT", "101", "percentage from 0 to 100"),
        ("ACC_OMD_DIAMETER_BELOW_MM", "0", "size in mm greater than 0"),
        ("RECIST_PR_MAX_RATIO", "1", "ratio between 0 and 1"),
    ],
)
def test_admin_refuses_a_parameter_value_outside_its_kind_at_the_field(editor_client, draft, name, value, message):
    parameter = draft.parameters.get(name=name)
    before = parameter.value

    response = editor_client.post(
        _url("change", draft), _change_form_data(draft, {("parameters", parameter.pk, "value"): value})
    )

    assert response.status_code == 200
    errors = [form_errors for form_errors in response.context["inline_admin_formsets"][0].formset.errors if form_errors]
    assert len(errors) == 1 and message in " ".join(errors[0]["value"])
    parameter.refresh_from_db()
    assert parameter.value == before


def test_admin_refuses_a_parameter_name_that_conditions_cannot_use(editor_client, draft):
    parameter = draft.parameters.get(name="FRAIL_ECOG_MIN")

    response = editor_client.post(
        _url("change", draft), _change_form_data(draft, {("parameters", parameter.pk, "name"): "frail ecog"})
    )

    assert response.status_code == 200
    assert "capitals" in response.text
    assert draft.parameters.filter(name="FRAIL_ECOG_MIN").exists()


def test_admin_publish_page_lists_what_keeps_a_draft_from_publishing(editor_client, draft):
    draft.rules.filter(code="ACC-CLS-01").delete()

    page = editor_client.get(_url("publish", draft))
    response = editor_client.post(_url("publish", draft))

    assert "Rule ACC-CLS-01 is missing" in page.text
    assert response.status_code == 200
    assert "Rule ACC-CLS-01 is missing" in response.text
    draft.refresh_from_db()
    assert draft.status == ReleaseStatus.DRAFT


def _with_new_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for field, value in row.items():
            data[f"{prefix}-{total + offset}-{field}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = total + len(rows)
    return data


NEW_PARAMETER = {"name": "ACC_NEW_LIMIT_MM", "value": "40", "unit": "mm", "source": "Test", "note": ""}
NEW_RULE = {
    "code": "ACC-CAU-99",
    "scope": "acc",
    "category": "caution",
    "order": "9990",
    "condition": "largest_metastasis_mm >= ACC_NEW_LIMIT_MM",
    "text": "A large metastasis may be weighed.",
    "evidence": "",
    "source": "Test",
}


def test_admin_accepts_a_rule_using_a_parameter_added_in_the_same_submit(editor_client, draft):
    data = _with_new_rows(_change_form_data(draft), "parameters", [NEW_PARAMETER])
    data = _with_new_rows(data, "rules", [NEW_RULE])

    response = editor_client.post(_url("change", draft), data)

    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    assert draft.rules.get(code="ACC-CAU-99").condition == NEW_RULE["condition"]
    assert draft.parameters.get(name="ACC_NEW_LIMIT_MM").value == 40


def test_admin_accepts_a_parameter_renamed_together_with_its_rule(editor_client, draft):
    parameter = draft.parameters.get(name="ACC_LONG_INTERVAL_MIN_MONTHS")
    rule = draft.rules.get(code="ACC-LT-05")
    renamed = rule.condition.replace("ACC_LONG_INTERVAL_MIN_MONTHS", "ACC_LONG_INTERVAL_MONTHS")

    response = editor_client.post(
        _url("change", draft),
        _change_form_data(
            draft,
            {
                ("parameters", parameter.pk, "name"): "ACC_LONG_INTERVAL_MONTHS",
                ("rules", rule.pk, "condition"): renamed,
            },
        ),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.condition == renamed


def test_admin_refuses_a_rename_that_leaves_a_rule_naming_the_old_parameter(editor_client, draft):
    parameter = draft.parameters.get(name="ACC_LONG_INTERVAL_MIN_MONTHS")

    response = editor_client.post(
        _url("change", draft),
        _change_form_data(
            draft,
            {
                ("parameters", parameter.pk, "name"): "ACC_LONG_INTERVAL_MONTHS",
            },
        ),
    )

    assert response.status_code == 200
    errors = [form_errors for form_errors in response.context["inline_admin_formsets"][1].formset.errors if form_errors]
    assert len(errors) == 1
    assert (
        "unknown name 'ACC_LONG_INTERVAL_MIN_MONTHS' (did you mean 'ACC_LONG_INTERVAL_MONTHS'?)"
        in errors[0]["condition"]
    )
    assert draft.parameters.filter(name="ACC_LONG_INTERVAL_MIN_MONTHS").exists()


def test_admin_refuses_deleting_a_parameter_a_rule_still_uses(editor_client, draft):
    parameter = draft.parameters.get(name="ACC_LONG_INTERVAL_MIN_MONTHS")
    data = _change_form_data(draft)
    index = list(draft.parameters.all()).index(parameter)
    data[f"parameters-{index}-DELETE"] = "on"

    response = editor_client.post(_url("change", draft), data)

    assert response.status_code == 200
    errors = [form_errors for form_errors in response.context["inline_admin_formsets"][1].formset.errors if form_errors]
    assert "unknown name 'ACC_LONG_INTERVAL_MIN_MONTHS'" in " ".join(errors[0]["condition"])
    assert draft.parameters.filter(name="ACC_LONG_INTERVAL_MIN_MONTHS").exists()


def _add_form_data(parameters: list[dict], rules: list[dict]) -> dict:
    data = {"disease": "acc", "version": "2099.1", "effective_on": "", "change_note": "From scratch", "_save": "Save"}
    for prefix, rows in (("parameters", parameters), ("rules", rules)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        _with_new_rows(data, prefix, rows)
    return data


def test_admin_add_release_page_accepts_rules_naming_its_new_parameters(editor_client, releases):
    response = editor_client.post(
        reverse("admin:guidance_guidelinerelease_add"), _add_form_data([NEW_PARAMETER], [NEW_RULE])
    )

    assert response.status_code == 302
    release = GuidelineRelease.objects.get(disease="acc", version="2099.1")
    assert release.rules.get(code="ACC-CAU-99").condition == NEW_RULE["condition"]


def test_admin_add_release_page_refuses_an_unknown_parameter_with_a_suggestion(editor_client, releases):
    rule = {**NEW_RULE, "condition": "largest_metastasis_mm >= ACC_NEW_LIMT_MM"}

    response = editor_client.post(
        reverse("admin:guidance_guidelinerelease_add"), _add_form_data([NEW_PARAMETER], [rule])
    )

    assert response.status_code == 200
    assert "did you mean &#x27;ACC_NEW_LIMIT_MM&#x27;?" in response.text
    assert not GuidelineRelease.objects.filter(version="2099.1").exists()


def test_admin_refuses_a_syntax_error_with_a_suggestion_at_the_field(editor_client, draft):
    rule = draft.rules.get(code="GEN-MD-01")

    response = editor_client.post(
        _url("change", draft),
        _change_form_data(
            draft,
            {
                ("rules", rule.pk, "condition"): "missing(ecog) && frail",
            },
        ),
    )

    assert response.status_code == 200
    errors = [form_errors for form_errors in response.context["inline_admin_formsets"][1].formset.errors if form_errors]
    assert "write 'and' instead of '&&'" in " ".join(errors[0]["condition"])

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
        "version": release.version, "effective_on": "",
        "change_note": release.change_note, "_save": "Save",
    }
    for prefix, rows, fields in (
        ("parameters", release.parameters.all(), ["name", "value", "unit", "source", "note"]),
        ("rules", release.rules.all(), ["code", "scope", "category", "order", "condition", "text", "evidence", "source"]),
    ):
        rows = list(rows)
        data.update({
            f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000,
        })
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

    response = editor_client.post(_url("change", draft), _change_form_data(draft, {("rules", rule.pk, "condition"): "metastasis_cuont > 1"}))

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    [rule_errors] = [form_errors for form_errors in errors if form_errors]
    assert "condition" in rule_errors
    assert "metastasis_count" in " ".join(rule_errors["condition"])
    assert "metastasis_count" in response.text
    rule.refresh_from_db()
    assert rule.condition == before


def test_admin_dry_run_shows_a_changed_finding_after_a_threshold_change(editor_client, draft):
    patient = acc_patient(name="Dry Run Patient")
    draft.parameters.filter(name="ACC_OMD_MAX_METASTASES").update(value=2)

    response = editor_client.post(_url("dry_run", draft), {"patients": [patient.pk], "as_of": "2026-10-01"})

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

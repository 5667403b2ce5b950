import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from guidance import services
from guidance.models import Evaluation, GuidelineRelease, ReleaseStatus
from tests.factories import UserFactory
from tests.guidance.db_factories import AS_OF, acc_patient, crc_patient


@pytest.fixture
def acc_release(releases):
    return services.release_current("acc")


def test_release_current_returns_the_published_release_of_the_disease(releases):
    release = services.release_current("crc")

    assert (release.disease, release.version, release.status) == ("crc", "2026.1", ReleaseStatus.PUBLISHED)


def test_release_clone_copies_parameters_and_rules_into_a_draft(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)

    assert draft.status == ReleaseStatus.DRAFT
    assert draft.cloned_from == acc_release
    assert draft.parameters.count() == acc_release.parameters.count()
    assert list(draft.rules.values_list("code", "condition")) == list(
        acc_release.rules.values_list("code", "condition")
    )
    assert AuditEvent.objects.filter(action="guidelinerelease.cloned", target_public_id=str(draft.public_id)).exists()


def test_release_clone_refuses_an_existing_version(acc_release, editor):
    with pytest.raises(ValidationError) as raised:
        services.release_clone(release=acc_release, version="2026.1", by=editor)

    assert "already exists" in raised.value.message_dict["version"][0]


def test_release_clone_refuses_a_user_without_permission(acc_release):
    with pytest.raises(PermissionDenied):
        services.release_clone(release=acc_release, version="2026.2", by=UserFactory(is_staff=True))


def test_release_publish_retires_the_previous_release(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)

    services.release_publish(release=draft, by=editor)

    acc_release.refresh_from_db()
    draft.refresh_from_db()
    assert acc_release.status == ReleaseStatus.RETIRED
    assert acc_release.retired_at is not None
    assert draft.status == ReleaseStatus.PUBLISHED
    assert draft.published_by == editor
    assert services.release_current("acc") == draft
    assert GuidelineRelease.objects.filter(disease="crc", status=ReleaseStatus.PUBLISHED).count() == 1
    assert AuditEvent.objects.filter(action="guidelinerelease.published").count() == 1


def test_release_publish_refuses_a_published_release(acc_release, editor):
    with pytest.raises(ValidationError):
        services.release_publish(release=acc_release, by=editor)


def test_release_publish_refuses_an_invalid_condition(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.rules.filter(code="GEN-MD-01").update(condition="metastasis_cuont > 1")

    with pytest.raises(ValidationError) as raised:
        services.release_publish(release=draft, by=editor)

    assert any("GEN-MD-01" in message for message in raised.value.messages)
    acc_release.refresh_from_db()
    assert acc_release.status == ReleaseStatus.PUBLISHED


def test_release_publish_refuses_a_draft_missing_an_engine_parameter(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.parameters.filter(name="FRAIL_ECOG_MIN").delete()

    with pytest.raises(ValidationError) as raised:
        services.release_publish(release=draft, by=editor)

    assert any("FRAIL_ECOG_MIN" in message for message in raised.value.messages)


def test_release_dry_run_reports_a_draft_that_cannot_be_evaluated(acc_release, editor):
    patient = acc_patient(by=editor)
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.parameters.filter(name="FRAIL_ECOG_MIN").delete()

    [result] = services.release_dry_run(draft=draft, patients=[patient], as_of=AS_OF, by=editor)

    assert "FRAIL_ECOG_MIN" in result.problem


def test_condition_errors_suggests_a_known_name():
    errors = services.condition_errors("metastasis_cuont > 1")

    assert errors
    assert "metastasis_count" in " ".join(errors)


def test_condition_errors_reports_a_syntax_error():
    assert services.condition_errors("metastasis_count >") != []


def test_condition_errors_accepts_a_valid_condition():
    assert (
        services.condition_errors(
            "metastasis_count > ACC_OMD_MAX_METASTASES", parameter_names=["ACC_OMD_MAX_METASTASES"]
        )
        == []
    )


def test_release_dry_run_shows_the_changes_of_a_lowered_threshold(acc_release, editor):
    patient = acc_patient(by=editor)
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.parameters.filter(name="ACC_OMD_MAX_METASTASES").update(value=2)

    [result] = services.release_dry_run(draft=draft, patients=[patient], as_of=AS_OF, by=editor)

    assert result.changed
    assert "ACC-CLS-04" in {finding["code"] for finding in result.findings_added}
    assert "ACC-CLS-03" in {finding["code"] for finding in result.findings_removed}
    assert Evaluation.objects.count() == 0


def test_release_dry_run_reports_no_change_for_an_identical_draft(acc_release, editor):
    patient = acc_patient(by=editor)
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)

    [result] = services.release_dry_run(draft=draft, patients=[patient], as_of=AS_OF, by=editor)

    assert not result.changed
    assert result.omd_before == result.omd_after == "true"


def test_release_dry_run_skips_a_patient_of_another_disease(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)

    [result] = services.release_dry_run(draft=draft, patients=[crc_patient(by=editor)], as_of=AS_OF, by=editor)

    assert result.problem


def test_evaluation_create_stores_the_output_facts_and_an_audit_row(releases, user):
    patient = crc_patient()

    evaluation = services.evaluation_create(
        patient=patient, by=user, as_of=AS_OF, board_inputs={"resectability": "upfront_resectable"}
    )

    assert evaluation.release == services.release_current("crc")
    assert evaluation.output["ruleset_version"] == "2026.1"
    assert evaluation.output["as_of"] == "2026-10-01"
    assert evaluation.board_inputs["resectability"] == "upfront_resectable"
    assert evaluation.facts["primary"]["disease"] == "crc"
    assert evaluation.created_by == user
    assert AuditEvent.objects.filter(action="evaluation.created", patient=patient).count() == 1


def test_evaluation_create_appends_each_time_without_reuse(releases, user):
    patient = crc_patient()

    first = services.evaluation_create(patient=patient, by=user, as_of=AS_OF, board_inputs={})
    second = services.evaluation_create(patient=patient, by=user, as_of=AS_OF, board_inputs={})

    assert first != second
    assert Evaluation.objects.filter(patient=patient).count() == 2


def test_evaluation_create_reuses_an_unchanged_evaluation(releases, user):
    patient = crc_patient()
    first = services.evaluation_create(patient=patient, by=user, as_of=AS_OF, board_inputs={}, reuse=True)

    again = services.evaluation_create(patient=patient, by=user, as_of=AS_OF, board_inputs={}, reuse=True)
    other_date = services.evaluation_create(
        patient=patient, by=user, as_of=dt.date(2026, 9, 1), board_inputs={}, reuse=True
    )

    assert again == first
    assert other_date != first


def test_evaluation_create_refuses_a_patient_without_primary(releases, user):
    from tests.factories import PatientFactory

    with pytest.raises(ValidationError):
        services.evaluation_create(patient=PatientFactory(), by=user, as_of=AS_OF, board_inputs={})


def test_evaluation_create_with_an_old_release(acc_release, editor):
    patient = acc_patient()
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    services.release_publish(release=draft, by=editor)
    acc_release.refresh_from_db()

    evaluation = services.evaluation_create(
        patient=patient, by=editor, as_of=AS_OF, board_inputs={}, release=acc_release
    )

    assert evaluation.output["ruleset_version"] == "2026.1"
    assert evaluation.is_superseded


def test_release_publish_refuses_a_fractional_month_threshold(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.parameters.filter(name="ACC_GUIDELINE_DFI_MIN_MONTHS").update(value="12.5")

    with pytest.raises(ValidationError) as raised:
        services.release_publish(release=draft, by=editor)

    assert any(
        "ACC_GUIDELINE_DFI_MIN_MONTHS must be a whole number of months" in message for message in raised.value.messages
    )
    draft.refresh_from_db()
    assert draft.status == ReleaseStatus.DRAFT


@pytest.mark.parametrize(("disease", "code"), [("acc", "ACC-CLS-01"), ("acc", "ACC-CAU-03"), ("crc", "CRLM-CLS-01")])
def test_release_publish_refuses_a_draft_without_a_rule_the_engine_needs(releases, editor, disease, code):
    draft = services.release_clone(release=services.release_current(disease), version="2026.2", by=editor)
    draft.rules.filter(code=code).delete()

    with pytest.raises(ValidationError) as raised:
        services.release_publish(release=draft, by=editor)

    assert any(f"Rule {code} is missing" in message for message in raised.value.messages)
    assert services.release_current(disease).version == "2026.1"


def test_release_publish_refuses_a_rule_of_the_other_disease(acc_release, editor):
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.rules.filter(code="ACC-LT-13").update(scope="crc")

    with pytest.raises(ValidationError) as raised:
        services.release_publish(release=draft, by=editor)

    assert any(message.startswith("ACC-LT-13: its scope crc") for message in raised.value.messages)


def test_evaluation_of_an_incomplete_release_fails_loudly(acc_release, editor):
    patient = acc_patient()
    draft = services.release_clone(release=acc_release, version="2026.2", by=editor)
    draft.rules.filter(code="ACC-CLS-01").delete()

    with pytest.raises(services.EvaluationFailed, match="Rule ACC-CLS-01 is missing"):
        services.evaluation_create(patient=patient, by=editor, as_of=AS_OF, board_inputs={}, release=draft)

    assert not Evaluation.objects.filter(patient=patient).exists()

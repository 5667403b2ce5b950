"""Dry run of a draft: real board inputs, every kind of change, visible patients only, audited."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from guidance import services
from guidance.forms import DryRunForm
from guidance.models import Evaluation
from tests.factories import UserFactory
from tests.guidance.db_factories import AS_OF, acc_patient, crc_patient

STATED = {"resectability": "upfront_resectable", "all_sites_safely_treatable": True}


@pytest.fixture
def crc_draft(releases, editor):
    return services.release_clone(release=services.release_current("crc"), version="2026.2", by=editor)


@pytest.fixture
def stated_patient(editor):
    """A CRC patient whose board stated resectability and safe treatability at the last evaluation."""
    patient = crc_patient(by=editor, name="Stated Patient")
    services.evaluation_create(patient=patient, by=editor, as_of=AS_OF, board_inputs=STATED)
    return patient


def _set(draft, name: str, value) -> None:
    draft.parameters.filter(name=name).update(value=value)


def _items(result, area: str) -> dict[str, tuple[str, str]]:
    return {change.item: (change.before, change.after) for change in result.changes_in(area)}


def test_dry_run_uses_the_latest_stored_board_inputs(crc_draft, editor, stated_patient):
    crc_draft.rules.filter(code="CRLM-LT-01").update(text="Resectable oligometastatic disease: surgery (changed).")

    [result] = services.release_dry_run(draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor)

    assert result.board_inputs_from == "the latest evaluation"
    assert result.board_inputs["resectability"] == "upfront_resectable"
    assert result.omd_before == result.omd_after == "true"
    assert "CRLM-LT-01 text" in _items(result, "finding")
    assert "Resectability: upfront resectable" in result.board_inputs_label


def test_dry_run_with_explicit_board_inputs_overrides_the_stored_ones(crc_draft, editor, stated_patient):
    crc_draft.rules.filter(code="CRLM-LT-01").update(text="Resectable oligometastatic disease: surgery (changed).")

    [result] = services.release_dry_run(
        draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor, board_inputs={}
    )

    assert result.board_inputs_from == "given for the dry run"
    assert result.omd_before == "undetermined"
    assert "CRLM-LT-01 text" not in _items(result, "finding")  # undetermined under both releases
    assert not result.changed


def test_dry_run_without_a_stored_evaluation_uses_no_board_inputs(crc_draft, editor):
    patient = crc_patient(by=editor)

    [result] = services.release_dry_run(draft=crc_draft, patients=[patient], as_of=AS_OF, by=editor)

    assert result.board_inputs_from == "none stored"
    assert result.board_inputs_label == "none stated"


def test_dry_run_shows_a_modality_rating_change(crc_draft, editor, stated_patient):
    _set(crc_draft, "CRLM_TA_CAUTION_ABOVE_MM", 25)

    [result] = services.release_dry_run(draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor)

    assert _items(result, "modality")["S7 thermal ablation"] == ("option_with_caution", "option")
    assert not result.findings_added and not result.findings_removed


def test_dry_run_shows_a_score_change(crc_draft, editor, stated_patient):
    _set(crc_draft, "FONG_HIGH_RISK_MIN", 2)

    [result] = services.release_dry_run(draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor)

    assert _items(result, "score")["fong_risk"] == ("low", "high")
    assert "CRLM-SCO-01" in {finding["code"] for finding in result.findings_added}


def test_dry_run_shows_a_tbs_zone_change(crc_draft, editor, stated_patient):
    _set(crc_draft, "TBS_MEDIUM_MIN", 4)

    [result] = services.release_dry_run(draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor)

    assert _items(result, "score")["tbs_zone"] == ("medium", "low")


def test_dry_run_shows_an_omd_state_change(crc_draft, editor, stated_patient):
    _set(crc_draft, "OMD_SYNCHRONOUS_MAX_MONTHS", 36)

    [result] = services.release_dry_run(draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor)

    changes = _items(result, "OMD state")
    assert changes["timing"] == ("metachronous", "synchronous")
    assert changes["course"] == ("oligorecurrence", "unknown")


def test_dry_run_shows_evidence_and_source_changes(crc_draft, editor, stated_patient):
    crc_draft.rules.filter(code="CRLM-CLS-01").update(source="ESMO 2023", evidence="A new sentence.")

    [result] = services.release_dry_run(draft=crc_draft, patients=[stated_patient], as_of=AS_OF, by=editor)

    changes = _items(result, "finding")
    assert changes["CRLM-CLS-01 source"] == ("ESMO 2022 (Cervantes) via Adam slides.", "ESMO 2023")
    assert changes["CRLM-CLS-01 evidence"] == ("ESMO 2022 (Cervantes) via Adam slides.", "A new sentence.")


def test_dry_run_shows_a_change_of_what_an_undetermined_rule_misses(crc_draft, editor):
    patient = crc_patient(by=editor)
    crc_draft.rules.filter(code="CRLM-LT-01").update(
        condition="is_oligometastatic and board_inputs.resectability == 'upfront_resectable' and board_inputs.polymetastatic_history"
    )

    [result] = services.release_dry_run(draft=crc_draft, patients=[patient], as_of=AS_OF, by=editor, board_inputs={})

    assert "CRLM-LT-01 missing" in _items(result, "undetermined")


def test_dry_run_is_audited_per_patient_and_stores_no_evaluation(crc_draft, editor, stated_patient):
    other = crc_patient(by=editor, mrn="OTHER2", name="Other Patient")
    before = Evaluation.objects.count()

    services.release_dry_run(draft=crc_draft, patients=[stated_patient, other], as_of=AS_OF, by=editor)

    rows = AuditEvent.objects.filter(action="guidelinerelease.dry_run")
    assert {(row.patient, row.user) for row in rows} == {(stated_patient, editor), (other, editor)}
    assert {row.target_public_id for row in rows} == {str(crc_draft.public_id)}
    assert Evaluation.objects.count() == before


def test_dry_run_refuses_a_patient_the_editor_may_not_see(crc_draft, editor):
    hidden = crc_patient(by=UserFactory(username="someone-else"))

    with pytest.raises(PermissionDenied):
        services.release_dry_run(draft=crc_draft, patients=[hidden], as_of=AS_OF, by=editor)

    assert not AuditEvent.objects.filter(action="guidelinerelease.dry_run").exists()


def test_dry_run_form_lists_only_patients_the_editor_may_see(crc_draft, editor):
    mine = crc_patient(by=editor, name="Mine")
    hidden = crc_patient(by=UserFactory(username="someone-else"), name="Hidden")
    acc_patient(by=editor, name="Other disease")

    form = DryRunForm(
        {"patients": [hidden.pk], "as_of": "2026-10-01", "board_inputs_from": "stored"}, release=crc_draft, user=editor
    )

    assert list(form.fields["patients"].queryset) == [mine]
    assert not form.is_valid()
    assert "patients" in form.errors
    assert list(DryRunForm(release=crc_draft).fields["patients"].queryset) == []


def test_admin_dry_run_page_shows_a_readable_diff_per_patient(editor_client, crc_draft, stated_patient):
    _set(crc_draft, "CRLM_TA_CAUTION_ABOVE_MM", 25)
    url = reverse("admin:guidance_guidelinerelease_dry_run", args=[crc_draft.pk])

    page = editor_client.get(url)
    response = editor_client.post(
        url, {"patients": [stated_patient.pk], "as_of": "2026-10-01", "board_inputs_from": "stored"}
    )

    assert "Stated Patient" in page.text
    assert response.status_code == 200
    text = response.text
    assert "Board inputs (the latest evaluation): Resectability: upfront resectable" in text
    assert "S7 thermal ablation" in text
    assert "option_with_caution" in text and ">option<" in text


def test_admin_dry_run_with_given_board_inputs(editor_client, crc_draft, stated_patient):
    url = reverse("admin:guidance_guidelinerelease_dry_run", args=[crc_draft.pk])

    response = editor_client.post(
        url,
        {
            "patients": [stated_patient.pk],
            "as_of": "2026-10-01",
            "board_inputs_from": "given",
            "resectability": "unresectable",
        },
    )

    [result] = response.context["results"]
    assert result.board_inputs_from == "given for the dry run"
    assert result.board_inputs["resectability"] == "unresectable"
    assert "No change for Stated Patient" in response.text

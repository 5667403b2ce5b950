"""The engine refuses an incomplete or ill-typed release instead of guessing (no built-in fallbacks)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from guidance import parameters as kinds
from guidance.engine import IncompleteRelease, evaluate
from guidance.record import record_from_case_dict
from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS, PARAMETER_NAMES, RULES
from tests.guidance.db_factories import ACC_CASE, AS_OF, CRC_CASE


def _evaluate(case: dict, *, parameters=None, rules=RULES) -> dict:
    return evaluate(
        record_from_case_dict(case),
        board_inputs={},
        parameters=parameters or DEFAULT_PARAMETERS,
        rules=rules,
        as_of=AS_OF,
        ruleset_version="test",
    )


def test_every_parameter_of_section_3_has_a_declared_kind():
    assert set(kinds.PARAMETER_KINDS) == set(PARAMETER_NAMES)


def test_every_default_value_fits_its_kind():
    assert kinds.parameter_problems(DEFAULT_PARAMETERS) == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ACC_GUIDELINE_DFI_MIN_MONTHS", 12.5, "whole number of months"),
        ("ACC_GUIDELINE_DFI_MIN_MONTHS", 0, "at least 1"),
        ("ECOG_VALID_DAYS", 90.5, "whole number of days"),
        ("ACC_OMD_MAX_METASTASES", 5.5, "whole number"),
        ("ACC_OMD_DIAMETER_BELOW_MM", 0, "greater than 0"),
        ("ACC_OMD_DIAMETER_BELOW_MM", -3, "greater than 0"),
        ("ACC_KI67_INDOLENT_BELOW_PCT", 120, "percentage from 0 to 100"),
        ("RECIST_PR_MAX_RATIO", 1.3, "between 0 and 1"),
        ("RECIST_PD_MIN_RATIO", 0.9, "greater than 1"),
        ("TBS_HIGH_MIN", 0, "greater than 0"),
        ("FRAIL_ECOG_MIN", 5, "ECOG grade"),
        ("FONG_HIGH_RISK_MIN", 6, "Fong points"),
        ("OMD_SYNCHRONOUS_MAX_MONTHS", 10**6, "at most 1200"),
        ("LAB_VALID_DAYS", float("nan"), "whole number of days"),
    ],
)
def test_a_value_outside_its_kind_is_named(name, value, message):
    assert message in kinds.value_problem(name, value)


@pytest.mark.parametrize("value", [12, 12.0, Decimal("12.0000"), "12"])
def test_whole_values_in_any_form_are_accepted(value):
    assert kinds.value_problem("ACC_GUIDELINE_DFI_MIN_MONTHS", value) is None


def test_misordered_thresholds_are_refused():
    problems = kinds.parameter_problems({**DEFAULT_PARAMETERS, "TBS_MEDIUM_MIN": 10})

    assert any("TBS_MEDIUM_MIN" in problem and "TBS_HIGH_MIN" in problem for problem in problems)


def test_engine_refuses_a_fractional_month_threshold_instead_of_failing_later():
    with pytest.raises(IncompleteRelease, match="ACC_GUIDELINE_DFI_MIN_MONTHS must be a whole number of months"):
        _evaluate(ACC_CASE, parameters={**DEFAULT_PARAMETERS, "ACC_GUIDELINE_DFI_MIN_MONTHS": 12.5})


@pytest.mark.parametrize(
    "name",
    [
        "ECOG_VALID_DAYS",
        "CRLM_EARLY_RECURRENCE_MONTHS",
        "FONG_DFI_BELOW_MONTHS",
        "OMD_SYNCHRONOUS_MAX_MONTHS",
        "CRLM_SYNC_WORKUP_DAYS",
        "LAB_VALID_DAYS",
    ],
)
def test_engine_never_truncates_a_fractional_whole_number_parameter(name):
    with pytest.raises(IncompleteRelease, match=name):
        _evaluate(CRC_CASE, parameters={**DEFAULT_PARAMETERS, name: DEFAULT_PARAMETERS[name] + 0.5})


def test_whole_refuses_a_fraction():
    with pytest.raises(kinds.ParameterError, match="ECOG_VALID_DAYS"):
        kinds.whole({"ECOG_VALID_DAYS": 90.5}, "ECOG_VALID_DAYS")
    assert kinds.whole({"ECOG_VALID_DAYS": 90.0}, "ECOG_VALID_DAYS") == 90


@pytest.mark.parametrize(
    ("case", "code"), [(ACC_CASE, "ACC-CLS-01"), (ACC_CASE, "ACC-CAU-03"), (CRC_CASE, "CRLM-CLS-01")]
)
def test_engine_refuses_a_release_without_a_rule_it_needs(case, code):
    rules = [rule for rule in RULES if rule.code != code]

    with pytest.raises(IncompleteRelease, match=f"Rule {code} is missing"):
        _evaluate(case, rules=rules)


def test_engine_uses_the_release_omd_rule_not_a_built_in_one():
    never = [replace(rule, condition="False") if rule.code == "ACC-CLS-01" else rule for rule in RULES]

    output = _evaluate(ACC_CASE, rules=never)

    assert output["is_oligometastatic"] == "false"
    assert "ACC-CLS-02" in {finding["code"] for finding in output["findings"]}


def test_engine_refuses_an_omd_rule_that_reads_its_own_result():
    circular = [
        replace(rule, condition="is_oligometastatic is True") if rule.code == "CRLM-CLS-01" else rule for rule in RULES
    ]

    with pytest.raises(IncompleteRelease, match="cannot read is_oligometastatic"):
        _evaluate(CRC_CASE, rules=circular)


def test_engine_refuses_a_required_rule_of_another_scope():
    moved = [replace(rule, disease="general") if rule.code == "ACC-CLS-01" else rule for rule in RULES]

    with pytest.raises(IncompleteRelease, match="scope acc"):
        _evaluate(ACC_CASE, rules=moved)


def test_engine_refuses_a_missing_engine_parameter():
    parameters = {name: value for name, value in DEFAULT_PARAMETERS.items() if name != "FRAIL_ECOG_MIN"}

    with pytest.raises(IncompleteRelease, match="FRAIL_ECOG_MIN is missing"):
        _evaluate(CRC_CASE, parameters=parameters)

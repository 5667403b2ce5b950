"""The engine as a whole: the rule inventory, the output contract, and each rule at its thresholds."""

import json
import re
from pathlib import Path

import pytest

from guidance.conditions import check_names, compile_condition
from guidance.engine import DISCLAIMER, RuleSpec, evaluate_default
from guidance.record import record_from_case_dict
from guidance.ruleset_2026_1 import CONDITION_NAMES, PARAMETERS, RULES, VERSION
from tests.guidance.records import case, codes, d, event, lesion, run, status, undetermined

SPEC = Path("/work/shared/clinical/decision-logic.md")

GENERAL_RULES = {
    "GEN-CAU-01": "caution",
    "GEN-MD-01": "missing-data",
    "GEN-MD-02": "missing-data",
    "GEN-MD-03": "missing-data",
}
ACC_RULES = {
    "ACC-CLS-01": "classification",
    "ACC-CLS-02": "classification",
    "ACC-CLS-03": "local-therapy option",
    "ACC-CLS-04": "caution",
    "ACC-CLS-05": "classification",
    "ACC-CAU-01": "caution",
    "ACC-CAU-02": "caution",
    "ACC-CAU-03": "caution",
    "ACC-CAU-04": "caution",
    "ACC-CAU-05": "caution",
    "ACC-LT-01": "local-therapy option",
    "ACC-LT-03": "local-therapy option",
    "ACC-LT-04": "local-therapy option",
    "ACC-LT-05": "local-therapy option",
    "ACC-LT-06": "local-therapy option",
    "ACC-LT-07": "local-therapy option",
    "ACC-LT-08": "local-therapy option",
    "ACC-LT-09": "local-therapy option",
    "ACC-LT-10": "local-therapy option",
    "ACC-LT-11": "local-therapy option",
    "ACC-LT-12": "local-therapy option",
    "ACC-LT-13": "local-therapy option",
    "ACC-SYS-01": "systemic-therapy consideration",
    "ACC-SYS-02": "systemic-therapy consideration",
    "ACC-SYS-03": "systemic-therapy consideration",
    "ACC-SYS-04": "systemic-therapy consideration",
    "ACC-GEN-01": "caution",
    "ACC-MD-01": "missing-data",
    "ACC-MD-02": "missing-data",
    "ACC-MD-03": "missing-data",
}
CRC_RULES = {
    "CRLM-CLS-01": "classification",
    "CRLM-CLS-02": "caution",
    "CRLM-CLS-03": "classification",
    "CRLM-CAU-01": "caution",
    "CRLM-TIM-01": "systemic-therapy consideration",
    "CRLM-TIM-02": "systemic-therapy consideration",
    "CRLM-TIM-03": "local-therapy option",
    "CRLM-CAU-02": "caution",
    "CRLM-PROG-01": "caution",
    "CRLM-PROG-02": "caution",
    "CRLM-PROG-03": "local-therapy option",
    "CRLM-PROG-04": "caution",
    "CRLM-PROG-05": "local-therapy option",
    "CRLM-SYS-01": "systemic-therapy consideration",
    "CRLM-SYS-02": "systemic-therapy consideration",
    "CRLM-SYS-03": "systemic-therapy consideration",
    "CRLM-LT-01": "local-therapy option",
    "CRLM-LT-02": "local-therapy option",
    "CRLM-LT-03": "local-therapy option",
    "CRLM-LT-04": "caution",
    "CRLM-LT-05": "local-therapy option",
    "CRLM-SCO-01": "caution",
    "CRLM-SCO-02": "caution",
    "CRLM-MD-01": "missing-data",
    "CRLM-MD-02": "missing-data",
    "CRLM-MD-03": "missing-data",
    "CRLM-MD-04": "missing-data",
    "CRLM-MD-05": "missing-data",
}
OUTPUT_KEYS = {
    "disease",
    "as_of",
    "ruleset_version",
    "parameters",
    "board_inputs",
    "is_oligometastatic",
    "omd_state",
    "facts",
    "scores",
    "findings",
    "undetermined",
    "lesion_modalities",
    "disclaimer",
}
SCORE_KEYS = {
    "mensat_stage",
    "tumour_involved_organs",
    "metastatic_sites",
    "metastasis_count",
    "largest_metastasis_mm",
    "disease_free_interval_months",
    "fong_crs",
    "fong_crs_range",
    "fong_risk",
    "tbs",
    "tbs_zone",
    "vigano",
    "recist",
    "crlm_presentation",
}

CRC_EVENTS = [
    event("diagnosis", "2022-11-15"),
    event("primary_resection", "2022-12-20", margin="R0"),
    event("chemotherapy", "2023-01-25", "2023-06-30", regimen="CAPOX", intent="adjuvant"),
    event("metastatic_diagnosis", "2024-04-28"),
]
SAFE = {"all_sites_safely_treatable": True}


def crc(lesions, **kwargs):
    kwargs.setdefault("events", CRC_EVENTS)
    return case("crc", lesions=lesions, **kwargs)


def livers(*sizes, detected="2024-04-28"):
    return [lesion(f"H{index}", "liver", detected, size) for index, size in enumerate(sizes, start=1)]


ACC_EVENTS = [
    event("diagnosis", "2018-02-12"),
    event("primary_resection", "2018-03-01", margin="R0"),
    event("recurrence", "2026-09-14"),
]


def acc(lesions, **kwargs):
    kwargs.setdefault("events", ACC_EVENTS)
    kwargs.setdefault("diagnosis", "2018-02-12")
    kwargs.setdefault("resection", "2018-03-01")
    kwargs.setdefault("n_status", "N0")
    kwargs.setdefault("ki67", (("2018-03-01", 8),))
    kwargs.setdefault("hormone_excess", False)
    kwargs.setdefault("glucocorticoid_excess", False)
    kwargs.setdefault("ecog", (("2026-09-20", 0),))
    return case("acc", lesions=lesions, **kwargs)


def lungs(*sizes, detected="2026-09-14"):
    return [lesion(f"L{index}", "lung", detected, size) for index, size in enumerate(sizes, start=1)]


ACC_AS_OF = "2026-10-01"


# Inventory ---------------------------------------------------------------------------------------


def test_every_rule_of_the_spec_exists_once_with_its_category():
    by_code = {rule.code: rule for rule in RULES}

    assert len(RULES) == len(by_code) == 4 + 30 + 28
    assert {code: by_code[code].category for code in GENERAL_RULES} == GENERAL_RULES
    assert {code: by_code[code].category for code in ACC_RULES} == ACC_RULES
    assert {code: by_code[code].category for code in CRC_RULES} == CRC_RULES
    assert {rule.code for rule in RULES if rule.disease == "general"} == set(GENERAL_RULES)
    assert {rule.code for rule in RULES if rule.disease == "acc"} == set(ACC_RULES)
    assert {rule.code for rule in RULES if rule.disease == "crc"} == set(CRC_RULES)


def test_rule_codes_match_the_specification_tables():
    spec_codes = set(re.findall(r"^\| ((?:GEN|ACC|CRLM)-[A-Z]+-\d\d) \|", SPEC.read_text(), flags=re.M))

    assert spec_codes == {rule.code for rule in RULES}


def test_rules_are_in_table_order_with_text_and_citations():
    orders = [rule.order for rule in RULES]

    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert [rule.code for rule in RULES][:5] == ["GEN-CAU-01", "GEN-MD-01", "GEN-MD-02", "GEN-MD-03", "ACC-CLS-01"]
    for rule in RULES:
        assert rule.text and rule.text[-1] in ".)"
        if rule.category != "missing-data":
            # §7 gives one "Evidence / source" column: it is stored whole as the source (test_ruleset_fidelity).
            assert rule.source, rule.code
        assert not re.search(r"\b(Give|Start|Resect|Stop)\b", rule.text), rule.code


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_condition_compiles_and_uses_only_known_names(rule):
    compile_condition(rule.condition)

    assert check_names(rule.condition, CONDITION_NAMES) == []


def test_every_parameter_of_the_spec_is_present_with_its_default():
    spec = SPEC.read_text()
    section = spec[spec.index("## 3. Parameters") : spec.index("## 4.")]
    names = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    values = {parameter.name: parameter.value for parameter in PARAMETERS}

    assert names == set(values)
    assert values["ACC_OMD_DIAMETER_BELOW_MM"] == 30 and values["CRLM_TA_MAX_MM"] == 30
    assert values["TBS_MEDIUM_MIN"] == 3 and values["TBS_HIGH_MIN"] == 9
    assert values["RECIST_PR_MAX_RATIO"] == 0.7 and values["RECIST_PD_MIN_RATIO"] == 1.2
    assert all(parameter.source for parameter in PARAMETERS)


# Output contract ---------------------------------------------------------------------------------


def test_output_has_every_key_of_the_contract_and_is_json():
    output = run(crc(livers(24, 15)))

    assert set(output) == OUTPUT_KEYS
    assert set(output["scores"]) >= SCORE_KEYS
    assert set(output["omd_state"]) == {
        "state",
        "genesis",
        "timing",
        "course",
        "omd_diagnosis_date",
        "episode_event",
        "episode_date",
    }
    assert set(output["board_inputs"]) == {
        "resectability",
        "all_sites_safely_treatable",
        "complete_resection_feasible",
        "primary_controllable",
        "polymetastatic_history",
    }
    assert output["disclaimer"] == DISCLAIMER
    assert output["ruleset_version"] == VERSION
    assert output["as_of"] == "2024-05-10"
    assert json.loads(json.dumps(output)) == output
    for finding in output["findings"]:
        assert set(finding) == {"code", "category", "text", "evidence", "source", "facts_used"}
    assert set(output["lesion_modalities"]["H1"]) == {
        "surgery",
        "thermal_ablation",
        "sbrt",
        "conventional_rt",
        "tace",
        "tare",
    }


def test_disclaimer_is_the_fixed_text():
    assert DISCLAIMER == (
        "Decision support for the tumour board. These findings apply published criteria to the recorded data. "
        "They are not orders, may be incomplete, and every treatment decision is made and recorded by the board."
    )


def test_facts_hold_every_derived_fact_by_name():
    facts = run(crc(livers(24, 15)))["facts"]

    for name in (
        "ecog",
        "frail",
        "ki67_pct",
        "primary_controlled",
        "metastasis_count",
        "metastatic_sites",
        "largest_metastasis_mm",
        "liver_count",
        "cea_ng_ml",
        "episode_events",
        "ned_start",
        "disease_free_interval",
        "dfi_after_primary_surgery",
        "event_free_interval",
        "metastatic_treatment_naive",
        "progression_on_chemotherapy",
        "crlm_presentation",
        "site_flags",
    ):
        assert name in facts
    assert facts["disease_free_interval"] == 16
    assert facts["ned_start"] == "2022-12-20"
    assert facts["site_flags"] == {"bone": False, "brain": False, "liver": True, "lung": False, "peritoneum": False}


def test_findings_follow_rule_order_and_carry_facts_used():
    output = run(crc(livers(24, 15)), board_inputs={**SAFE, "resectability": "upfront_resectable"})
    orders = {rule.code: rule.order for rule in RULES}

    found = codes(output)
    assert found == sorted(found, key=orders.get)
    cls = next(finding for finding in output["findings"] if finding["code"] == "CRLM-CLS-01")
    assert cls["facts_used"]["metastasis_count"] == 2
    assert cls["facts_used"]["board_inputs.all_sites_safely_treatable"] is True
    assert "CRLM_OMD_MAX_LESIONS" not in cls["facts_used"]


def test_only_general_and_own_disease_rules_are_evaluated():
    output = run(crc(livers(24)))

    assert not any(code.startswith("ACC-") for code in codes(output) + list(undetermined(output)))


def test_unknown_parameter_in_a_condition_raises():
    broken = RuleSpec(
        code="X-1", disease="general", category="caution", order=1, condition="metastasis_count > NOPE", text="x."
    )

    with pytest.raises(Exception, match="NOPE"):
        run(crc(livers(24)), rules=list(RULES) + [broken])


def test_nothing_after_as_of_is_read():
    later = crc(
        livers(24) + [lesion("H9", "liver", "2024-06-01", 60)],
        events=CRC_EVENTS + [event("progression", "2024-06-01")],
        cea=(("2024-04-28", 14.2), ("2024-06-01", 500)),
    )

    assert run(later, "2024-05-10") == run(crc(livers(24)), "2024-05-10")


def test_evaluate_default_uses_ruleset_2026_1():
    output = evaluate_default(record_from_case_dict(crc(livers(24))), as_of=d("2024-05-10"))

    assert output["ruleset_version"] == "2026.1"
    assert output["parameters"]["CRLM_TA_MAX_MM"] == 30


def test_finding_text_names_lesions_without_size():
    output = run(crc(livers(24) + [lesion("S4", "liver", "2024-04-28", None)]))

    text = next(f["text"] for f in output["findings"] if f["code"] == "GEN-MD-02")
    assert text.startswith("Size missing for lesion(s) S4;")


# General rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ecog", "frailty", "frail_rule", "md01"),
    [
        ((("2024-05-02", 1),), (), False, False),
        ((("2024-05-02", 2),), (), True, False),
        ((("2024-05-02", 2),), (("2024-05-01", False),), False, False),  # clinician judgement wins
        ((("2024-01-01", 1),), (), None, True),  # ECOG older than 90 days
        ((("2024-02-10", 1),), (), False, False),  # exactly 90 days old
        ((), (("2023-01-01", True),), True, True),
    ],
)
def test_frailty_and_ecog(ecog, frailty, frail_rule, md01):
    output = run(crc(livers(24), ecog=ecog, frailty=frailty))

    assert status(output, "GEN-CAU-01") is frail_rule
    assert status(output, "GEN-MD-01") is md01


def test_frail_unknown_names_ecog():
    output = run(crc(livers(24), ecog=()))

    assert undetermined(output)["GEN-CAU-01"] == ["frail", "ecog"]


def test_missing_diagnosis_date_fires_gen_md_03_and_leaves_timing_unknown():
    output = run(crc(livers(24), diagnosis=None, resection=None), board_inputs={**SAFE, "primary_controllable": True})

    assert status(output, "GEN-MD-03") is True
    assert output["scores"]["crlm_presentation"] is None
    assert status(output, "CRLM-TIM-01") is None
    assert "primary_diagnosis_date" in undetermined(output)["CRLM-TIM-01"]


# ACC thresholds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "lesion_organs", "in_situ", "omd", "cls02", "cls03", "cls04"),
    [
        ((10, 10, 10, 10, 10), "lung", False, "true", False, True, False),
        ((10, 10, 10, 10, 10, 10), "lung", False, "true", False, True, False),  # 6 lungs, still IVa, all < 30
        ((29,), "lung", False, "true", False, True, False),
        ((30,), "lung", False, "true", False, True, False),  # IVa with one organ
        ((10, 10, 10, 10, 10, 30), "lung", False, "true", False, False, True),  # 6 and one >= 30: only via IVa
        ((10, 10, 10, 10, 10, 29), "lung", False, "true", False, True, False),
        ((10, 10, 10, 10, 10), "multi", False, "true", False, False, False),  # 5 < 30 in 5 organs: IVc
        ((10, 10, 10, 10, 10, 10), "multi", False, "false", True, False, False),  # 6 in 6 organs
        ((10, 10, 29), "multi3", False, "true", False, False, False),
        ((10, 10, 30), "multi3", False, "false", True, False, False),
    ],
)
def test_acc_oligometastatic_definition_at_thresholds(sizes, lesion_organs, in_situ, omd, cls02, cls03, cls04):
    organs = ["lung", "liver", "bone", "brain", "peritoneum", "soft_tissue"]
    if lesion_organs == "lung":
        lesions = lungs(*sizes)
    else:
        lesions = [lesion(f"M{i}", organs[i], "2026-09-14", size) for i, size in enumerate(sizes)]
    output = run(acc(lesions), ACC_AS_OF)

    assert output["is_oligometastatic"] == omd
    assert status(output, "ACC-CLS-01") is (omd == "true")
    assert status(output, "ACC-CLS-02") is cls02
    assert status(output, "ACC-SYS-01") is cls02
    assert status(output, "ACC-CLS-03") is cls03
    assert status(output, "ACC-CLS-04") is cls04


@pytest.mark.parametrize(
    ("organs", "in_situ", "stage", "tumour_organs", "cau02"),
    [
        (("lung",), True, "IVa", 2, False),
        (("lung", "liver"), True, "IVb", 3, True),
        (("lung", "liver"), False, "IVa", 2, False),
        (("lung", "liver", "bone"), False, "IVb", 3, False),
        (("lung", "liver", "bone"), True, "IVc", 4, False),
        (("local_recurrence",), False, None, 1, False),
    ],
)
def test_mensat_counts_tumour_involved_organs(organs, in_situ, stage, tumour_organs, cau02):
    lesions = [lesion(f"M{i}", organ, "2026-09-14", 10) for i, organ in enumerate(organs)]
    output = run(acc(lesions, resection=None if in_situ else "2018-03-01"), ACC_AS_OF)

    assert output["scores"]["mensat_stage"] == stage
    assert output["scores"]["tumour_involved_organs"] == tumour_organs
    assert status(output, "ACC-CAU-02") is cau02
    assert status(output, "ACC-LT-11") is in_situ


@pytest.mark.parametrize(
    ("ki67", "cls05", "cau01", "cau03", "lt07"),
    [
        (19, True, False, True, False),
        (20, False, True, True, False),
        (15, True, False, False, True),
        (16, True, False, True, False),
        ((3, 5), True, False, False, True),  # a range reads its upper bound
        ((14, 16), True, False, True, False),
        (None, None, None, None, None),
    ],
)
def test_acc_ki67_thresholds(ki67, cls05, cau01, cau03, lt07):
    output = run(acc(lungs(10), ki67=() if ki67 is None else (("2018-03-01", ki67),)), ACC_AS_OF)

    assert status(output, "ACC-CLS-05") is cls05
    assert status(output, "ACC-CAU-01") is cau01
    assert status(output, "ACC-CAU-03") is cau03
    assert status(output, "ACC-LT-07") is lt07
    assert status(output, "ACC-MD-01") is (ki67 is None)


def test_acc_latest_ki67_before_as_of_is_used():
    output = run(acc(lungs(10), ki67=(("2018-03-01", 8), ("2026-09-20", 25), ("2026-11-01", 5))), ACC_AS_OF)

    assert output["facts"]["ki67_pct"] == 25
    assert status(output, "ACC-CAU-01") is True


@pytest.mark.parametrize(
    ("hormone", "glucocorticoid", "uncontrolled", "cau04", "md02", "cau03", "lt12"),
    [
        (False, None, None, False, False, False, False),  # FALSE hormone excess implies no glucocorticoid excess
        (True, False, False, True, False, False, False),
        (True, True, True, True, False, True, True),
        (True, None, None, True, True, None, None),
        (None, None, None, None, True, None, None),
    ],
)
def test_acc_hormone_rules(hormone, glucocorticoid, uncontrolled, cau04, md02, cau03, lt12):
    output = run(
        acc(
            lungs(10),
            hormone_excess=hormone,
            glucocorticoid_excess=glucocorticoid,
            hormone_excess_uncontrolled=uncontrolled,
        ),
        ACC_AS_OF,
    )

    assert status(output, "ACC-CAU-04") is cau04
    assert status(output, "ACC-MD-02") is md02
    assert status(output, "ACC-CAU-03") is cau03
    assert status(output, "ACC-LT-12") is lt12


@pytest.mark.parametrize(
    ("recurrence", "feasible", "cau05", "lt01", "md03", "dfi"),
    [
        ("2019-03-01", None, False, None, True, 12),  # exactly 12 months after resection
        ("2019-02-28", None, True, False, False, 11),
        ("2019-03-01", True, False, True, False, 12),
        ("2019-03-01", False, False, False, False, 12),
        ("2026-09-14", True, False, True, False, 102),
    ],
)
def test_acc_guideline_dfi_boundary(recurrence, feasible, cau05, lt01, md03, dfi):
    events = [
        event("diagnosis", "2018-02-12"),
        event("primary_resection", "2018-03-01"),
        event("recurrence", recurrence),
    ]
    output = run(
        acc(lungs(10, detected=recurrence), events=events),
        ACC_AS_OF,
        board_inputs={"complete_resection_feasible": feasible},
    )

    assert output["scores"]["disease_free_interval_months"] == dfi
    assert status(output, "ACC-CAU-05") is cau05
    assert status(output, "ACC-LT-01") is lt01
    assert status(output, "ACC-MD-03") is md03
    if lt01 is None:
        assert undetermined(output)["ACC-LT-01"] == ["board_inputs.complete_resection_feasible"]


def test_acc_no_recurrence_after_ned_when_lesions_never_cleared():
    events = [event("diagnosis", "2018-02-12"), event("metastatic_diagnosis", "2018-02-12")]
    output = run(acc(lungs(10, detected="2018-02-12"), events=events, resection=None), ACC_AS_OF)

    assert output["facts"]["ned_start"] is None
    assert status(output, "ACC-LT-01") is False
    assert status(output, "ACC-CAU-05") is False


@pytest.mark.parametrize(
    ("recurrence", "size", "lt06"),
    [
        ("2018-12-01", 10, False),  # exactly 9 months: not > 9
        ("2018-12-02", 10, True),
        ("2018-12-02", 49, True),
        ("2018-12-02", 50, False),
    ],
)
def test_acc_kimpel_profile(recurrence, size, lt06):
    events = [
        event("diagnosis", "2018-02-12"),
        event("primary_resection", "2018-03-01"),
        event("recurrence", recurrence),
    ]
    output = run(acc(lungs(size, detected=recurrence), events=events), ACC_AS_OF)

    assert status(output, "ACC-LT-06") is lt06


def test_acc_kimpel_profile_false_without_disease_free_interval():
    events = [event("diagnosis", "2018-02-12"), event("metastatic_diagnosis", "2018-02-12")]

    output = run(acc(lungs(10, detected="2018-02-12"), events=events), ACC_AS_OF)

    assert output["facts"]["dfi_after_primary_surgery"] is None
    assert status(output, "ACC-LT-06") is False


@pytest.mark.parametrize(
    ("previous", "lt05"),
    [("2025-09-14", True), ("2025-09-15", False)],  # 12 months inclusive from the previous episode
)
def test_acc_long_interval_situation_3(previous, lt05):
    events = [
        event("diagnosis", "2018-02-12"),
        event("primary_resection", "2018-03-01"),
        event("recurrence", previous),
        event("progression", "2026-09-14"),
    ]
    lesions = [lesion("L0", "lung", previous, 10)] + lungs(10)
    output = run(acc(lesions, events=events), ACC_AS_OF)

    assert status(output, "ACC-LT-05") is lt05


@pytest.mark.parametrize(
    ("organ", "lt08", "lt09", "lt10", "lt13"),
    [
        ("bone", True, False, False, False),
        ("brain", True, False, False, False),
        ("liver", False, True, True, False),
        ("lung", False, False, True, False),
        ("peritoneum", False, False, False, True),
        ("soft_tissue", False, False, False, False),
    ],
)
def test_acc_site_rules(organ, lt08, lt09, lt10, lt13):
    output = run(acc([lesion("M1", organ, "2026-09-14", 10)]), ACC_AS_OF)

    assert (
        status(output, "ACC-LT-08"),
        status(output, "ACC-LT-09"),
        status(output, "ACC-LT-10"),
        status(output, "ACC-LT-13"),
    ) == (lt08, lt09, lt10, lt13)


def test_acc_frail_omd_and_progression_after_systemic_therapy():
    events = [
        event("diagnosis", "2018-02-12"),
        event("primary_resection", "2018-03-01"),
        event("recurrence", "2025-01-10"),
        event("mitotane", "2025-02-01"),
        event("progression", "2026-09-14"),
    ]
    lesions = [lesion("L0", "lung", "2025-01-10", 10)] + lungs(12)
    output = run(acc(lesions, events=events, frailty=(("2026-09-20", True),)), ACC_AS_OF)

    assert status(output, "ACC-LT-04") is True
    assert status(output, "ACC-SYS-04") is True
    assert output["omd_state"]["course"] == "oligoprogression"
    assert status(output, "ACC-LT-03") is True


def test_acc_general_rule_always_fires():
    assert status(run(acc([]), ACC_AS_OF), "ACC-GEN-01") is True


def test_acc_missing_size_leaves_definition_undetermined_unless_iva():
    lesions = [
        lesion(f"M{i}", organ, "2026-09-14", None if i == 0 else 10)
        for i, organ in enumerate(["lung", "liver", "bone"])
    ]
    output = run(acc(lesions), ACC_AS_OF)

    assert output["is_oligometastatic"] == "undetermined"
    assert undetermined(output)["ACC-CLS-01"] == ["largest_metastasis_mm", "size of lesion M0"]
    assert output["omd_state"]["state"] == "undetermined"
    assert status(output, "GEN-MD-02") is True


# CRLM thresholds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lesions", "inputs", "omd", "cls02"),
    [
        (livers(10, 10, 10, 10, 10), {**SAFE}, "true", False),
        (livers(10, 10, 10, 10, 10, 10), {**SAFE}, "undetermined", True),
        (livers(10, 10, 10, 10, 10, 10), {"all_sites_safely_treatable": False}, "false", False),
        (livers(10, 10, 10, 10, 10, 10), {}, "false", False),
        (livers(10) + [lesion("P1", "lung", "2024-04-28", 10)], {**SAFE}, "true", False),
        (
            livers(10) + [lesion("P1", "lung", "2024-04-28", 10), lesion("B1", "bone", "2024-04-28", 10)],
            {**SAFE},
            "false",
            False,
        ),
        (livers(10, 10), {}, "undetermined", False),
        (livers(10, 10), {"all_sites_safely_treatable": False}, "false", False),
    ],
)
def test_crlm_esmo_definition(lesions, inputs, omd, cls02):
    output = run(crc(lesions), board_inputs=inputs)

    assert output["is_oligometastatic"] == omd
    assert status(output, "CRLM-CLS-02") is cls02
    assert status(output, "CRLM-CLS-03") is {"true": False, "false": True, "undetermined": None}[omd]


def test_crlm_regional_nodes_are_not_metastases():
    lesions = livers(10) + [
        lesion("N1", "lymph_node", "2022-11-15", 12, removed="2022-12-20", regional=True),
        lesion("N2", "lymph_node", "2024-04-28", 12, regional=True),
    ]
    output = run(crc(lesions), board_inputs=SAFE)

    assert output["scores"]["metastasis_count"] == 1
    assert "N2" not in output["lesion_modalities"]


def test_crlm_primary_in_situ_needs_board_controllable():
    output = run(
        crc(
            livers(10),
            resection=None,
            events=[event("diagnosis", "2022-11-15"), event("metastatic_diagnosis", "2024-04-28")],
        ),
        board_inputs=SAFE,
    )

    assert output["is_oligometastatic"] == "undetermined"
    assert undetermined(output)["CRLM-CLS-01"] == ["primary_controlled", "board_inputs.primary_controllable"]
    assert status(output, "CRLM-MD-05") is True


def test_crlm_local_recurrence_defers_to_board_for_control():
    lesions = livers(10) + [lesion("A1", "local_recurrence", "2024-04-28", 15)]

    output = run(crc(lesions), board_inputs={**SAFE, "primary_controllable": False})

    assert output["facts"]["primary_controlled"] is False
    assert output["is_oligometastatic"] == "false"
    assert status(output, "CRLM-CAU-01") is True


@pytest.mark.parametrize(
    ("sizes", "lt02", "lt03", "lt04"),
    [
        ((30,), True, True, False),
        ((31,), False, False, True),
        ((30, 30, 30), True, True, False),
        ((30, 30, 30, 30), True, False, False),
        ((10, 31), False, False, True),
        ((10, None), None, None, None),
        ((31, None), False, False, True),
    ],
)
def test_crlm_thermal_ablation_size_limit(sizes, lt02, lt03, lt04):
    output = run(crc(livers(*sizes)), board_inputs=SAFE)

    assert (status(output, "CRLM-LT-02"), status(output, "CRLM-LT-03"), status(output, "CRLM-LT-04")) == (
        lt02,
        lt03,
        lt04,
    )


@pytest.mark.parametrize(
    ("detected", "presentation", "tim01", "tim02", "tim03", "cau02", "sys03"),
    [
        ("2022-12-15", "synchronous", True, False, False, False, False),  # diagnosis + 30 days
        ("2022-12-16", "metachronous_primary_in_situ", False, False, False, False, False),
        ("2023-06-19", "metachronous_early", False, True, False, False, False),
        ("2023-06-20", "metachronous_boundary", False, False, False, True, False),  # exactly 6 months
        ("2023-06-21", "metachronous_late", False, False, None, False, True),
    ],
)
def test_crlm_presentation_and_timing_rules(detected, presentation, tim01, tim02, tim03, cau02, sys03):
    events = [
        event("diagnosis", "2022-11-15"),
        event("primary_resection", "2022-12-20"),
        event("metastatic_diagnosis", detected),
    ]
    output = run(crc(livers(20, detected=detected), events=events), "2023-07-01", board_inputs=SAFE)

    assert output["scores"]["crlm_presentation"] == presentation
    assert (
        status(output, "CRLM-TIM-01"),
        status(output, "CRLM-TIM-02"),
        status(output, "CRLM-TIM-03"),
        status(output, "CRLM-CAU-02"),
        status(output, "CRLM-SYS-03"),
    ) == (tim01, tim02, tim03, cau02, sys03)


def test_crlm_timing_rules_need_treatment_naive_disease():
    events = CRC_EVENTS + [event("chemotherapy", "2024-05-05", regimen="FOLFOX", line=1)]

    output = run(crc(livers(20), events=events), board_inputs={**SAFE, "resectability": "upfront_resectable"})

    assert output["facts"]["metastatic_treatment_naive"] is False
    assert status(output, "CRLM-TIM-03") is False
    assert status(output, "CRLM-SYS-03") is False


def _progression_case(sizes, cea, line=1):
    events = [
        event("diagnosis", "2022-11-15"),
        event("primary_resection", "2022-12-20"),
        event("metastatic_diagnosis", "2024-01-10"),
        event("chemotherapy", "2024-01-20", regimen="FOLFOX", line=1, end=None if line == 1 else "2024-03-01"),
    ]
    if line == 2:
        events.append(event("chemotherapy", "2024-03-05", regimen="FOLFIRI", line=2))
    events.append(event("progression", "2024-05-01"))
    lesions = [
        lesion(f"H{i}", "liver", "2024-01-10", [("2024-01-10", size), ("2024-05-01", size + 10)])
        for i, size in enumerate(sizes, start=1)
    ]
    return crc(lesions, events=events, cea=(("2024-05-01", cea),))


@pytest.mark.parametrize(
    ("sizes", "cea", "prog02", "prog03", "factors"),
    [
        ((10, 10, 10, 10), 10, False, True, 1),
        ((40, 10, 10, 10), 10, True, False, 2),  # > 3 and 50 mm after growth
        ((39, 10, 10, 10), 10, False, True, 1),  # 49 mm
        ((40, 10, 10), 10, False, True, 1),  # 3 lesions: not > 3
        ((10,), 199, False, True, 0),
        ((10,), 200, True, False, 1),
        ((10,), None, None, None, None),
    ],
)
def test_crlm_vigano_on_progression(sizes, cea, prog02, prog03, factors):
    case_dict = _progression_case(sizes, cea if cea is not None else 10)
    if cea is None:
        case_dict["labs"]["cea"] = []
    output = run(case_dict, "2024-05-10", board_inputs=SAFE)

    assert output["facts"]["progression_on_chemotherapy"] is True
    assert status(output, "CRLM-PROG-01") is True
    assert status(output, "CRLM-PROG-02") is prog02
    assert status(output, "CRLM-PROG-03") is prog03
    assert output["scores"]["vigano"]["factor_count"] == factors


@pytest.mark.parametrize(("line", "prog04"), [(1, False), (2, True)])
def test_crlm_progression_on_later_line(line, prog04):
    output = run(_progression_case((10,), 10, line=line), "2024-05-10", board_inputs=SAFE)

    assert output["facts"]["current_chemo_line"] == line
    assert status(output, "CRLM-PROG-04") is prog04


def test_crlm_no_progression_on_chemotherapy_when_new_therapy_started():
    case_dict = _progression_case((10,), 10)
    case_dict["events"][3]["end"] = "2024-05-02"
    case_dict["events"].append(event("chemotherapy", "2024-05-05", regimen="FOLFIRI", line=2))

    output = run(case_dict, "2024-05-10", board_inputs=SAFE)

    assert output["facts"]["progression_on_chemotherapy"] is False


def test_crlm_controlled_on_second_line():
    events = [
        event("diagnosis", "2022-11-15"),
        event("primary_resection", "2022-12-20"),
        event("metastatic_diagnosis", "2024-01-10"),
        event("chemotherapy", "2024-01-20", "2024-03-01", regimen="FOLFOX", line=1),
        event("progression", "2024-03-01"),
        event("chemotherapy", "2024-03-05", regimen="FOLFIRI", line=2),
    ]
    lesions = [lesion("H1", "liver", "2024-01-10", [("2024-01-10", 30), ("2024-03-01", 40), ("2024-06-01", 25)])]
    output = run(crc(lesions, events=events, cea=(("2024-06-01", 5),)), "2024-06-10", board_inputs=SAFE)

    assert output["scores"]["recist"]["response"] == "PR"
    assert status(output, "CRLM-PROG-05") is True


@pytest.mark.parametrize(
    ("inputs", "sys01", "lt01", "lt05"),
    [
        ({"resectability": "upfront_resectable"}, True, True, False),
        ({"resectability": "unresectable"}, False, False, True),
        ({"resectability": None}, None, None, None),
    ],
)
def test_crlm_resectability_rules(inputs, sys01, lt01, lt05):
    output = run(crc(livers(20, 15)), board_inputs={**SAFE, **inputs})

    assert (status(output, "CRLM-SYS-01"), status(output, "CRLM-LT-01"), status(output, "CRLM-LT-05")) == (
        sys01,
        lt01,
        lt05,
    )
    assert status(output, "CRLM-MD-03") is (inputs["resectability"] is None)


@pytest.mark.parametrize(("count", "sys01"), [(4, True), (5, False)])
def test_crlm_epoc_count(count, sys01):
    output = run(crc(livers(*([10] * count))), board_inputs={**SAFE, "resectability": "upfront_resectable"})

    assert status(output, "CRLM-SYS-01") is sys01


def test_crlm_after_hepatectomy_adjuvant_consideration():
    events = CRC_EVENTS + [event("metastasectomy", "2024-05-20", lesion_ids=["H1"])]
    lesions = [lesion("H1", "liver", "2024-04-28", 24, removed="2024-05-20")]

    output = run(crc(lesions, events=events), "2024-06-01")

    assert output["is_oligometastatic"] == "false"
    assert output["omd_state"]["state"] == "no_active_metastatic_disease"
    assert status(output, "CRLM-SYS-02") is True


@pytest.mark.parametrize(
    ("n_status", "cea", "md01", "md02"),
    [
        ("N1", (("2024-04-28", 5),), False, False),
        ("Nx", (("2024-04-28", 5),), False, True),
        (None, (("2024-04-28", 5),), False, True),
        ("N0", (("2024-01-01", 5),), True, False),
    ],
)
def test_crlm_missing_data_rules(n_status, cea, md01, md02):
    output = run(crc(livers(20), n_status=n_status, cea=cea), board_inputs=SAFE)

    assert status(output, "CRLM-MD-01") is md01
    assert status(output, "CRLM-MD-02") is md02
    assert status(output, "CRLM-MD-04") is False


@pytest.mark.parametrize(
    ("cea", "n_status", "sco01", "fong_range"),
    [
        (200, "N1", False, [2, 2]),  # N+, >1 lesion: 2 points; CEA 200 gives no point
        (201, "N1", True, [3, 3]),
        (None, "N1", None, [2, 3]),
        (None, "N0", False, [1, 2]),
    ],
)
def test_crlm_fong_high_risk(cea, n_status, sco01, fong_range):
    case_dict = crc(livers(20, 15), n_status=n_status, cea=() if cea is None else (("2024-04-28", cea),))

    output = run(case_dict, board_inputs=SAFE)

    assert output["scores"]["fong_crs_range"] == fong_range
    assert status(output, "CRLM-SCO-01") is sco01


@pytest.mark.parametrize(("sizes", "sco02"), [((70, 10, 10, 10, 10), False), ((72, 10, 10, 10, 10, 10), True)])
def test_crlm_tbs_high(sizes, sco02):
    assert status(run(crc(livers(*sizes)), board_inputs=SAFE), "CRLM-SCO-02") is sco02

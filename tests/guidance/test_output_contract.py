"""The command's JSON against evaluation-output.md, written down as a JSON Schema (key names and types).

The schema (evaluation_output.schema.json next to this file) is closed wherever the contract lists
every key, so an extra or renamed key fails; it is open only where the contract says "...".
"""

import copy
import json
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command

from guidance.ruleset_2026_1 import PARAMETER_NAMES, RULES
from tests.guidance.db_factories import ACC_CASE, CRC_CASE

SCHEMA = json.loads((Path(__file__).with_name("evaluation_output.schema.json")).read_text(encoding="utf-8"))
DEMO_CASES = Path(__file__).resolve().parents[2] / "patients" / "demo_cases"
CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "clinical" / "evaluation-output.md"


def _unsized_crc() -> dict:
    case = copy.deepcopy(CRC_CASE)
    case["lesions"][1]["measurements"] = []  # as in the contract's example: S4, size not reported
    return case


def _acc_without_active_metastases() -> dict:
    case = copy.deepcopy(ACC_CASE)
    for lesion in case["lesions"]:
        lesion.update(removed_on="2026-09-20", removal="resection")
    return case


def _crc_many_lesions() -> dict:
    case = copy.deepcopy(CRC_CASE)
    case["lesions"] = [
        {
            "id": f"S{n}",
            "organ": "liver",
            "detected_on": "2026-08-28",
            "measurements": [{"date": "2026-08-28", "size_mm": 10 + n}],
        }
        for n in range(7)
    ] + [{"id": "P1", "organ": "lung", "detected_on": "2026-08-28", "measurements": []}]
    return case


CASES = {
    "acc": ACC_CASE,
    "crc": CRC_CASE,
    "crc-unsized": _unsized_crc(),
    "acc-no-active": _acc_without_active_metastases(),
    "crc-many": _crc_many_lesions(),
}


def _evaluate(tmp_path, case: dict, *args: str) -> dict:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    stdout = StringIO()
    call_command("guidance", "evaluate", str(path), "--as-of", "2026-10-01", *args, stdout=stdout)
    return json.loads(stdout.getvalue())


def _validate(output: dict) -> None:
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(output), key=lambda error: error.json_path)
    assert not errors, "\n".join(f"{error.json_path}: {error.message}" for error in errors)


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_names_every_key_of_the_contract_example():
    """Every key of the example in evaluation-output.md is a property of the schema (catches a schema drift)."""
    text = CONTRACT.read_text(encoding="utf-8")
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])

    def walk(value: dict, schema: dict, path: str) -> None:
        for key, item in value.items():
            if key == "...":
                continue
            properties = schema.get("properties", {})
            if properties:
                assert key in properties, f"{path}.{key} is not in the schema"
                if isinstance(item, dict) and "$ref" not in properties[key]:
                    walk(item, properties[key], f"{path}.{key}")

    walk(example, SCHEMA, "$")


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_output_follows_the_contract(tmp_path, releases, name):
    output = _evaluate(tmp_path, CASES[name])

    _validate(output)
    scores = output["scores"]
    low, high = scores["fong_crs_range"]
    assert low <= high
    assert scores["fong_crs"] == (low if low == high else None)
    if scores["tbs"] is not None:
        assert round(scores["tbs"], 2) == scores["tbs"]
    # Every lesion active at as_of has all six modalities; no other lesion has any.
    assert sorted(output["lesion_modalities"]) == sorted(output["facts"]["metastases"])
    # Findings in the table's order; a rule is a finding, undetermined, or nowhere.
    order = [rule.code for rule in RULES]
    codes = [finding["code"] for finding in output["findings"]]
    assert codes == sorted(codes, key=order.index)
    assert not set(codes) & {entry["code"] for entry in output["undetermined"]}
    assert set(PARAMETER_NAMES) <= set(output["parameters"])


def test_acc_output_has_the_crc_scores_present_as_unknown(tmp_path, releases):
    scores = _evaluate(tmp_path, ACC_CASE)["scores"]

    assert scores["fong_crs_range"] == [0, 5]  # "always [min, max]": no Fong component is assessed for ACC
    assert (scores["fong_crs"], scores["fong_risk"], scores["tbs"], scores["tbs_zone"]) == (None, None, None, None)
    assert scores["vigano"] == {
        "more_than_3_metastases": None,
        "size_ge_50mm": None,
        "cea_ge_200": None,
        "factor_count": None,
        "contraindicated": None,
        "survival_3y_pct": None,
        "survival_5y_pct": None,
    }
    assert scores["mensat_stage"] == "IVa"


def test_crc_output_keeps_what_the_scores_object_leaves_out_among_the_facts(tmp_path, releases):
    output = _evaluate(tmp_path, CRC_CASE)

    assert output["scores"]["fong_crs_range"] == [2, 2]
    assert output["facts"]["fong_components"]["node_positive_primary"] is True
    assert output["facts"]["vigano_factors"] == []
    assert output["facts"]["recist_baseline_sum_mm"] == 39
    assert output["facts"]["omd_state"] == output["omd_state"]


def test_unsized_lesion_gives_a_fong_range_and_unknown_tbs(tmp_path, releases):
    output = _evaluate(tmp_path, _unsized_crc())

    assert output["scores"]["fong_crs"] is None
    assert output["scores"]["fong_crs_range"] == [2, 3]
    assert output["scores"]["tbs"] is None
    assert output["scores"]["largest_metastasis_mm"] is None


@pytest.mark.parametrize("path", sorted(DEMO_CASES.glob("*.json")), ids=lambda path: path.stem)
def test_demo_case_files_follow_the_contract(tmp_path, releases, path):
    _validate(_evaluate(tmp_path, json.loads(path.read_text(encoding="utf-8"))))


def test_the_schema_refuses_an_extra_score_key(tmp_path, releases):
    output = _evaluate(tmp_path, CRC_CASE)
    output["scores"]["fong_components"] = {}

    with pytest.raises(AssertionError, match="fong_components"):
        _validate(output)

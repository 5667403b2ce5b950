"""The seed ACC case (Laganà 2026, clinical case) evaluated at several dates."""

import json
from pathlib import Path

import pytest

from guidance.engine import evaluate_default
from guidance.record import record_from_case_dict
from tests.guidance.records import codes, d, undetermined

DEMO_CASES = Path(__file__).resolve().parents[2] / "patients" / "demo_cases"
SEED = record_from_case_dict(json.loads((DEMO_CASES / "acc-seed.json").read_text()))


def at(as_of, **board_inputs):
    return evaluate_default(SEED, as_of=d(as_of), board_inputs=board_inputs)


def test_seed_patient_is_52_at_diagnosis():
    assert at("2016-06-20")["facts"]["age_years"] == 52


def test_2016_at_diagnosis_de_novo_synchronous_stage_iva():
    output = at("2016-06-20")

    assert output["is_oligometastatic"] == "true"
    assert output["scores"]["mensat_stage"] == "IVa"
    assert output["scores"]["tumour_involved_organs"] == 2
    assert (output["omd_state"]["genesis"], output["omd_state"]["timing"]) == ("de_novo", "synchronous")
    assert codes(output) == [
        "ACC-CLS-01",
        "ACC-CLS-03",
        "ACC-CLS-05",
        "ACC-CAU-04",
        "ACC-LT-07",
        "ACC-LT-10",
        "ACC-LT-11",
        "ACC-SYS-02",
        "ACC-SYS-03",
        "ACC-GEN-01",
    ]
    assert output["undetermined"] == []


def test_2017_after_surgery_no_active_disease():
    output = at("2017-05-01")

    assert output["omd_state"]["state"] == "no_active_metastatic_disease"
    assert output["facts"]["ki67_pct"] == 5  # 3–5% range reads its upper bound
    assert "ACC-LT-11" not in codes(output)


def test_2021_pulmonary_progression_after_46_disease_free_months():
    output = at("2021-03-01")

    assert output["scores"]["disease_free_interval_months"] == 46
    assert output["facts"]["ned_start"] == "2017-04-12"
    assert output["omd_state"]["genesis"] == "repeat"
    assert output["omd_state"]["course"] == "oligoprogression"  # on mitotane
    assert {"ACC-LT-03", "ACC-LT-05", "ACC-LT-06", "ACC-SYS-04", "ACC-MD-03"} <= set(codes(output))
    assert undetermined(output) == {"ACC-LT-01": ["board_inputs.complete_resection_feasible"]}


def test_2021_board_confirms_complete_resection_feasible():
    output = at("2021-03-01", complete_resection_feasible=True)

    assert "ACC-LT-01" in codes(output)
    assert "ACC-MD-03" not in codes(output)


def test_2022_single_large_retrocaval_progression_on_immunotherapy():
    output = at("2022-07-15")

    assert output["scores"]["largest_metastasis_mm"] == 60
    assert output["scores"]["recist"]["response"] == "PD"
    assert output["is_oligometastatic"] == "true"  # stage IVa
    assert output["omd_state"]["course"] == "oligoprogression"
    assert "ACC-LT-06" not in codes(output)  # a lesion >= 50 mm
    assert output["lesion_modalities"]["R1"]["surgery"]["rating"] == "option"
    assert {"ACC-LT-03", "ACC-SYS-04"} <= set(codes(output))


def test_2025_brain_metastases_on_mitotane():
    output = at("2025-03-15")

    assert output["facts"]["ki67_pct"] == 15
    assert output["facts"]["site_flags"]["brain"] is True
    assert {"ACC-LT-08", "ACC-LT-05", "ACC-LT-07", "ACC-SYS-04"} <= set(codes(output))
    assert "ACC-CAU-03" not in codes(output)  # Ki-67 15% is not > 15%
    assert output["lesion_modalities"]["B1"]["sbrt"]["rating"] == "option"
    assert output["lesion_modalities"]["B1"]["thermal_ablation"]["rating"] == "not_applicable"


def test_2025_04_after_resection_of_the_brain_lesions():
    output = at("2025-04-30")

    assert output["scores"]["metastasis_count"] == 3
    assert set(output["lesion_modalities"]) == {"L3", "L4", "L5"}
    assert "ACC-LT-08" not in codes(output)
    assert output["omd_state"]["genesis"] == "repeat"
    assert output["omd_state"]["omd_diagnosis_date"] == "2025-03-10"


@pytest.mark.parametrize("path", sorted(DEMO_CASES.glob("*.json")), ids=lambda path: path.name)
def test_every_demo_case_evaluates(path):
    record = record_from_case_dict(json.loads(path.read_text()))

    output = evaluate_default(record, as_of=d("2025-10-01"))

    assert output["disease"] in ("acc", "crc")
    assert json.loads(json.dumps(output)) == output

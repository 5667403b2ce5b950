"""Clinician-readable labels and where each missing fact or board input is entered (guidance/labels.py)."""

import itertools
import re
from pathlib import Path

import pytest

from guidance import labels
from guidance.conditions import BOARD_INPUT_CONDITION_NAMES, FACT_NAMES
from guidance.forms import BoardInputsForm
from guidance.ruleset_2026_1 import RULES
from tests.guidance.records import case, event, lesion, run

RECORD_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "patients" / "_record.html"


def _lesion_sets(disease: str):
    organ = "liver" if disease == "crc" else "lung"
    return {
        "none": [],
        "sized": [lesion("A", organ, "2024-04-28", 24), lesion("B", "liver", "2024-04-28", 35)],
        "unsized": [lesion("A", organ, "2024-04-28", 24), lesion("U", "liver", "2024-04-28", None)],
        "many": [lesion(f"M{n}", "liver", "2024-04-28", 10 + n) for n in range(7)],
        "extrahepatic": [
            lesion("A", "liver", "2024-04-28", 12),
            lesion("P", "lung", "2024-04-28", None),
            lesion("R", "local_recurrence", "2024-04-28", 15),
        ],
    }


def _battery():
    """Records with every kind of gap: no ECOG, no N status, no CEA, no diagnosis date, sizes missing, ..."""
    events = [
        event("diagnosis", "2022-11-15"),
        event("metastatic_diagnosis", "2024-04-28"),
        event("chemotherapy", "2024-05-01", line=None),
    ]
    for disease, ecog, n_status, cea, diagnosis, resection, lesions, board in itertools.product(
        ("acc", "crc"),
        ((), (("2024-05-02", 1),)),
        ("N1", None, "Nx"),
        ((), (("2024-04-28", 14.2),)),
        ("2022-11-15", None),
        ("2022-12-20", None),
        ("none", "sized", "unsized", "many", "extrahepatic"),
        ({}, {"all_sites_safely_treatable": True}),
    ):
        yield run(
            case(
                disease,
                lesions=_lesion_sets(disease)[lesions],
                events=events,
                ecog=ecog,
                n_status=n_status,
                cea=cea,
                diagnosis=diagnosis,
                resection=resection,
            ),
            "2024-05-10",
            board_inputs=board,
        )


@pytest.fixture(scope="module")
def reported_missing() -> set[str]:
    return {name for output in _battery() for entry in output["undetermined"] for name in entry["missing"]}


def test_every_fact_and_board_input_has_an_entry():
    names = set(FACT_NAMES) | set(BOARD_INPUT_CONDITION_NAMES)

    assert names - labels.names_with_entries() == set()


def test_every_unknown_label_of_the_ruleset_has_an_entry():
    unknown_labels = {label for rule in RULES for label in re.findall(r"unknown\(['\"](.+?)['\"]\)", rule.condition)}

    assert unknown_labels
    assert all(labels.entry(label) for label in unknown_labels)


def test_every_name_the_engine_reports_missing_has_an_entry(reported_missing):
    assert len(reported_missing) > 20
    assert {name for name in reported_missing if labels.entry(name) is None} == set()


def test_record_entries_point_at_sections_of_the_patient_page(reported_missing):
    section_ids = set(re.findall(r'<section id="([a-z-]+)"', RECORD_TEMPLATE.read_text(encoding="utf-8")))
    for name in reported_missing | labels.names_with_entries():
        found = labels.entry(name)
        if found["where"] == labels.RECORD:
            assert found["anchor"] in section_ids, name
            assert found["anchor"] in labels.RECORD_SECTIONS, name


def test_board_input_entries_point_at_the_board_inputs_form_fields():
    fields = set(BoardInputsForm.base_fields)
    for name in BOARD_INPUT_CONDITION_NAMES:
        found = labels.entry(name)
        assert found["where"] == labels.BOARD_INPUT
        assert found["anchor"] in fields


@pytest.mark.parametrize(
    ("name", "where", "anchor"),
    [
        ("is_oligometastatic", labels.DERIVED, ""),
        ("fong_crs", labels.DERIVED, ""),
        ("tbs", labels.DERIVED, ""),
        ("omd_state.course", labels.DERIVED, ""),
        ("board judgement: more than 5 lesions", labels.JUDGEMENT, ""),
        ("n_status", labels.RECORD, "primary"),
        ("ecog", labels.RECORD, "status"),
        ("cea_ng_ml", labels.RECORD, "labs"),
        ("size of lesion S4", labels.RECORD, "lesions"),
        ("largest_liver_mm", labels.RECORD, "lesions"),
        ("board_inputs.resectability", labels.BOARD_INPUT, "resectability"),
    ],
)
def test_where_a_missing_name_is_entered(name, where, anchor):
    assert (labels.entry(name)["where"], labels.entry(name)["anchor"]) == (where, anchor)


@pytest.mark.parametrize(
    ("name", "value", "label", "shown"),
    [
        ("all_liver_at_most(CRLM_TA_MAX_MM)", True, "All liver metastases ≤ 30 mm", "yes"),
        ("all_metastases_below(ACC_OMD_DIAMETER_BELOW_MM)", False, "All metastases < 30 mm", "no"),
        ("all_metastases_below(50)", None, "All metastases < 50 mm", "unknown"),
        ("largest_liver_mm", 24, "Largest liver metastasis", "24 mm"),
        ("ki67_pct", 8, "Ki-67", "8%"),
        ("disease_free_interval", 16, "Disease-free interval", "16 months"),
        ("crlm_presentation", "metachronous_late", "CRLM presentation", "metachronous late"),
        ("fong_crs", [2, 3], "Fong clinical risk score", "2–3 points"),
        ("metastases", ["S4", "S7"], "Active metastases", "S4, S7"),
        ("board_inputs.resectability", "upfront_resectable", "Resectability", "upfront resectable"),
    ],
)
def test_facts_used_read_as_labels_with_values(name, value, label, shown):
    [row] = labels.facts_used_rows({name: value}, {"CRLM_TA_MAX_MM": 30, "ACC_OMD_DIAMETER_BELOW_MM": 30})

    assert row == {"code": name, "label": label, "value": shown}


def test_every_fact_a_finding_can_use_has_a_readable_label():
    outputs = list(_battery())
    used = {name for output in outputs for finding in output["findings"] for name in finding["facts_used"]}

    unlabelled = {name for name in used if labels.fact_label(name, outputs[0]["parameters"]) == name.replace("_", " ")}
    assert unlabelled == set()

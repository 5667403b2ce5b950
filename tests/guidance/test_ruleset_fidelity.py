"""Release 2026.1 as stored follows decision-logic.md: §7 texts and sources, §3 values and sources.

The specification's §7 gives each rule a "Finding text" column and one "Evidence / source" column. The
stored rule keeps the text verbatim (a parameter named in it becomes a {NAME} placeholder filled with
the release's value; the "…" of GEN-MD-02 becomes the list of unsized lesions) and the whole
"Evidence / source" column as its evidence and its source, so no figure or qualifier of the
specification is lost (the missing-data rules, "–" there, have neither).
"""

import json
import re
from pathlib import Path

import pytest

from guidance.models import GuidelineRelease
from guidance.ruleset_2026_1 import PARAMETER_NAMES, PARAMETERS, RULES, release_data
from tests.guidance import spec

DATA_FILE = Path(__file__).resolve().parents[2] / "guidance" / "migrations" / "release_2026_1.json"

SPEC_RULES = spec.rules()
SPEC_PARAMETERS = spec.parameters()
STORED_RULES = {rule.code: rule for rule in RULES}
STORED_PARAMETERS = {parameter.name: parameter for parameter in PARAMETERS}


def expected_text(rule: spec.SpecRule) -> str:
    text = re.sub(r"`([A-Z][A-Z0-9_]+)`", r"{\1}", rule.text)
    return spec.plain(text).replace("lesion(s) …;", "lesion(s) {unsized_metastases};")


def test_the_data_file_and_the_ruleset_module_are_identical():
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == release_data()


def test_the_stored_rules_are_the_rules_of_section_7_in_table_order():
    assert list(SPEC_RULES) == [rule.code for rule in RULES]


@pytest.mark.parametrize("code", list(SPEC_RULES))
def test_stored_rule_follows_the_spec_table(code):
    row, stored = SPEC_RULES[code], STORED_RULES[code]

    assert stored.category == row.category
    assert stored.text == expected_text(row)
    assert stored.source == spec.plain(row.evidence_source)
    assert stored.evidence == stored.source  # one column in §7; empty only where it says "–"


@pytest.mark.parametrize("code", ["ACC-CLS-03", "ACC-LT-07", "ACC-SYS-03", "CRLM-LT-01", "CRLM-SYS-01", "CRLM-SYS-02"])
def test_spec_figures_stay_in_the_finding_text(code):
    figures = {
        "ACC-CLS-03": "median OS 68 months",
        "ACC-LT-07": "50–60 Gy",
        "ACC-SYS-03": "13% complete responses",
        "CRLM-LT-01": "40–50% 5-year OS",
        "CRLM-SYS-01": "EORTC 40983",
        "CRLM-SYS-02": "49.8% vs 38.7%",
    }
    assert figures[code] in STORED_RULES[code].text


def test_sources_are_the_full_spec_strings():
    assert (
        STORED_RULES["ACC-CLS-03"].source
        == "Roux et al. 2022 (60 stage-IVa patients, 109 procedures) via Laganà 2026 [ref 4]."
    )
    assert "(LiverMetSurvey, 6,415 patients)" in STORED_RULES["CRLM-PROG-05"].source
    assert "COLLISION 18% combined" in STORED_RULES["CRLM-LT-04"].source


def test_the_stored_parameters_are_the_parameters_of_section_3():
    assert set(SPEC_PARAMETERS) == set(PARAMETER_NAMES)


@pytest.mark.parametrize("name", sorted(SPEC_PARAMETERS))
def test_stored_parameter_follows_the_spec_table(name):
    row, stored = SPEC_PARAMETERS[name], STORED_PARAMETERS[name]

    assert stored.value == spec.default_number(row.default)
    assert stored.source == spec.plain(row.source)


def test_convention_sources_keep_their_explanation():
    assert STORED_PARAMETERS["ACC_LONG_INTERVAL_MIN_MONTHS"].source.startswith('Convention. The seed says "long"')
    assert (
        STORED_PARAMETERS["FRAIL_ECOG_MIN"].source == "Convention. The seeds name fitness factors but give no threshold"
    )


def _stored(release: GuidelineRelease) -> tuple[list, list]:
    rules = list(
        release.rules.order_by("order").values(
            "code", "scope", "category", "order", "condition", "text", "evidence", "source"
        )
    )
    parameters = list(release.parameters.order_by("name").values("name", "unit", "source", "note"))
    return rules, parameters


def _expected(disease: str) -> tuple[list, list]:
    data = release_data()
    rules = [rule for rule in data["rules"] if rule["scope"] in ("general", disease)]
    parameters = sorted(
        ({key: p[key] for key in ("name", "unit", "source", "note")} for p in data["parameters"]),
        key=lambda p: p["name"],
    )
    return rules, parameters


@pytest.mark.parametrize("disease", ["acc", "crc"])
def test_migrations_install_the_spec_wording(releases, disease):
    release = GuidelineRelease.objects.get(disease=disease, version="2026.1")

    assert _stored(release) == _expected(disease)

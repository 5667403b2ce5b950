import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guidance import engine, services
from tests.guidance.db_factories import ACC_CASE, CRC_CASE

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


def _case_file(tmp_path, case: dict) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    return str(path)


def _evaluate(*args: str) -> dict:
    stdout = StringIO()
    call_command("guidance", "evaluate", *args, stdout=stdout)
    return json.loads(stdout.getvalue())


def test_guidance_evaluate_prints_the_evaluation_json(tmp_path, releases):
    output = _evaluate(
        _case_file(tmp_path, CRC_CASE),
        "--as-of",
        "2026-10-01",
        "--board-inputs",
        '{"resectability": "upfront_resectable"}',
    )

    assert set(output) == OUTPUT_KEYS
    assert set(output["scores"]) >= SCORE_KEYS
    assert (output["disease"], output["as_of"], output["ruleset_version"]) == ("crc", "2026-10-01", "2026.1")
    assert output["board_inputs"]["resectability"] == "upfront_resectable"
    assert output["board_inputs"]["all_sites_safely_treatable"] is None
    assert output["disclaimer"] == engine.DISCLAIMER
    assert set(output["lesion_modalities"]) == {"S7", "S4"}
    for finding in output["findings"]:
        assert {"code", "category", "text", "evidence", "source", "facts_used"} <= set(finding)


def test_guidance_evaluate_uses_the_published_release_of_the_file_disease(tmp_path, releases):
    output = _evaluate(_case_file(tmp_path, ACC_CASE), "--as-of", "2026-10-01")

    assert output["disease"] == "acc"
    assert output["parameters"]["ACC_OMD_MAX_METASTASES"] == 5


def test_guidance_evaluate_with_an_older_release(tmp_path, releases, editor):
    draft = services.release_clone(release=services.release_current("acc"), version="2026.2", by=editor)
    draft.parameters.filter(name="ACC_OMD_MAX_METASTASES").update(value=2)
    services.release_publish(release=draft, by=editor)
    path = _case_file(tmp_path, ACC_CASE)

    current = _evaluate(path, "--as-of", "2026-10-01")
    old = _evaluate(path, "--as-of", "2026-10-01", "--release", "2026.1")

    assert (current["ruleset_version"], current["parameters"]["ACC_OMD_MAX_METASTASES"]) == ("2026.2", 2)
    assert (old["ruleset_version"], old["parameters"]["ACC_OMD_MAX_METASTASES"]) == ("2026.1", 5)


def test_guidance_evaluate_refuses_a_bad_case_file_naming_the_path(tmp_path, releases):
    case = copy.deepcopy(CRC_CASE)
    case["lesions"][0]["measurements"][0]["size_mm"] = -3

    with pytest.raises(CommandError) as raised:
        _evaluate(_case_file(tmp_path, case))

    assert raised.value.returncode != 0
    assert "lesions[0].measurements[0].size_mm" in str(raised.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-13-01"], "--as-of"),
        (["--board-inputs", "{not json"], "--board-inputs"),
        (["--board-inputs", '["resectability"]'], "--board-inputs"),
        (["--board-inputs", '{"resectabilty": "unresectable"}'], "resectabilty"),
        (["--release", "1999.9"], "--release"),
    ],
)
def test_guidance_evaluate_refuses_bad_arguments(tmp_path, releases, args, message):
    with pytest.raises(CommandError) as raised:
        _evaluate(_case_file(tmp_path, CRC_CASE), *args)

    assert raised.value.returncode != 0
    assert message in str(raised.value)


def test_guidance_evaluate_refuses_a_missing_file(tmp_path, releases):
    with pytest.raises(CommandError) as raised:
        _evaluate(str(tmp_path / "missing.json"))

    assert "missing.json" in str(raised.value)


def test_guidance_evaluate_refuses_invalid_json(tmp_path, releases):
    path = tmp_path / "case.json"
    path.write_text("{")

    with pytest.raises(CommandError) as raised:
        _evaluate(str(path))

    assert "not valid JSON" in str(raised.value)


def test_guidance_releases_lists_releases(releases):
    stdout = StringIO()

    call_command("guidance", "releases", stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert lines[0].split() == ["disease", "version", "status", "effective", "rules", "parameters"]
    assert any(line.split()[:3] == ["acc", "2026.1", "published"] for line in lines[1:])
    assert any(line.split()[:3] == ["crc", "2026.1", "published"] for line in lines[1:])

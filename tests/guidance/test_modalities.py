"""Lesion-level modality ratings (§8)."""

import pytest

from guidance.modalities import acc_modalities, crlm_modalities
from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS as P
from tests.guidance.records import case, event, lesion, run

MODALITIES = ("surgery", "thermal_ablation", "sbrt", "conventional_rt", "tace", "tare")


def ratings(grid):
    return tuple(grid[modality]["rating"] for modality in MODALITIES)


O, C, NS, NA, NE = "option", "option_with_caution", "not_suitable", "not_applicable", "no_evidence_in_sources"  # noqa: E741 (the ratings as one letter each)


@pytest.mark.parametrize(
    ("organ", "size", "expected"),
    [
        ("liver", 29, (O, O, C, C, O, C)),
        ("liver", 30, (O, C, C, C, C, C)),
        ("lung", 29, (O, O, O, O, NA, NA)),
        ("lung", 30, (O, C, O, O, NA, NA)),
        ("bone", 10, (O, NE, O, O, NA, NA)),
        ("brain", 10, (O, NA, O, O, NA, NA)),
        ("peritoneum", 29, (O, O, C, C, NA, NA)),
        ("peritoneum", 30, (O, C, C, C, NA, NA)),
        ("local_recurrence", 10, (O, NE, O, O, NA, NA)),
        ("retroperitoneum", 10, (O, NE, C, C, NA, NA)),
        ("lymph_node", 10, (O, NE, C, C, NA, NA)),
        ("pleura", 10, (O, NE, C, C, NA, NA)),
        ("soft_tissue", 10, (O, NE, C, C, NA, NA)),
        ("other", 10, (O, NE, C, C, NA, NA)),
        ("liver", None, (O, C, C, C, C, C)),
    ],
)
def test_acc_grid(organ, size, expected):
    assert ratings(acc_modalities(organ, size, P, rt_caution=False)) == expected


@pytest.mark.parametrize(
    ("organ", "rt_caution", "rt_rating"),
    [
        ("lung", True, C),
        ("bone", True, C),
        ("brain", True, C),
        ("local_recurrence", True, C),
        ("lung", None, O),
        ("liver", True, C),
        ("retroperitoneum", False, C),
    ],
)
def test_acc_rt_downgrade_when_cau_03(organ, rt_caution, rt_rating):
    grid = acc_modalities(organ, 10, P, rt_caution=rt_caution)

    assert grid["sbrt"]["rating"] == grid["conventional_rt"]["rating"] == rt_rating
    if rt_caution and organ in ("lung", "bone", "brain", "local_recurrence"):
        assert any("ACC-CAU-03" in reason for reason in grid["sbrt"]["reasons"])


@pytest.mark.parametrize(
    ("size", "thermal"),
    [(20, O), (21, C), (30, C), (31, NS), (None, C)],
)
def test_crlm_liver_grid(size, thermal):
    assert ratings(crlm_modalities("liver", size, P)) == (O, thermal, C, NE, C, C)


@pytest.mark.parametrize("organ", ["lung", "bone", "peritoneum", "lymph_node", "other"])
def test_crlm_other_organs(organ):
    assert ratings(crlm_modalities(organ, 10, P)) == (NE, NE, NE, NE, NA, NA)


def test_every_rating_has_reasons_except_no_evidence_rt():
    grid = crlm_modalities("liver", 25, P)

    assert all(grid[m]["reasons"] for m in MODALITIES if m != "conventional_rt")
    assert "margin" in grid["thermal_ablation"]["reasons"][0]


def test_engine_rates_active_metastases_with_acc_cau_03():
    case_dict = case(
        "acc",
        lesions=[lesion("L1", "lung", "2026-09-14", 12), lesion("X", "lung", "2020-01-01", 9, removed="2021-01-01")],
        events=[event("diagnosis", "2018-02-12"), event("recurrence", "2026-09-14")],
        diagnosis="2018-02-12",
        resection="2018-03-01",
        ki67=(("2018-03-01", 16),),
        hormone_excess=False,
        ecog=(("2026-09-20", 0),),
    )

    output = run(case_dict, "2026-10-01")

    assert list(output["lesion_modalities"]) == ["L1"]
    assert output["lesion_modalities"]["L1"]["sbrt"]["rating"] == C


def test_crlm_unmeasured_liver_lesion_says_the_size_is_unknown_and_assumes_nothing():
    thermal = crlm_modalities("liver", None, P)["thermal_ablation"]

    assert thermal["rating"] == C
    [reason] = thermal["reasons"]
    assert reason.startswith("Size not measured")
    assert "assumes nothing about size" in reason
    assert "up to 30 mm" in reason and "over 30 mm" in reason
    assert "to be confirmed" in reason


@pytest.mark.parametrize("modality", ["thermal_ablation", "tace"])
def test_acc_unmeasured_liver_lesion_says_the_size_is_unknown(modality):
    rating = acc_modalities("liver", None, P, rt_caution=False)[modality]

    assert rating["rating"] == C
    assert rating["reasons"][0].startswith("Size not measured")
    assert "below 30 mm" in rating["reasons"][0]


def test_measured_lesions_do_not_carry_the_size_note():
    grids = [crlm_modalities("liver", size, P) for size in (10, 25, 35)] + [acc_modalities("liver", 10, P, False)]

    assert not any(
        reason.startswith("Size not measured")
        for grid in grids
        for rating in grid.values()
        for reason in rating["reasons"]
    )


def test_crlm_thermal_reason_follows_a_fractional_caution_threshold():
    thermal = crlm_modalities("liver", 20.6, {**P, "CRLM_TA_CAUTION_ABOVE_MM": 20.5})["thermal_ablation"]

    assert thermal["rating"] == C
    assert thermal["reasons"][0].startswith("Over 20.5 mm and up to 30 mm")

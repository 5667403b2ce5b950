from datetime import date

import pytest

from guidance.derive import Timeline
from guidance.record import record_from_case_dict
from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS
from guidance.scores import fong_score, recist, tumour_burden_score, vigano
from tests.guidance.records import case, event, lesion, run

P = DEFAULT_PARAMETERS


@pytest.mark.parametrize(
    ("node", "first", "resection", "count", "sizes", "cea", "expected", "risk"),
    [
        (False, date(2024, 1, 10), date(2023, 1, 10), 1, [20], 10, (0, 0), "low"),  # exactly 12 months: no DFI point
        (False, date(2024, 1, 9), date(2023, 1, 10), 1, [20], 10, (1, 1), "low"),
        (True, date(2022, 1, 1), None, 2, [51], 201, (5, 5), "high"),  # primary unresected: DFI 0 months
        (True, date(2023, 1, 10), date(2023, 1, 10), 2, [50], 200, (3, 3), "high"),  # found on resection day
        (None, date(2024, 6, 1), date(2023, 1, 10), 2, [10, None], None, (1, 4), None),
        (None, date(2024, 6, 1), date(2023, 1, 10), 1, [10], None, (0, 2), "low"),
        (True, date(2023, 2, 1), date(2023, 1, 10), 2, [60, None], None, (4, 5), "high"),
    ],
)
def test_fong_score_and_range(node, first, resection, count, sizes, cea, expected, risk):
    fong = fong_score(
        node_positive=node,
        first_liver_date=first,
        resection_date=resection,
        liver_count=count,
        liver_sizes=sizes,
        cea=cea,
        parameters=P,
    )

    assert (fong.range.low, fong.range.high) == expected
    assert fong.risk == risk


def test_fong_missing_names_inputs():
    fong = fong_score(
        node_positive=None,
        first_liver_date=date(2024, 6, 1),
        resection_date=date(2023, 1, 10),
        liver_count=2,
        liver_sizes=[10, None],
        cea=None,
        parameters=P,
    )

    assert fong.missing == ("n_status", "largest_liver_mm", "cea_ng_ml")


@pytest.mark.parametrize(
    ("sizes", "parameters", "tbs", "zone"),
    [
        ([20], {}, 2.236, "low"),
        ([28, 10], {}, 3.441, "medium"),
        ([30, 10, 10, 10], {"TBS_MEDIUM_MIN": 5}, 5.0, "medium"),  # exactly at the cut-off (3-4-5)
        ([30, 10, 10, 10], {"TBS_MEDIUM_MIN": 5.01}, 5.0, "low"),
        ([30, 10, 10, 10], {"TBS_HIGH_MIN": 5}, 5.0, "high"),
        ([70, 10, 10, 10, 10], {}, 8.602, "medium"),
        ([72] + [10] * 5, {}, 9.372, "high"),
    ],
)
def test_tbs_zones(sizes, parameters, tbs, zone):
    value, result_zone = tumour_burden_score(sizes, {**P, **parameters})

    assert value == pytest.approx(tbs, abs=0.001)
    assert result_zone == zone


def test_tbs_unknown_with_a_missing_size():
    assert tumour_burden_score([20, None], P) == (None, None)


@pytest.mark.parametrize(
    ("count", "sizes", "cea", "pattern", "contraindicated", "survival"),
    [
        (1, [10], 10, (False, False, False), False, (60.5, 53.3)),
        (4, [10] * 4, 10, (True, False, False), False, (38.2, 29.9)),
        (1, [50], 10, (False, True, False), False, (26.7, 19.1)),
        (1, [49], 200, (False, False, True), True, (7.9, 4.1)),
        (1, [49], 199, (False, False, False), False, (60.5, 53.3)),
        (4, [50, 1, 1, 1], 10, (True, True, False), True, (8.0, 4.2)),
        (4, [10] * 4, 300, (True, False, True), True, (0.8, 0.2)),
        (1, [60], 300, (False, True, True), True, (0.1, 0)),
        (5, [60] * 5, 300, (True, True, True), True, (0, 0)),
        (4, [10, None, 10, 10], 10, (True, None, False), None, (None, None)),
        (3, [10, None, 10], 10, (False, None, False), False, (None, None)),
        (1, [10], None, (False, False, None), None, (None, None)),
    ],
)
def test_vigano_factors_and_survival(count, sizes, cea, pattern, contraindicated, survival):
    result = vigano(liver_count=count, liver_sizes=sizes, cea=cea, parameters=P)

    assert (result["more_than_3_metastases"], result["size_ge_50mm"], result["cea_ge_200"]) == pattern
    assert result["contraindicated"] is contraindicated
    assert (result["survival_3y_pct"], result["survival_5y_pct"]) == survival


def _recist_case(measurements, events=(), extra_lesions=()):
    lesions = [lesion(id, organ, points[0][0], points) for id, organ, points in measurements] + list(extra_lesions)
    return case(
        "crc",
        lesions=lesions,
        events=[event("diagnosis", "2022-11-15"), event("metastatic_diagnosis", "2024-01-10"), *events],
    )


def _recist(case_dict, as_of):
    timeline = Timeline(record_from_case_dict(case_dict), P, date.fromisoformat(as_of))
    return recist(timeline, P)


@pytest.mark.parametrize(
    ("points_a", "points_b", "response"),
    [
        ([("2024-01-10", 10), ("2024-03-10", 12)], [("2024-01-10", 10), ("2024-03-10", 12)], "SD"),  # +20% but +4 mm
        ([("2024-01-10", 10), ("2024-03-10", 13)], [("2024-01-10", 10), ("2024-03-10", 12)], "PD"),  # +25%, +5 mm
        ([("2024-01-10", 20), ("2024-03-10", 14)], [("2024-01-10", 20), ("2024-03-10", 14)], "PR"),  # exactly 70%
        ([("2024-01-10", 20), ("2024-03-10", 15)], [("2024-01-10", 20), ("2024-03-10", 14)], "SD"),
        ([("2024-01-10", 20)], [("2024-01-10", 20)], "NE"),
        ([("2024-01-10", 20), ("2024-03-10", 20)], [("2024-01-10", 20)], "NE"),  # a target unmeasured
    ],
)
def test_recist_response(points_a, points_b, response):
    case_dict = _recist_case([("A", "liver", points_a), ("B", "lung", points_b)])

    assert _recist(case_dict, "2024-04-01").response == response


def test_recist_pd_from_nadir_not_baseline():
    case_dict = _recist_case([("A", "liver", [("2024-01-10", 40), ("2024-02-10", 20), ("2024-03-10", 25)])])

    result = _recist(case_dict, "2024-04-01")

    assert (result.baseline_sum, result.nadir_sum, result.current_sum, result.response) == (40, 20, 25, "PD")


def test_recist_new_lesion_is_pd():
    case_dict = _recist_case(
        [("A", "liver", [("2024-01-10", 40), ("2024-03-10", 20)])], extra_lesions=[lesion("N", "bone", "2024-03-10", 8)]
    )

    assert _recist(case_dict, "2024-04-01").response == "PD"


def test_recist_complete_response_when_targets_removed():
    case_dict = _recist_case(
        [
            ("A", "liver", [("2024-01-10", 40), ("2024-02-10", 20)]),
            ("B", "liver", [("2024-01-10", 10), ("2024-03-10", 10)]),
        ]
    )
    case_dict["lesions"][0]["removed_on"] = "2024-03-01"
    case_dict["lesions"][0]["removal"] = "ablation"
    case_dict["lesions"][1]["removed_on"] = "2024-03-20"
    case_dict["lesions"][1]["removal"] = "disappeared"
    case_dict["lesions"][1]["measurements"].append({"date": "2024-03-25", "size_mm": 0.5})

    assert _recist(case_dict, "2024-04-01").response == "CR"


def test_recist_targets_max_two_per_organ_and_five_overall_measurable_only():
    lesions = [
        ("L1", "liver", [("2024-01-10", 50)]),
        ("L2", "liver", [("2024-01-10", 40)]),
        ("L3", "liver", [("2024-01-10", 60)]),
        ("P1", "lung", [("2024-01-10", 9)]),
        ("P2", "lung", [("2024-01-10", 12)]),
        ("B1", "bone", [("2024-01-10", 20)]),
        ("S1", "soft_tissue", [("2024-01-10", 30)]),
        ("O1", "other", [("2024-01-10", 11)]),
    ]
    case_dict = _recist_case(lesions, extra_lesions=[lesion("N1", "lymph_node", "2024-01-10", 14)])

    result = _recist(case_dict, "2024-01-20")

    assert result.targets == ("B1", "L1", "L3", "P2", "S1")
    assert result.baseline_sum == 172


def test_recist_baseline_is_last_assessment_before_latest_systemic_therapy():
    case_dict = _recist_case(
        [("A", "liver", [("2024-01-10", 30), ("2024-02-01", 40), ("2024-05-01", 26)])],
        events=[event("chemotherapy", "2024-02-05", regimen="FOLFOX", line=1)],
    )

    result = _recist(case_dict, "2024-05-10")

    assert result.baseline.isoformat() == "2024-02-01"
    assert result.response == "PR"


def test_recist_radiologist_report_overrides():
    case_dict = _recist_case(
        [("A", "liver", [("2024-01-10", 30), ("2024-03-10", 30)])],
        events=[event("imaging", "2024-03-10", recist_overall="PD")],
    )

    result = _recist(case_dict, "2024-04-01")

    assert result.response == "PD"
    assert result.radiologist is True


def test_recist_old_radiologist_report_does_not_override_a_later_assessment():
    case_dict = _recist_case(
        [("A", "liver", [("2024-01-10", 30), ("2024-03-10", 30), ("2024-05-10", 30)])],
        events=[event("imaging", "2024-03-10", recist_overall="PD")],
    )

    assert _recist(case_dict, "2024-06-01").response == "SD"


def test_recist_in_output():
    output = run(
        _recist_case(
            [
                ("A", "liver", [("2024-01-10", 10), ("2024-03-10", 12)]),
                ("B", "liver", [("2024-01-10", 10), ("2024-03-10", 12)]),
            ]
        ),
        "2024-04-01",
    )

    assert output["scores"]["recist"] == {
        "response": "SD",
        "baseline": "2024-01-10",
        "nadir": 20,
        "current": 24,
        "targets": ["A", "B"],
    }
    assert (
        output["facts"]["recist_baseline_sum_mm"],
        output["facts"]["recist_current_date"],
        output["facts"]["recist_reported_by_radiologist"],
    ) == (20, "2024-03-10", False)

"""Derived facts (§2.2) not covered through the rules."""

from datetime import date

import pytest

from guidance.conditions import NOT_APPLICABLE, MonthInterval
from guidance.derive import derive_facts
from guidance.record import normalise_board_inputs, record_from_case_dict
from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS
from tests.guidance.records import case, event, lesion


def facts(case_dict, as_of="2024-05-10", board_inputs=None):
    record = record_from_case_dict(case_dict)
    return derive_facts(
        record, normalise_board_inputs(board_inputs), DEFAULT_PARAMETERS, date.fromisoformat(as_of)
    ).namespace


def test_age_in_completed_years():
    assert facts(case("crc", birth="1958-05-11"))["age_years"] == 65
    assert facts(case("crc", birth="1958-05-10"))["age_years"] == 66


@pytest.mark.parametrize(
    ("lesions", "count", "sites", "largest", "distant"),
    [
        ([lesion("A", "liver", sizes=20), lesion("B", "liver", sizes=35)], 2, 1, 35, True),
        ([lesion("A", "liver", sizes=20), lesion("B", "lung", sizes=None)], 2, 2, None, True),
        ([lesion("A", "liver", sizes=20, removed="2024-05-01")], 0, 0, NOT_APPLICABLE, False),
        ([lesion("A", "liver", detected="2024-06-01", sizes=20)], 0, 0, NOT_APPLICABLE, False),
    ],
)
def test_metastasis_counts_and_sizes(lesions, count, sites, largest, distant):
    namespace = facts(case("crc", lesions=lesions))

    assert (
        namespace["metastasis_count"],
        namespace["metastatic_sites"],
        namespace["largest_metastasis_mm"],
        namespace["distant_metastasis_present"],
    ) == (count, sites, largest, distant)


def test_latest_measurement_on_or_before_as_of_is_the_size():
    namespace = facts(
        case(
            "crc",
            lesions=[
                lesion("A", sizes=[("2024-01-01", 20), ("2024-05-01", 25), ("2024-06-01", 40)], detected="2024-01-01")
            ],
        )
    )

    assert namespace["largest_metastasis_mm"] == 25


def test_acc_regional_nodes_count_as_one_site():
    lesions = [
        lesion("N1", "lymph_node", regional=True, sizes=12),
        lesion("N2", "lymph_node", regional=True, sizes=12),
        lesion("L1", "lung", sizes=8),
    ]

    namespace = facts(case("acc", lesions=lesions))

    assert (namespace["metastasis_count"], namespace["metastatic_sites"]) == (3, 2)


def test_irradiated_lesions_stay_active():
    events = [event("sbrt", "2024-05-01", lesion_ids=["A"])]

    namespace = facts(case("crc", lesions=[lesion("A", sizes=20)], events=events))

    assert namespace["metastasis_count"] == 1


def test_ned_start_requires_no_active_or_new_lesion():
    lesions = [
        lesion("A", detected="2023-03-01", sizes=10, removed="2023-04-01"),
        lesion("B", detected="2024-04-28", sizes=10),
    ]
    events = [event("metastatic_diagnosis", "2023-03-01"), event("recurrence", "2024-04-28")]

    namespace = facts(case("crc", lesions=lesions, events=events))

    assert namespace["ned_start"] == date(2023, 4, 1)
    assert namespace["disease_free_interval"] == MonthInterval(date(2023, 4, 1), date(2024, 4, 28))
    assert namespace["recurrence_after_ned"] is True
    assert namespace["event_free_interval"] == MonthInterval(date(2023, 4, 1), date(2024, 4, 28))
    assert namespace["dfi_after_primary_surgery"] == MonthInterval(date(2022, 12, 20), date(2023, 3, 1))
    assert namespace["new_lesions_at_episode"] is True
    assert namespace["metastatic_treatment_naive"] is False


def test_active_systemic_end_is_inclusive_and_null_is_ongoing():
    events = [event("mitotane", "2024-01-01", "2024-05-10"), event("chemotherapy", "2023-01-01", "2023-06-01")]

    namespace = facts(case("acc", events=events))

    assert namespace["active_systemic"] is True
    assert namespace["active_chemotherapy"] is False
    assert facts(case("acc", events=[event("immunotherapy", "2024-01-01")]))["active_systemic"] is True


@pytest.mark.parametrize(("cea_date", "value"), [("2024-02-10", 7.5), ("2024-02-09", None)])
def test_cea_valid_for_90_days(cea_date, value):
    assert facts(case("crc", cea=((cea_date, 7.5),)))["cea_ng_ml"] == value


def test_liver_directed_local_treatment_needs_a_liver_lesion():
    lesions = [
        lesion("A", "liver", sizes=10, removed="2024-05-01"),
        lesion("P", "lung", sizes=10, removed="2024-05-01"),
    ]

    assert (
        facts(case("crc", lesions=lesions, events=[event("metastasectomy", "2024-05-01", lesion_ids=["P"])]))[
            "liver_directed_local_treatment_done"
        ]
        is False
    )
    assert (
        facts(
            case(
                "crc",
                lesions=lesions,
                events=[event("thermal_ablation", "2024-05-01", lesion_ids=["A"], subtype="mwa")],
            )
        )["liver_directed_local_treatment_done"]
        is True
    )


def test_board_inputs_are_normalised():
    assert normalise_board_inputs({"resectability": "", "primary_controllable": "true", "other": 1}) == {
        "resectability": None,
        "all_sites_safely_treatable": None,
        "complete_resection_feasible": None,
        "primary_controllable": True,
        "polymetastatic_history": None,
    }
    with pytest.raises(ValueError):
        normalise_board_inputs({"resectability": "maybe"})

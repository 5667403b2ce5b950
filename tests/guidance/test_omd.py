"""OMD state (§5): genesis, timing and course from the timeline."""

import pytest

from guidance.omd import state_label
from tests.guidance.records import case, event, lesion, run

SAFE = {"all_sites_safely_treatable": True}


def crc_case(lesions, events, resection="2022-12-20"):
    return case("crc", lesions=lesions, events=[event("diagnosis", "2022-11-15"), *events], resection=resection)


def test_de_novo_synchronous():
    output = run(
        crc_case([lesion("H1", "liver", "2023-03-01", 20)], [event("metastatic_diagnosis", "2023-03-01")]),
        "2023-03-10",
        board_inputs=SAFE,
    )

    assert output["omd_state"] == {
        "state": None,
        "genesis": "de_novo",
        "timing": "synchronous",
        "course": None,
        "omd_diagnosis_date": "2023-03-01",
        "episode_event": "metastatic_diagnosis",
        "episode_date": "2023-03-01",
    }
    assert state_label(output["omd_state"]) == "de novo synchronous OMD"
    assert output["scores"]["crlm_presentation"] == "metachronous_early"  # CRLM terms use other anchors


@pytest.mark.parametrize(("detected", "timing"), [("2023-05-15", "synchronous"), ("2023-05-16", "metachronous")])
def test_synchronous_boundary_six_months_inclusive(detected, timing):
    output = run(
        crc_case([lesion("H1", "liver", detected, 20)], [event("metastatic_diagnosis", detected)]),
        "2023-06-01",
        board_inputs=SAFE,
    )

    assert output["omd_state"]["timing"] == timing


@pytest.mark.parametrize(
    ("events", "course"),
    [
        ([], "oligorecurrence"),
        ([event("chemotherapy", "2024-01-01", regimen="FOLFOX", line=1)], "oligoprogression"),
        ([event("chemotherapy", "2024-04-28", regimen="FOLFOX", line=1)], "oligoprogression"),  # starts on D
        ([event("chemotherapy", "2024-04-29", regimen="FOLFOX", line=1)], "oligorecurrence"),  # after D
    ],
)
def test_de_novo_metachronous_course(events, course):
    output = run(
        crc_case([lesion("H1", "liver", "2024-04-28", 20)], [event("metastatic_diagnosis", "2024-04-28"), *events]),
        "2024-05-10",
        board_inputs=SAFE,
    )

    assert (output["omd_state"]["genesis"], output["omd_state"]["timing"], output["omd_state"]["course"]) == (
        "de_novo",
        "metachronous",
        course,
    )


def test_repeat_oligorecurrence():
    lesions = [lesion("H1", "liver", "2024-04-28", 20, removed="2024-05-20"), lesion("H2", "liver", "2025-03-01", 15)]
    events = [
        event("metastatic_diagnosis", "2024-04-28"),
        event("metastasectomy", "2024-05-20", lesion_ids=["H1"]),
        event("recurrence", "2025-03-01"),
    ]

    output = run(crc_case(lesions, events), "2025-03-10", board_inputs=SAFE)

    assert (output["omd_state"]["genesis"], output["omd_state"]["course"]) == ("repeat", "oligorecurrence")
    assert state_label(output["omd_state"]) == "repeat oligorecurrence"


def test_induced_oligopersistence_after_response():
    lesions = [
        lesion(
            f"H{i}",
            "liver",
            "2024-01-10",
            [("2024-01-10", 20), ("2024-04-10", 0.0 + 15)],
            removed="2024-04-10" if i > 3 else None,
            removal="disappeared",
        )
        for i in range(1, 8)
    ]
    events = [
        event("metastatic_diagnosis", "2024-01-10"),
        event("chemotherapy", "2024-01-20", regimen="FOLFOX", line=1),
    ]

    output = run(crc_case(lesions, events), "2024-04-20", board_inputs=SAFE)

    assert output["is_oligometastatic"] == "true"
    assert output["omd_state"]["genesis"] == "induced"
    assert output["omd_state"]["course"] == "oligopersistence"
    assert output["omd_state"]["omd_diagnosis_date"] == "2024-04-10"


def test_board_polymetastatic_history_gives_induced():
    output = run(
        crc_case([lesion("H1", "liver", "2024-04-28", 20)], [event("metastatic_diagnosis", "2024-04-28")]),
        "2024-05-10",
        board_inputs={**SAFE, "polymetastatic_history": True},
    )

    assert output["omd_state"]["genesis"] == "induced"
    assert output["omd_state"]["course"] == "oligorecurrence"


@pytest.mark.parametrize(
    ("inputs", "lesions", "state", "verdict"),
    [
        ({}, [lesion("H1", "liver", "2024-04-28", 20)], "undetermined", "undetermined"),
        (
            {"all_sites_safely_treatable": False},
            [lesion("H1", "liver", "2024-04-28", 20)],
            "not_oligometastatic",
            "false",
        ),
        (
            SAFE,
            [lesion("H1", "liver", "2024-04-28", 20, removed="2024-05-01")],
            "no_active_metastatic_disease",
            "false",
        ),
    ],
)
def test_states_without_genesis(inputs, lesions, state, verdict):
    output = run(crc_case(lesions, [event("metastatic_diagnosis", "2024-04-28")]), "2024-05-10", board_inputs=inputs)

    assert output["is_oligometastatic"] == verdict
    assert output["omd_state"]["state"] == state
    assert (output["omd_state"]["genesis"], output["omd_state"]["timing"], output["omd_state"]["course"]) == (
        None,
        None,
        None,
    )


def test_implicit_metastatic_diagnosis_from_first_detection():
    output = run(crc_case([lesion("H1", "liver", "2024-04-28", 20)], []), "2024-05-10", board_inputs=SAFE)

    assert output["facts"]["episode_events"] == [
        {"type": "metastatic_diagnosis", "date": "2024-04-28", "implicit": True}
    ]
    assert output["omd_state"]["episode_date"] == "2024-04-28"


def test_missing_diagnosis_date_leaves_de_novo_timing_unknown():
    case_dict = crc_case([lesion("H1", "liver", "2024-04-28", 20)], [event("metastatic_diagnosis", "2024-04-28")])
    case_dict["primary"]["diagnosis_date"] = None

    output = run(case_dict, "2024-05-10", board_inputs=SAFE)

    assert output["omd_state"]["genesis"] == "de_novo"
    assert output["omd_state"]["timing"] is None

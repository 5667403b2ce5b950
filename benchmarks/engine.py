"""Time the pure guidance engine (no Django): `python -m benchmarks.engine`.

Prints one line per figure: `name value unit`.
"""

import statistics
import time
from datetime import date, timedelta

from guidance.engine import evaluate
from guidance.record import CaseRecord, record_from_case_dict
from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS, RULES, VERSION

RUNS = 200
AS_OF = date(2026, 10, 1)
ORGANS = ("liver", "lung", "bone", "peritoneum", "liver", "liver", "lymph_node", "liver")
EVENT_CYCLE = (
    "imaging",
    "chemotherapy",
    "imaging",
    "sbrt",
    "imaging",
    "thermal_ablation",
    "imaging",
    "progression",
    "imaging",
    "metastasectomy",
)


def build_case(lesion_count: int, measurements: int, event_count: int, disease: str = "crc") -> dict:
    start = date(2019, 1, 15)
    lesions = []
    for index in range(lesion_count):
        detected = start + timedelta(days=30 * (index % 12))
        lesions.append(
            {
                "id": f"M{index:02d}",
                "organ": ORGANS[index % len(ORGANS)],
                "regional_node": False,
                "detected_on": detected.isoformat(),
                "measurements": [
                    {
                        "date": (detected + timedelta(days=90 * step)).isoformat(),
                        "size_mm": 8 + (index * 7 + step * 3) % 40,
                    }
                    for step in range(measurements)
                ],
                "removed_on": None,
                "removal": None,
            }
        )
    events = [
        {"type": "diagnosis", "start": "2018-11-02", "end": None},
        {"type": "primary_resection", "start": "2018-12-01", "end": None, "margin": "R0"},
        {"type": "metastatic_diagnosis", "start": start.isoformat(), "end": None},
    ]
    line = 1
    for index in range(event_count - len(events)):
        kind = EVENT_CYCLE[index % len(EVENT_CYCLE)]
        day = start + timedelta(days=20 * (index + 1))
        event = {"type": kind, "start": day.isoformat(), "end": None}
        if kind == "chemotherapy":
            event.update(end=(day + timedelta(days=60)).isoformat(), regimen="FOLFOX", line=line, lesion_ids=[])
            line = min(line + 1, 20)
        elif kind in ("sbrt", "thermal_ablation", "metastasectomy"):
            event["lesion_ids"] = [lesions[index % lesion_count]["id"]]
        events.append(event)
    return {
        "format": "oligoboard-case/1",
        "patient": {
            "birth_date": "1955-03-03",
            "sex": "M",
            "ecog": [{"date": "2026-09-01", "value": 1}],
            "comorbidities": [],
            "frailty_assessments": [],
        },
        "primary": {
            "disease": disease,
            "site": "sigmoid_colon",
            "diagnosis_date": "2018-11-02",
            "t_stage": "T3",
            "n_status": "N1",
            "resection": {"date": "2018-12-01", "margin": "R0"},
            "ki67": [],
            "hormone_excess": None,
            "glucocorticoid_excess": None,
            "hormone_excess_uncontrolled": None,
        },
        "lesions": lesions,
        "events": events,
        "labs": {"cea": [{"date": "2026-09-01", "value_ng_ml": 12.5}]},
    }


def time_evaluate(record: CaseRecord, runs: int = RUNS) -> tuple[float, float]:
    """Return (median, p95) milliseconds of engine.evaluate over `runs` runs (after one warm-up)."""
    board_inputs = {"all_sites_safely_treatable": True, "resectability": "upfront_resectable"}

    def once():
        return evaluate(
            record,
            board_inputs=board_inputs,
            parameters=DEFAULT_PARAMETERS,
            rules=RULES,
            as_of=AS_OF,
            ruleset_version=VERSION,
        )

    once()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]


def main() -> None:
    for name, lesions, measurements, events in (("heavy", 40, 8, 150), ("typical", 5, 3, 20)):
        for disease in ("crc", "acc"):
            case = build_case(lesions, measurements, events, disease)
            if disease == "acc":
                case["primary"].update(
                    site="left_adrenal",
                    hormone_excess=False,
                    glucocorticoid_excess=False,
                    ki67=[{"date": "2018-12-01", "value_pct": 12}],
                )
                case["labs"]["cea"] = []
            record = record_from_case_dict(case)
            median, p95 = time_evaluate(record)
            print(f"engine_evaluate_{name}_{disease}_median {median:.2f} ms")
            print(f"engine_evaluate_{name}_{disease}_p95 {p95:.2f} ms")
    # Heavy record reduced to oligometastatic disease: the OMD history is scanned over every assessment date.
    case = build_case(40, 8, 150, "crc")
    for index, lesion in enumerate(case["lesions"]):
        if index >= 3:
            lesion.update(removed_on="2026-06-01", removal="resection")
        else:
            lesion["organ"] = "liver"
    median, p95 = time_evaluate(record_from_case_dict(case))
    print(f"engine_evaluate_heavy_omd_history_median {median:.2f} ms")
    print(f"engine_evaluate_heavy_omd_history_p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()

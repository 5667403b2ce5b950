"""Concise builders of engine records for tests (no database)."""

from datetime import date

from guidance.engine import evaluate
from guidance.record import CaseRecord, record_from_case_dict
from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS, RULES, VERSION


def d(text: str) -> date:
    return date.fromisoformat(text)


def lesion(id, organ="liver", detected="2024-04-28", sizes=None, removed=None, removal="resection", regional=False):
    """A lesion; sizes is a size in mm (measured on detection), a list of (date, mm), or None (unmeasured)."""
    if sizes is None:
        measurements = []
    elif isinstance(sizes, (int, float)):
        measurements = [{"date": detected, "size_mm": sizes}]
    else:
        measurements = [{"date": when, "size_mm": mm} for when, mm in sizes]
    return {
        "id": id,
        "organ": organ,
        "regional_node": regional,
        "detected_on": detected,
        "measurements": measurements,
        "removed_on": removed,
        "removal": removal if removed else None,
    }


def event(type, start, end=None, **extra):
    return {"type": type, "start": start, "end": end, **extra}


def case(
    disease="crc",
    *,
    lesions=(),
    events=(),
    diagnosis="2022-11-15",
    resection="2022-12-20",
    n_status="N1",
    t_stage="T3",
    ki67=(),
    hormone_excess=None,
    glucocorticoid_excess=None,
    hormone_excess_uncontrolled=None,
    ecog=(("2024-05-02", 1),),
    frailty=(),
    cea=(("2024-04-28", 14.2),),
    birth="1958-04-02",
):
    """A case-file dict with sensible CRC defaults; ACC defaults switch hormones and CEA off."""
    if disease == "acc" and cea == (("2024-04-28", 14.2),):
        cea = ()
    return {
        "format": "oligoboard-case/1",
        "patient": {
            "birth_date": birth,
            "sex": "F",
            "ecog": [{"date": when, "value": value} for when, value in ecog],
            "comorbidities": [],
            "frailty_assessments": [{"date": when, "frail": frail} for when, frail in frailty],
        },
        "primary": {
            "disease": disease,
            "site": "sigmoid_colon" if disease == "crc" else "right_adrenal",
            "diagnosis_date": diagnosis,
            "t_stage": t_stage,
            "n_status": n_status,
            "resection": {"date": resection, "margin": "R0"} if resection else None,
            "ki67": [
                {"date": when, "value_pct": value}
                if not isinstance(value, tuple)
                else {"date": when, "low_pct": value[0], "high_pct": value[1]}
                for when, value in ki67
            ],
            "hormone_excess": hormone_excess,
            "glucocorticoid_excess": glucocorticoid_excess,
            "hormone_excess_uncontrolled": hormone_excess_uncontrolled,
        },
        "lesions": list(lesions),
        "events": list(events),
        "labs": {"cea": [{"date": when, "value_ng_ml": value} for when, value in cea]},
    }


def record(**kwargs) -> CaseRecord:
    disease = kwargs.pop("disease", "crc")
    return record_from_case_dict(case(disease, **kwargs))


def run(case_dict: dict, as_of: str = "2024-05-10", board_inputs=None, parameters=None, rules=RULES) -> dict:
    params = dict(DEFAULT_PARAMETERS)
    params.update(parameters or {})
    return evaluate(
        record_from_case_dict(case_dict),
        board_inputs=board_inputs or {},
        parameters=params,
        rules=rules,
        as_of=d(as_of),
        ruleset_version=VERSION,
    )


def codes(output: dict) -> list[str]:
    return [finding["code"] for finding in output["findings"]]


def undetermined(output: dict) -> dict[str, list[str]]:
    return {entry["code"]: entry["missing"] for entry in output["undetermined"]}


def status(output: dict, code: str) -> bool | None:
    """TRUE if the rule fired, None if undetermined, FALSE otherwise."""
    if code in codes(output):
        return True
    if code in undetermined(output):
        return None
    return False

"""The guidance engine: a pure function of (record, board inputs, parameters, rules, as_of).

No Django, no clock, no settings, no I/O. Rules and parameters are data (a guideline release);
derived facts, scores and the OMD state are computed in Python (derive.py, scores.py, omd.py) and
the rule conditions combine them (conditions.py). Output: shared/clinical/evaluation-output.md.
"""

import re
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from guidance.conditions import (
    FACT_NAMES,
    NOT_APPLICABLE,
    Condition,
    ConditionError,
    compile_condition,
    json_value,
)
from guidance.derive import derive_facts, therapy_facts
from guidance.modalities import lesion_modalities
from guidance.omd import crc_numeric_definition, omd_state
from guidance.parameters import parameter_problems
from guidance.record import BOARD_INPUT_NAMES, CaseRecord, normalise_board_inputs
from guidance.scores import (
    FONG_NOT_ASSESSED_RANGE,
    VIGANO_FACTOR_NAMES,
    VIGANO_NOT_ASSESSED,
    fong_score,
    recist,
    tumour_burden_score,
    vigano,
)

DISCLAIMER = (
    "Decision support for the tumour board. These findings apply published criteria to the recorded data. "
    "They are not orders, may be incomplete, and every treatment decision is made and recorded by the board."
)

DISEASES = ("acc", "crc")
RULE_DISEASES = ("general", "acc", "crc")
CATEGORIES = ("classification", "local-therapy option", "systemic-therapy consideration", "caution", "missing-data")
# The rule whose value is is_oligometastatic (decision-logic §4).
OMD_RULE_CODES = {"acc": "ACC-CLS-01", "crc": "CRLM-CLS-01"}
ACC_RT_CAUTION_RULE = "ACC-CAU-03"
# Rules the engine reads besides producing findings: the OMD verdict (§4) and, for ACC, the
# radiotherapy downgrade of the modality grid (§8.1 footnote 6). A release without them is incomplete.
REQUIRED_RULES = {
    "acc": {
        OMD_RULE_CODES["acc"]: "defines is_oligometastatic (decision-logic §4)",
        ACC_RT_CAUTION_RULE: "downgrades radiotherapy in the modality grid (decision-logic §8.1)",
    },
    "crc": {OMD_RULE_CODES["crc"]: "defines is_oligometastatic (decision-logic §4)"},
}
# Names the OMD rule may not read: they are its own result.
OMD_RESULT_NAMES = (
    "is_oligometastatic",
    "omd_state.state",
    "omd_state.genesis",
    "omd_state.timing",
    "omd_state.course",
    "omd_state.omd_diagnosis_date",
)
# Parameters the Python part of the engine reads (derived facts, scores, OMD state, modality grid).
ENGINE_PARAMETERS = (
    "ACC_IVA_MAX_TUMOUR_ORGANS",
    "ACC_OMD_DIAMETER_BELOW_MM",
    "ACC_KI67_RT_FAVOURABLE_MAX_PCT",
    "CRLM_OMD_MAX_LESIONS",
    "CRLM_OMD_MAX_SITES",
    "CRLM_EARLY_RECURRENCE_MONTHS",
    "CRLM_SYNC_WORKUP_DAYS",
    "CRLM_TA_MAX_MM",
    "CRLM_TA_CAUTION_ABOVE_MM",
    "VIGANO_COUNT_ABOVE",
    "VIGANO_SIZE_MIN_MM",
    "VIGANO_CEA_MIN",
    "FONG_DFI_BELOW_MONTHS",
    "FONG_COUNT_ABOVE",
    "FONG_SIZE_ABOVE_MM",
    "FONG_CEA_ABOVE",
    "FONG_HIGH_RISK_MIN",
    "TBS_MEDIUM_MIN",
    "TBS_HIGH_MIN",
    "OMD_SYNCHRONOUS_MAX_MONTHS",
    "RECIST_PR_MAX_RATIO",
    "RECIST_PD_MIN_RATIO",
    "RECIST_PD_MIN_ABS_MM",
    "RECIST_MEASURABLE_MIN_MM",
    "RECIST_NODE_TARGET_MIN_MM",
    "RECIST_MAX_TARGETS",
    "RECIST_MAX_TARGETS_PER_ORGAN",
    "FRAIL_ECOG_MIN",
    "ECOG_VALID_DAYS",
    "LAB_VALID_DAYS",
)


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    value: int | float
    unit: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class RuleSpec:
    code: str
    disease: str  # general | acc | crc
    category: str
    order: int
    condition: str
    text: str
    evidence: str = ""
    source: str = ""


class IncompleteRelease(ValueError):
    """A release the engine cannot evaluate: a parameter or a structurally needed rule is missing or wrong."""


def release_gaps(disease: str, parameters: Mapping, rules: Sequence["RuleSpec"]) -> list[str]:
    """Return why a release cannot be evaluated for a disease (empty when it can).

    Missing engine parameters, parameter values outside their kind (guidance/parameters.py), and
    missing or misplaced rules the engine reads (REQUIRED_RULES). Condition syntax is checked elsewhere.
    """
    problems = [
        f"Parameter {name} is missing; the engine needs it." for name in ENGINE_PARAMETERS if name not in parameters
    ]
    problems += parameter_problems(parameters)
    by_code = {rule.code: rule for rule in rules}
    for code, why in REQUIRED_RULES.get(disease, {}).items():
        rule = by_code.get(code)
        if rule is None:
            problems.append(f"Rule {code} is missing; the engine needs it because it {why}.")
        elif rule.disease != disease:
            problems.append(f"Rule {code} must have the scope {disease} (it {why}), not {rule.disease}.")
        elif code == OMD_RULE_CODES[disease]:
            try:
                names = compiled(rule.condition).names
            except ConditionError:
                continue  # reported with the condition checks
            circular = [name for name in names if name in OMD_RESULT_NAMES]
            if circular:
                problems.append(f"Rule {code} defines is_oligometastatic and cannot read {', '.join(circular)}.")
    return problems


_COMPILED: dict[str, Condition] = {}


def compiled(text: str) -> Condition:
    """Compile a condition once per process (conditions are immutable text)."""
    condition = _COMPILED.get(text)
    if condition is None:
        condition = compile_condition(text)
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        _COMPILED[text] = condition
    return condition


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _fill(text: str, facts: Mapping) -> str:
    """Replace {fact_name} placeholders in a finding text with the fact's value."""

    def replace(match):
        name = match.group(1)
        if name not in facts:
            return match.group(0)
        value = json_value(facts[name])
        if isinstance(value, list):
            return ", ".join(str(item) for item in value) or "–"
        return "unknown" if value is None else str(value)

    return _PLACEHOLDER.sub(replace, text)


def _expand(names: Sequence[str], reasons: Mapping[str, tuple[str, ...]], parameters: Mapping) -> list[str]:
    """The missing names followed by what is missing behind derived facts, without parameters or repeats."""
    result: list[str] = []
    pending = list(names)
    while pending:
        name = pending.pop(0)
        if name in parameters or name in result:
            continue
        result.append(name)
        pending.extend(reasons.get(name, ()))
    return result


def _tri(value) -> bool | None:
    return None if value is None else bool(value)


def evaluate(  # noqa: C901
    record: CaseRecord,
    *,
    board_inputs: Mapping,
    parameters: Mapping[str, int | float],
    rules: Sequence[RuleSpec],
    as_of: date,
    ruleset_version: str,
) -> dict:
    """Return the evaluation of a record as of a date (the JSON object of evaluation-output.md)."""
    disease = record.disease
    if disease not in DISEASES:
        raise ValueError("The record has no primary tumour of a known disease (acc or crc).")
    params = dict(parameters)
    gaps = release_gaps(disease, params, rules)
    if gaps:
        raise IncompleteRelease(f"release {ruleset_version} cannot be evaluated: " + " ".join(gaps))
    board = normalise_board_inputs(board_inputs)

    derived = derive_facts(record, board, params, as_of)
    timeline = derived.timeline
    ns = derived.namespace
    reasons = dict(derived.reasons)

    # Scores ---------------------------------------------------------------------------------
    response = recist(timeline, params)
    ns["recist_response"] = response.response if response.response is not None else NOT_APPLICABLE
    therapy_facts(timeline, ns, response.response, response.current_date)
    state_now = timeline.state_at(as_of)
    fong = tbs = tbs_zone = vigano_scores = None
    ns["fong_crs"] = ns["fong_risk"] = ns["tbs"] = ns["tbs_zone"] = NOT_APPLICABLE
    ns["vigano_factor_count"] = ns["vigano_contraindicated"] = NOT_APPLICABLE
    if disease == "crc":
        liver_detections = [lesion.detected_on for lesion in timeline.metastatic_lesions if lesion.organ == "liver"]
        fong = fong_score(
            node_positive=ns["node_positive_primary"],
            first_liver_date=min(liver_detections, default=None),
            resection_date=timeline.resection_date,
            liver_count=ns["liver_count"],
            liver_sizes=state_now.liver_sizes,
            cea=ns["cea_ng_ml"],
            parameters=params,
        )
        ns["fong_crs"] = fong.range
        ns["fong_risk"] = fong.risk
        if fong.missing:
            reasons["fong_crs"] = reasons["fong_risk"] = fong.missing
        tbs, tbs_zone = tumour_burden_score(state_now.liver_sizes, params)
        ns["tbs"] = tbs
        ns["tbs_zone"] = tbs_zone if tbs is not NOT_APPLICABLE else NOT_APPLICABLE
        if tbs is None:
            reasons["tbs"] = reasons["tbs_zone"] = ("largest_liver_mm",)
        vigano_scores = vigano(
            liver_count=ns["liver_count"], liver_sizes=state_now.liver_sizes, cea=ns["cea_ng_ml"], parameters=params
        )
        ns["vigano_factor_count"] = vigano_scores["factor_count"]
        ns["vigano_contraindicated"] = vigano_scores["contraindicated"]
        if vigano_scores["factor_count"] is None:
            reasons["vigano_factor_count"] = tuple(
                name
                for name, value in (
                    ("largest_liver_mm", vigano_scores["size_ge_50mm"]),
                    ("cea_ng_ml", vigano_scores["cea_ge_200"]),
                )
                if value is None
            )
        if vigano_scores["contraindicated"] is None:
            reasons["vigano_contraindicated"] = reasons["vigano_factor_count"]

    # The namespace the conditions read -------------------------------------------------------
    ns["is_oligometastatic"] = None
    for key in ("state", "genesis", "timing", "course", "omd_diagnosis_date"):
        ns[f"omd_state.{key}"] = None
    namespace = dict(ns)
    namespace.update({f"board_inputs.{name}": board[name] for name in BOARD_INPUT_NAMES})
    namespace.update(params)

    applicable = sorted(
        (rule for rule in rules if rule.disease in ("general", disease)), key=lambda rule: (rule.order, rule.code)
    )
    by_code = {rule.code: rule for rule in applicable}

    # is_oligometastatic (§4) and the OMD state (§5) ------------------------------------------
    omd_rule = by_code[OMD_RULE_CODES[disease]]  # release_gaps() made sure it is there
    omd_condition = compiled(omd_rule.condition)
    omd_value, omd_missing = omd_condition.evaluate(namespace)
    if not state_now.count:
        omd_value, omd_missing = False, ()
    reasons["is_oligometastatic"] = tuple(name for name in omd_missing if name != "is_oligometastatic")

    if disease == "acc":
        history: dict[date, bool | None] = {}

        def meets_definition_at(t: date) -> bool | None:
            if t not in history:
                history[t] = omd_condition.evaluate(ChainMap(timeline.lesion_namespace(t), namespace))[0]
            return history[t]
    else:
        meets_definition_at = crc_numeric_definition(timeline, params)

    state = omd_state(
        timeline,
        is_oligometastatic=omd_value,
        meets_definition_at=meets_definition_at,
        board_inputs=board,
        parameters=params,
    )
    ns["is_oligometastatic"] = omd_value
    for key in ("state", "genesis", "timing", "course"):
        name = f"omd_state.{key}"
        if omd_value is None:
            ns[name] = None
            reasons[name] = ("is_oligometastatic",)
        elif state[key] is not None:
            ns[name] = state[key]
        elif key == "timing" and state["genesis"] == "de_novo" and timeline.diagnosis_date is None:
            ns[name] = None
            reasons[name] = ("primary_diagnosis_date",)
        else:
            ns[name] = NOT_APPLICABLE
    diagnosis_date = state["omd_diagnosis_date"]
    ns["omd_state.omd_diagnosis_date"] = (
        date.fromisoformat(diagnosis_date) if diagnosis_date else (None if omd_value is None else NOT_APPLICABLE)
    )
    if omd_value is None:
        reasons["omd_state.omd_diagnosis_date"] = ("is_oligometastatic",)
    for name in (
        "is_oligometastatic",
        "omd_state.state",
        "omd_state.genesis",
        "omd_state.timing",
        "omd_state.course",
        "omd_state.omd_diagnosis_date",
    ):
        namespace[name] = ns[name]

    # Rules ------------------------------------------------------------------------------------
    findings, undetermined = [], []
    rule_values: dict[str, bool | None] = {}
    for rule in applicable:
        used: dict = {}
        value, missing = compiled(rule.condition).evaluate(namespace, used)
        rule_values[rule.code] = value
        if value is True:
            findings.append(
                {
                    "code": rule.code,
                    "category": rule.category,
                    "text": _fill(rule.text, namespace),
                    "evidence": rule.evidence,
                    "source": rule.source,
                    "facts_used": {name: json_value(v) for name, v in used.items() if name not in params},
                }
            )
        elif value is None:
            undetermined.append({"code": rule.code, "missing": _expand(missing, reasons, params)})

    # Lesion modalities (§8) -----------------------------------------------------------------------
    rt_caution = rule_values[ACC_RT_CAUTION_RULE] if disease == "acc" else None
    modalities = lesion_modalities(disease, state_now.metastases, state_now.sizes, params, rt_caution)

    # Output -----------------------------------------------------------------------------------
    # Output: the contract of evaluation-output.md. Its scores object is closed; what a score needs
    # beyond it (Fong components, Viganò factor names, RECIST sums and dates) is reported among the facts.
    facts = {name: json_value(ns[name]) for name in FACT_NAMES if "." not in name}
    facts.update({name: json_value(value) for name, value in derived.extra.items()})
    facts["fong_crs"] = fong.range.value if fong else None
    facts["fong_components"] = fong.components if fong else None
    facts["vigano_factors"] = (
        [name for name in VIGANO_FACTOR_NAMES if vigano_scores[name] is True] if vigano_scores else None
    )
    facts.update(response.detail_facts())
    facts["omd_state"] = state
    dfi = ns["disease_free_interval"]
    scores = {
        "mensat_stage": json_value(ns["mensat"]) if disease == "acc" else None,
        "tumour_involved_organs": json_value(ns["tumour_involved_organs"]),
        "metastatic_sites": ns["metastatic_sites"],
        "metastasis_count": ns["metastasis_count"],
        "largest_metastasis_mm": json_value(ns["largest_metastasis_mm"]),
        "disease_free_interval_months": json_value(dfi),
        "fong_crs": fong.range.value if fong else None,
        "fong_crs_range": [fong.range.low, fong.range.high] if fong else list(FONG_NOT_ASSESSED_RANGE),
        "fong_risk": fong.risk if fong else None,
        "tbs": round(tbs, 2) if isinstance(tbs, float) else None,
        "tbs_zone": tbs_zone,
        "vigano": vigano_scores if vigano_scores else dict(VIGANO_NOT_ASSESSED),
        "recist": response.to_json(),
        "crlm_presentation": json_value(ns["crlm_presentation"]),
    }
    verdict = {True: "true", False: "false", None: "undetermined"}[_tri(omd_value)]
    return {
        "disease": disease,
        "as_of": as_of.isoformat(),
        "ruleset_version": ruleset_version,
        "parameters": {name: json_value(value) for name, value in params.items()},
        "board_inputs": board,
        "is_oligometastatic": verdict,
        "omd_state": state,
        "facts": facts,
        "scores": scores,
        "findings": findings,
        "undetermined": undetermined,
        "lesion_modalities": modalities,
        "disclaimer": DISCLAIMER,
    }


def evaluate_default(record: CaseRecord, *, as_of: date, board_inputs: Mapping | None = None) -> dict:
    """Evaluate with ruleset 2026.1 and its default parameters."""
    from guidance.ruleset_2026_1 import DEFAULT_PARAMETERS, RULES, VERSION

    return evaluate(
        record,
        board_inputs=board_inputs or {},
        parameters=DEFAULT_PARAMETERS,
        rules=RULES,
        as_of=as_of,
        ruleset_version=VERSION,
    )

"""How facts and board inputs read to clinicians, and where each one is entered.

Pure: no Django. The guidance panel and the printed case summary show "Largest liver metastasis:
24 mm" rather than `largest_liver_mm`, and link a missing fact to the record section (patient page,
templates/patients/_record.html) or board-inputs field where it is entered. Every name the engine
can report as missing has an entry here (a test runs the engine over many records to keep it so).
"""

import re
from collections.abc import Mapping

# Where a missing name is entered.
RECORD = "record"  # a section of the patient page: anchor = the section's id
BOARD_INPUT = "board_input"  # a field of the board-inputs form: anchor = the field's id
DERIVED = "derived"  # computed from other data; the names it needs follow it in the missing list
JUDGEMENT = "judgement"  # a board judgement that is not an input (recorded with the decision)

# Section ids of templates/patients/_record.html, with their headings.
RECORD_SECTIONS = {
    "identity": "Patient",
    "primary": "Primary tumour",
    "status": "Performance status, frailty, comorbidities",
    "labs": "CEA",
    "lesions": "Lesions",
    "events": "Events",
}

# name -> (label, unit, where, record section or board-input field)
_ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "age_years": ("Age", "years", RECORD, "identity"),
    "sex": ("Sex", "", RECORD, "identity"),
    "ecog": ("ECOG performance status (last 90 days)", "", RECORD, "status"),
    "frail": ("Frail (judgement, or ECOG threshold)", "", RECORD, "status"),
    "comorbidities": ("Comorbidities", "", RECORD, "status"),
    "primary_diagnosis_date": ("Diagnosis date of the primary", "", RECORD, "primary"),
    "primary_resection_date": ("Resection date of the primary", "", RECORD, "primary"),
    "primary_in_situ": ("Primary in situ", "", RECORD, "primary"),
    "t_stage": ("T stage", "", RECORD, "primary"),
    "n_status": ("N status of the primary", "", RECORD, "primary"),
    "node_positive_primary": ("Node-positive primary", "", RECORD, "primary"),
    "ki67_pct": ("Ki-67", "%", RECORD, "primary"),
    "hormone_excess": ("Hormone excess", "", RECORD, "primary"),
    "glucocorticoid_excess": ("Glucocorticoid excess", "", RECORD, "primary"),
    "hormone_excess_uncontrolled": ("Hormone excess not controlled", "", RECORD, "primary"),
    "primary_controlled": ("Primary controlled", "", DERIVED, ""),
    "metastases": ("Active metastases", "", RECORD, "lesions"),
    "metastases_present": ("Metastases present", "", RECORD, "lesions"),
    "metastasis_count": ("Number of metastases", "", RECORD, "lesions"),
    "metastatic_sites": ("Metastatic sites", "", RECORD, "lesions"),
    "tumour_involved_organs": ("Tumour-involved organs (primary in situ counts)", "", RECORD, "lesions"),
    "distant_metastasis_present": ("Distant metastasis present", "", RECORD, "lesions"),
    "largest_metastasis_mm": ("Largest metastasis", "mm", RECORD, "lesions"),
    "largest_known_mm": ("Largest measured metastasis", "mm", RECORD, "lesions"),
    "unsized_metastases": ("Metastases without a size", "", RECORD, "lesions"),
    "unsized_metastasis_count": ("Metastases without a size (count)", "", RECORD, "lesions"),
    "liver_lesions": ("Liver metastases", "", RECORD, "lesions"),
    "liver_count": ("Number of liver metastases", "", RECORD, "lesions"),
    "largest_liver_mm": ("Largest liver metastasis", "mm", RECORD, "lesions"),
    "extrahepatic_disease": ("Extrahepatic disease", "", RECORD, "lesions"),
    "site_bone": ("Bone metastasis", "", RECORD, "lesions"),
    "site_brain": ("Brain metastasis", "", RECORD, "lesions"),
    "site_liver": ("Liver metastasis", "", RECORD, "lesions"),
    "site_lung": ("Lung metastasis", "", RECORD, "lesions"),
    "site_peritoneum": ("Peritoneal metastasis", "", RECORD, "lesions"),
    "cea_ng_ml": ("CEA (last 90 days)", "ng/mL", RECORD, "labs"),
    "active_systemic": ("Systemic therapy ongoing", "", RECORD, "events"),
    "active_chemotherapy": ("Chemotherapy ongoing", "", RECORD, "events"),
    "episode_events": ("Metastatic episodes", "", RECORD, "events"),
    "episode_type": ("Current episode", "", RECORD, "events"),
    "episode_date": ("Date of the current episode", "", RECORD, "events"),
    "new_lesions_at_episode": ("New lesions at the current episode", "", RECORD, "events"),
    "ned_start": ("Disease-free since", "", RECORD, "events"),
    "recurrence_after_ned": ("Recurrence after a disease-free period", "", RECORD, "events"),
    "disease_free_interval": ("Disease-free interval", "months", RECORD, "events"),
    "dfi_after_primary_surgery": ("Disease-free interval after primary surgery", "months", RECORD, "events"),
    "event_free_interval": ("Interval since the previous event", "months", RECORD, "events"),
    "prior_systemic_before_episode": ("Systemic therapy before the current episode", "", RECORD, "events"),
    "metastatic_treatment_naive": ("No treatment of metastatic disease yet", "", RECORD, "events"),
    "progression_on_chemotherapy": ("Progression on chemotherapy", "", RECORD, "events"),
    "current_chemo_line": ("Current chemotherapy line", "", RECORD, "events"),
    "controlled_on_later_line": ("Controlled on second or later line", "", RECORD, "events"),
    "liver_directed_local_treatment_done": ("Liver resection or ablation done", "", RECORD, "events"),
    "crlm_presentation": ("CRLM presentation", "", DERIVED, ""),
    "crlm_consensus_timing": ("CRLM timing (consensus, ≤ 12 / > 12 months)", "", DERIVED, ""),
    "mensat": ("mENSAT stage", "", DERIVED, ""),
    "fong_crs": ("Fong clinical risk score", "points", DERIVED, ""),
    "fong_risk": ("Fong risk", "", DERIVED, ""),
    "tbs": ("Tumour burden score", "", DERIVED, ""),
    "tbs_zone": ("Tumour burden score zone", "", DERIVED, ""),
    "vigano_factor_count": ("Viganò factors present", "", DERIVED, ""),
    "vigano_contraindicated": ("Viganò contraindication", "", DERIVED, ""),
    "recist_response": ("RECIST 1.1 response", "", DERIVED, ""),
    "is_oligometastatic": ("Oligometastatic", "", DERIVED, ""),
    "omd_state.state": ("OMD state", "", DERIVED, ""),
    "omd_state.genesis": ("OMD genesis", "", DERIVED, ""),
    "omd_state.timing": ("OMD timing", "", DERIVED, ""),
    "omd_state.course": ("OMD course", "", DERIVED, ""),
    "omd_state.omd_diagnosis_date": ("OMD diagnosis date", "", DERIVED, ""),
    "board_inputs.resectability": ("Resectability", "", BOARD_INPUT, "resectability"),
    "board_inputs.all_sites_safely_treatable": (
        "All sites safely treatable",
        "",
        BOARD_INPUT,
        "all_sites_safely_treatable",
    ),
    "board_inputs.complete_resection_feasible": (
        "Complete resection or ablation feasible",
        "",
        BOARD_INPUT,
        "complete_resection_feasible",
    ),
    "board_inputs.primary_controllable": (
        "Primary controlled or controllable",
        "",
        BOARD_INPUT,
        "primary_controllable",
    ),
    "board_inputs.polymetastatic_history": (
        "History of polymetastatic disease",
        "",
        BOARD_INPUT,
        "polymetastatic_history",
    ),
    # unknown("...") labels of the 2026.1 conditions: judgements the board makes at the meeting.
    "board judgement: more than 5 lesions": (
        'Board judgement: more than 5 lesions can count as oligometastatic (ESMO "occasionally more")',
        "",
        JUDGEMENT,
        "",
    ),
}

# Facts whose values name lesions, so the value shows their labels.
_LESION_SIZE = re.compile(r"^size of lesion (?P<lesion>.+)$")
_FUNCTION_CALL = re.compile(
    r"^(?P<function>all_metastases_below|all_liver_below|all_liver_at_most)\((?P<argument>.+)\)$"
)
_FUNCTION_LABELS = {
    "all_metastases_below": "All metastases < {threshold} mm",
    "all_liver_below": "All liver metastases < {threshold} mm",
    "all_liver_at_most": "All liver metastases ≤ {threshold} mm",
}
_BOOLEAN_WORDS = {True: "yes", False: "no"}


def entry(name: str) -> dict | None:
    """Return {label, where, anchor} for a fact, board input or judgement, or None when the name is unknown."""
    match = _LESION_SIZE.match(name)
    if match:
        return {"label": f"Size of lesion {match['lesion']}", "where": RECORD, "anchor": "lesions"}
    known = _ENTRIES.get(name)
    if known is None:
        return None
    label, _unit, where, anchor = known
    return {"label": label, "where": where, "anchor": anchor}


def missing_entry(name: str) -> dict:
    """A missing name as the panel lists it: label, code, where it is entered and the anchor to link to."""
    found = entry(name)
    if found is None:
        return {"code": name, "label": name.replace("_", " "), "where": "", "anchor": "", "section": ""}
    section = RECORD_SECTIONS.get(found["anchor"], "") if found["where"] == RECORD else ""
    return {"code": name, **found, "section": section}


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def format_value(name: str, value, unit: str | None = None) -> str:
    """A fact value as clinicians read it: yes/no/unknown, numbers with their unit, lists joined."""
    if unit is None:
        known = _ENTRIES.get(name)
        unit = known[1] if known else ""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return _BOOLEAN_WORDS[value]
    if isinstance(value, (int, float)):
        return f"{_number(value)} {unit}".strip() if unit != "%" else f"{_number(value)}%"
    if isinstance(value, (list, tuple)):
        if (
            len(value) == 2
            and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
            and name == "fong_crs"
        ):
            return f"{value[0]}–{value[1]} {unit}".strip()
        if not value:
            return "none"
        return ", ".join(format_value(name, item, "") if not isinstance(item, dict) else _event(item) for item in value)
    if isinstance(value, dict):
        return _event(value)
    return str(value).replace("_", " ")


def _event(item: Mapping) -> str:
    return " ".join(str(part).replace("_", " ") for part in (item.get("type"), item.get("date")) if part)


def fact_label(name: str, parameters: Mapping | None = None) -> str:
    """The label of a fact used by a rule, e.g. "All liver metastases ≤ 30 mm" for all_liver_at_most(CRLM_TA_MAX_MM)."""
    match = _FUNCTION_CALL.match(name)
    if match:
        argument = match["argument"].strip()
        threshold = (parameters or {}).get(argument, argument)
        return _FUNCTION_LABELS[match["function"]].format(threshold=_number(threshold))
    found = entry(name)
    return found["label"] if found else name.replace("_", " ")


def facts_used_rows(facts_used: Mapping, parameters: Mapping | None = None) -> list[dict]:
    """The facts a finding used, as rows {code, label, value} for display."""
    rows = []
    for name, value in facts_used.items():
        rows.append({"code": name, "label": fact_label(name, parameters), "value": format_value(name, value)})
    return rows


def names_with_entries() -> set[str]:
    """Every fixed name that has an entry (lesion sizes are matched by pattern)."""
    return set(_ENTRIES)

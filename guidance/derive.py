"""Derived facts of decision-logic §2.2, computed from a CaseRecord as of a date.

Pure: no Django, no clock, no I/O. Nothing dated after `as_of` is read: lesions, measurements,
removals, events, results and the primary resection dated later are ignored.

`Timeline` prepares the record once (per-lesion measurement arrays, systemic-therapy intervals,
episode events) so that facts at any date, e.g. every assessment date of the OMD history, are cheap.

Values: None is UNKNOWN (data missing); NOT_APPLICABLE is a known "does not apply" (e.g. no
disease-free interval), FALSE in every comparison; intervals are MonthInterval; the Fong score is a
ScoreRange. `derive_facts` returns the namespace the rule conditions read (FACT_NAMES) and the
reasons: for a derived fact that is UNKNOWN, the inputs whose absence made it so.
"""

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from guidance.conditions import NOT_APPLICABLE, FactFunction, MonthInterval
from guidance.dates import add_days, add_months, completed_years
from guidance.parameters import whole
from guidance.record import (
    EPISODE_TYPES,
    METASTASIS_DIRECTED_TYPES,
    SYSTEMIC_TYPES,
    CaseRecord,
    Event,
    Lesion,
)

REGIONAL_NODES_KEY = "regional_nodes"
SITE_FLAGS = (
    ("site_bone", "bone"),
    ("site_brain", "brain"),
    ("site_liver", "liver"),
    ("site_lung", "lung"),
    ("site_peritoneum", "peritoneum"),
)


@dataclass(frozen=True, slots=True)
class LesionView:
    """A lesion as known on as_of: removals and measurements after as_of are not read."""

    id: str
    organ: str
    organ_key: str
    regional_node: bool
    is_node: bool
    detected_on: date
    removed_on: date | None
    removal: str | None
    dates: tuple[date, ...]
    sizes: tuple[float, ...]

    def active_at(self, t: date) -> bool:
        return self.detected_on <= t and (self.removed_on is None or self.removed_on > t)

    def size_at(self, t: date) -> float | None:
        index = bisect_right(self.dates, t)
        return self.sizes[index - 1] if index else None

    def measured_on(self, t: date) -> float | None:
        index = bisect_right(self.dates, t)
        return self.sizes[index - 1] if index and self.dates[index - 1] == t else None


@dataclass(frozen=True, slots=True)
class Episode:
    type: str
    start: date
    implicit: bool = False


@dataclass
class LesionState:
    """The metastases active at one date and what follows from them."""

    metastases: list[LesionView]
    sizes: list[float | None]
    count: int
    sites: int
    distant: bool
    primary_in_situ: bool
    tumour_involved_organs: int | None
    mensat: str
    liver: list[LesionView]
    liver_sizes: list[float | None]


def _all_below(sizes: list[float | None], limit, inclusive: bool) -> bool | None:
    """Every size < limit (or <= when inclusive): FALSE once a known size fails, UNKNOWN when one is missing."""
    unknown = False
    for size in sizes:
        if size is None:
            unknown = True
        elif (size > limit) if inclusive else (size >= limit):
            return False
    return None if unknown else True


def _ensat_stage(t_stage: str | None, n_status: str | None, nodes_active: bool) -> str | None:
    """ENSAT stage I–III of a primary in situ without distant metastasis (display only)."""
    if n_status in ("N1", "N2") or nodes_active:
        return "III"
    digits = [character for character in (t_stage or "") if character.isdigit()]
    if not digits:
        return None
    t = int(digits[0])
    if t >= 3:
        return "III"
    if n_status != "N0":
        return None
    return {1: "I", 2: "II"}.get(t)


class Timeline:
    """The record prepared once for one as_of."""

    def __init__(self, record: CaseRecord, parameters: Mapping, as_of: date):
        self.record = record
        self.parameters = parameters
        self.as_of = as_of
        primary = record.primary
        self.primary = primary
        self.disease = record.disease
        resection = primary.resection if primary else None
        self.resection_date = resection.date if resection and resection.date <= as_of else None
        self.diagnosis_date = (
            primary.diagnosis_date if primary and primary.diagnosis_date and primary.diagnosis_date <= as_of else None
        )
        self.lesions: list[LesionView] = []
        for lesion in record.lesions:
            if lesion.detected_on > as_of:
                continue
            self.lesions.append(self._view(lesion))
        self.lesions.sort(key=lambda lesion: lesion.id)
        self.lesion_by_id = {lesion.id: lesion for lesion in self.lesions}
        # ACC: every lesion is metastatic disease; CRC: regional nodes of the primary are not (§2.2).
        self.metastatic_lesions = [
            lesion for lesion in self.lesions if self.disease == "acc" or not lesion.regional_node
        ]
        self.events: list[Event] = [event for event in record.events if event.start <= as_of]
        self.systemic = [(event.start, event.end, event) for event in self.events if event.type in SYSTEMIC_TYPES]
        self.chemotherapy = [item for item in self.systemic if item[2].type == "chemotherapy"]
        self.episodes = self._episodes()
        self._states: dict[date, LesionState] = {}
        self.assessment_dates = sorted({d for lesion in self.lesions for d in lesion.dates})

    def _view(self, lesion: Lesion) -> LesionView:
        as_of = self.as_of
        measurements = [m for m in lesion.measurements if m.date <= as_of]
        # One value per date: the last one recorded for that date.
        by_date: dict[date, float] = {}
        for measurement in measurements:
            by_date[measurement.date] = measurement.size_mm
        dates = tuple(sorted(by_date))
        removed_on = lesion.removed_on if lesion.removed_on and lesion.removed_on <= as_of else None
        return LesionView(
            id=lesion.id,
            organ=lesion.organ,
            organ_key=REGIONAL_NODES_KEY if lesion.regional_node else lesion.organ,
            regional_node=lesion.regional_node,
            is_node=lesion.is_node,
            detected_on=lesion.detected_on,
            removed_on=removed_on,
            removal=lesion.removal if removed_on else None,
            dates=dates,
            sizes=tuple(by_date[d] for d in dates),
        )

    # Episodes -------------------------------------------------------------------------------

    def _episodes(self) -> list[Episode]:
        episodes = [Episode(event.type, event.start) for event in self.events if event.type in EPISODE_TYPES]
        episodes.sort(key=lambda episode: episode.start)
        if not any(episode.type == "metastatic_diagnosis" for episode in episodes) and self.metastatic_lesions:
            first_detection = min(lesion.detected_on for lesion in self.metastatic_lesions)
            if all(first_detection < episode.start for episode in episodes):
                episodes.insert(0, Episode("metastatic_diagnosis", first_detection, implicit=True))
        return episodes

    # Therapy --------------------------------------------------------------------------------

    @staticmethod
    def _active(items, t: date) -> list[Event]:
        return [event for start, end, event in items if start <= t and (end is None or t <= end)]

    def active_systemic(self, t: date) -> bool:
        return bool(self._active(self.systemic, t))

    def active_chemotherapy(self, t: date) -> bool:
        return bool(self._active(self.chemotherapy, t))

    # Lesions at a date ----------------------------------------------------------------------

    def primary_in_situ(self, t: date) -> bool:
        return self.resection_date is None or self.resection_date > t

    def state_at(self, t: date) -> LesionState:
        state = self._states.get(t)
        if state is not None:
            return state
        metastases = [lesion for lesion in self.metastatic_lesions if lesion.active_at(t)]
        sizes = [lesion.size_at(t) for lesion in metastases]
        keys = {lesion.organ_key for lesion in metastases}
        distant = any(not lesion.regional_node and lesion.organ != "local_recurrence" for lesion in metastases)
        in_situ = self.primary_in_situ(t)
        liver = [lesion for lesion in metastases if lesion.organ == "liver"]
        liver_sizes = [size for lesion, size in zip(metastases, sizes, strict=False) if lesion.organ == "liver"]
        tumour_organs = None
        mensat = NOT_APPLICABLE
        if self.disease == "acc":
            tumour_organs = len(keys) + (1 if in_situ else 0)
            iva_max = self.parameters["ACC_IVA_MAX_TUMOUR_ORGANS"]
            if distant:
                mensat = "IVa" if tumour_organs <= iva_max else "IVb" if tumour_organs == iva_max + 1 else "IVc"
            elif in_situ and self.primary is not None:
                stage = _ensat_stage(
                    self.primary.t_stage,
                    self.primary.n_status,
                    any(lesion.regional_node for lesion in metastases),
                )
                mensat = stage if stage is not None else NOT_APPLICABLE
        state = LesionState(
            metastases=metastases,
            sizes=sizes,
            count=len(metastases),
            sites=len(keys),
            distant=distant,
            primary_in_situ=in_situ,
            tumour_involved_organs=tumour_organs,
            mensat=mensat,
            liver=liver,
            liver_sizes=liver_sizes,
        )
        self._states[t] = state
        return state

    def lesion_namespace(self, t: date) -> dict:
        """The lesion-derived facts at date t (used at as_of and for the OMD history)."""
        state = self.state_at(t)
        sizes, liver_sizes = state.sizes, state.liver_sizes
        known = [size for size in sizes if size is not None]
        known_liver = [size for size in liver_sizes if size is not None]
        unsized = [lesion.id for lesion, size in zip(state.metastases, sizes, strict=False) if size is None]
        if not sizes:
            largest = NOT_APPLICABLE
        else:
            largest = None if unsized else max(known)
        if not liver_sizes:
            largest_liver = NOT_APPLICABLE
        else:
            largest_liver = None if len(known_liver) < len(liver_sizes) else max(known_liver)
        namespace = {
            "metastases": [lesion.id for lesion in state.metastases],
            "metastases_present": state.count > 0,
            "metastasis_count": state.count,
            "metastatic_sites": state.sites,
            "tumour_involved_organs": state.tumour_involved_organs
            if state.tumour_involved_organs is not None
            else NOT_APPLICABLE,
            "distant_metastasis_present": state.distant,
            "primary_in_situ": state.primary_in_situ,
            "mensat": state.mensat,
            "largest_metastasis_mm": largest,
            "largest_known_mm": max(known) if known else NOT_APPLICABLE,
            "unsized_metastases": unsized,
            "unsized_metastasis_count": len(unsized),
            "liver_lesions": [lesion.id for lesion in state.liver],
            "liver_count": len(state.liver),
            "largest_liver_mm": largest_liver,
            "extrahepatic_disease": any(lesion.organ != "liver" for lesion in state.metastases),
            "all_metastases_below": FactFunction(lambda mm: _all_below(sizes, mm, False), "largest_metastasis_mm"),
            "all_liver_below": FactFunction(lambda mm: _all_below(liver_sizes, mm, False), "largest_liver_mm"),
            "all_liver_at_most": FactFunction(lambda mm: _all_below(liver_sizes, mm, True), "largest_liver_mm"),
        }
        organs = {lesion.organ for lesion in state.metastases}
        for name, organ in SITE_FLAGS:
            namespace[name] = organ in organs
        return namespace

    # NED and intervals ----------------------------------------------------------------------

    def ned_start(self, before: date) -> date | None:
        """The start of the disease-free period that ended on `before` (§2.2 ned_start), else None."""
        candidates = [
            lesion.removed_on
            for lesion in self.metastatic_lesions
            if lesion.removed_on is not None and lesion.removed_on < before
        ]
        if self.resection_date is not None and self.resection_date < before:
            candidates.append(self.resection_date)
        if not candidates:
            return None
        start = max(candidates)
        if self.resection_date is None or self.resection_date > start:
            return None
        for lesion in self.metastatic_lesions:
            if lesion.active_at(start) or start < lesion.detected_on < before:
                return None
        return start


@dataclass
class DerivedFacts:
    """The condition namespace (facts only) and, per UNKNOWN derived fact, what is missing behind it."""

    namespace: dict
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # display-only values (site_flags, current_episode, ...)
    timeline: Timeline | None = None


def _latest_in_window(entries, as_of: date, days: int):
    earliest = as_of - timedelta(days=days) if as_of - date.min > timedelta(days=days) else date.min
    chosen = None
    for entry in entries:
        if earliest <= entry.date <= as_of:
            chosen = entry
    return chosen


def derive_facts(record: CaseRecord, board_inputs: Mapping, parameters: Mapping, as_of: date) -> DerivedFacts:
    """Return the derived facts of §2.2 as of a date (scores and OMD state are added by the engine)."""
    timeline = Timeline(record, parameters, as_of)
    primary = record.primary
    patient = record.patient
    ns: dict = {}
    reasons: dict[str, tuple[str, ...]] = {}
    extra: dict = {}

    # Patient ----------------------------------------------------------------------------------
    ns["age_years"] = completed_years(patient.birth_date, as_of) if patient.birth_date else None
    ns["sex"] = patient.sex
    ecog_entry = _latest_in_window(patient.ecog, as_of, whole(parameters, "ECOG_VALID_DAYS"))
    ns["ecog"] = ecog_entry.value if ecog_entry else None
    frailty = [entry for entry in patient.frailty_assessments if entry.date <= as_of]
    if frailty:
        ns["frail"] = frailty[-1].frail
    elif ns["ecog"] is not None:
        ns["frail"] = ns["ecog"] >= parameters["FRAIL_ECOG_MIN"]
    else:
        ns["frail"] = None
        reasons["frail"] = ("ecog",)
    ns["comorbidities"] = list(patient.comorbidities)

    # Primary ----------------------------------------------------------------------------------
    ns["primary_diagnosis_date"] = timeline.diagnosis_date
    ns["primary_resection_date"] = timeline.resection_date or NOT_APPLICABLE
    ns["t_stage"] = primary.t_stage if primary else None
    n_status = primary.n_status if primary else None
    ns["n_status"] = n_status
    ns["node_positive_primary"] = True if n_status in ("N1", "N2") else False if n_status == "N0" else None
    if ns["node_positive_primary"] is None:
        reasons["node_positive_primary"] = ("n_status",)
    ki67 = [entry for entry in (primary.ki67 if primary else ()) if entry.date <= as_of]
    ns["ki67_pct"] = ki67[-1].effective_pct if ki67 else None
    if primary is not None and primary.disease == "acc":
        hormone = primary.hormone_excess
        glucocorticoid = False if hormone is False else primary.glucocorticoid_excess
        ns["hormone_excess"] = hormone
        ns["glucocorticoid_excess"] = glucocorticoid
        ns["hormone_excess_uncontrolled"] = False if hormone is False else primary.hormone_excess_uncontrolled
    else:
        ns["hormone_excess"] = ns["glucocorticoid_excess"] = ns["hormone_excess_uncontrolled"] = NOT_APPLICABLE

    # Lesions at as_of ---------------------------------------------------------------------------
    ns.update(timeline.lesion_namespace(as_of))
    extra["site_flags"] = {organ: ns[name] for name, organ in SITE_FLAGS}
    if ns["largest_metastasis_mm"] is None:
        reasons["largest_metastasis_mm"] = tuple(
            f"size of lesion {lesion_id}" for lesion_id in ns["unsized_metastases"]
        )
    if ns["largest_liver_mm"] is None:
        unsized_liver = set(ns["unsized_metastases"]) & set(ns["liver_lesions"])
        reasons["largest_liver_mm"] = tuple(f"size of lesion {lesion_id}" for lesion_id in sorted(unsized_liver))
    has_local_recurrence = any(lesion.organ == "local_recurrence" for lesion in timeline.state_at(as_of).metastases)
    if timeline.resection_date is not None and not has_local_recurrence:
        ns["primary_controlled"] = True
    else:
        ns["primary_controlled"] = board_inputs.get("primary_controllable")
        if ns["primary_controlled"] is None:
            reasons["primary_controlled"] = ("board_inputs.primary_controllable",)

    # Labs and therapy -------------------------------------------------------------------------
    cea_entry = _latest_in_window(record.cea, as_of, whole(parameters, "LAB_VALID_DAYS"))
    ns["cea_ng_ml"] = cea_entry.value if cea_entry else None
    ns["active_systemic"] = timeline.active_systemic(as_of)
    ns["active_chemotherapy"] = timeline.active_chemotherapy(as_of)

    # Episodes -----------------------------------------------------------------------------------
    episodes = timeline.episodes
    ns["episode_events"] = [
        {"type": episode.type, "date": episode.start.isoformat(), "implicit": episode.implicit} for episode in episodes
    ]
    current = episodes[-1] if episodes else None
    extra["current_episode"] = (
        {"type": current.type, "date": current.start.isoformat(), "implicit": current.implicit} if current else None
    )
    ns["episode_type"] = current.type if current else NOT_APPLICABLE
    ns["episode_date"] = current.start if current else NOT_APPLICABLE
    if current is None:
        ns["new_lesions_at_episode"] = False
        ns["ned_start"] = NOT_APPLICABLE
        ns["recurrence_after_ned"] = False
        ns["disease_free_interval"] = NOT_APPLICABLE
        ns["event_free_interval"] = NOT_APPLICABLE
        ns["prior_systemic_before_episode"] = False
    else:
        ns["new_lesions_at_episode"] = any(
            lesion.detected_on == current.start for lesion in timeline.metastatic_lesions
        )
        ned = timeline.ned_start(current.start)
        ns["ned_start"] = ned if ned else NOT_APPLICABLE
        ns["recurrence_after_ned"] = ned is not None and ns["metastases_present"]
        ns["disease_free_interval"] = MonthInterval(ned, current.start) if ned else NOT_APPLICABLE
        anchors = [episode.start for episode in episodes[:-1] if episode.start < current.start]
        if ned:
            anchors.append(ned)
        if timeline.resection_date and timeline.resection_date < current.start:
            anchors.append(timeline.resection_date)
        ns["event_free_interval"] = MonthInterval(max(anchors), current.start) if anchors else NOT_APPLICABLE
        ns["prior_systemic_before_episode"] = any(start < current.start for start, _, _ in timeline.systemic)

    ns["dfi_after_primary_surgery"] = NOT_APPLICABLE
    if timeline.resection_date is not None:
        after = [episode for episode in episodes if episode.start > timeline.resection_date]
        if after:
            ned = timeline.ned_start(after[0].start)
            if ned is not None:
                ns["dfi_after_primary_surgery"] = MonthInterval(ned, after[0].start)

    first_episode = episodes[0] if episodes else None
    if first_episode is None:
        ns["metastatic_treatment_naive"] = True
    else:
        treated = any(
            event.type in SYSTEMIC_TYPES or event.type in METASTASIS_DIRECTED_TYPES
            for event in timeline.events
            if first_episode.start <= event.start <= as_of
        )
        ns["metastatic_treatment_naive"] = (
            not any(episode.type in ("recurrence", "progression") for episode in episodes) and not treated
        )

    liver_ids = {lesion.id for lesion in timeline.metastatic_lesions if lesion.organ == "liver"}
    ns["liver_directed_local_treatment_done"] = any(
        event.type in ("metastasectomy", "thermal_ablation") and liver_ids.intersection(event.lesion_ids)
        for event in timeline.events
    )

    # CRLM presentation --------------------------------------------------------------------------
    ns["crlm_presentation"] = NOT_APPLICABLE
    ns["crlm_consensus_timing"] = NOT_APPLICABLE
    if record.disease == "crc":
        liver_detections = [lesion.detected_on for lesion in timeline.metastatic_lesions if lesion.organ == "liver"]
        if liver_detections:
            first_liver = min(liver_detections)
            presentation, consensus = crlm_presentation(
                first_liver, timeline.diagnosis_date, timeline.resection_date, parameters
            )
            ns["crlm_presentation"] = presentation
            ns["crlm_consensus_timing"] = consensus
            if presentation is None:
                reasons["crlm_presentation"] = ("primary_diagnosis_date",)
                reasons["crlm_consensus_timing"] = ("primary_diagnosis_date",)
    return DerivedFacts(namespace=ns, reasons=reasons, extra=extra, timeline=timeline)


def crlm_presentation(first_liver: date, diagnosis: date | None, resection: date | None, parameters: Mapping):
    """Return (§6.6 presentation, consensus early/late ≤ 12 / > 12 months after surgery)."""
    if diagnosis is None:
        return None, None
    if first_liver <= add_days(diagnosis, whole(parameters, "CRLM_SYNC_WORKUP_DAYS")):
        return "synchronous", "synchronous"
    if resection is not None and resection < first_liver:
        boundary = add_months(resection, whole(parameters, "CRLM_EARLY_RECURRENCE_MONTHS"))
        if first_liver < boundary:
            presentation = "metachronous_early"
        elif first_liver > boundary:
            presentation = "metachronous_late"
        else:
            presentation = "metachronous_boundary"
        consensus = "early" if first_liver <= add_months(resection, 12) else "late"
        return presentation, consensus
    return "metachronous_primary_in_situ", NOT_APPLICABLE


def therapy_facts(timeline: Timeline, ns: dict, recist_response: str | None, recist_date: date | None) -> None:
    """Add the facts that need the RECIST response: progression on chemotherapy, lines (§2.2)."""
    as_of = timeline.as_of
    episodes = timeline.episodes
    current = episodes[-1] if episodes else None
    on_chemo_at_episode = False
    if current is not None and current.type == "progression":
        later_systemic = any(current.start < start <= as_of for start, _, _ in timeline.systemic)
        on_chemo_at_episode = timeline.active_chemotherapy(current.start) and not later_systemic
    on_chemo_at_pd = recist_response == "PD" and recist_date is not None and timeline.active_chemotherapy(recist_date)
    ns["progression_on_chemotherapy"] = on_chemo_at_episode or on_chemo_at_pd

    line = NOT_APPLICABLE
    for t in ([current.start] if current else []) + [as_of]:
        active = timeline._active(timeline.chemotherapy, t)
        if active:
            lines = [event.line for event in active if event.line is not None]
            line = max(lines) if lines else None
            if line is not None:
                break
    ns["current_chemo_line"] = line

    later_lines = [
        event for event in timeline._active(timeline.chemotherapy, as_of) if event.line is not None and event.line >= 2
    ]
    controlled = False
    if later_lines and recist_response in ("CR", "PR", "SD"):
        line_start = max(event.start for event in later_lines)
        controlled = not any(episode.type == "progression" and episode.start > line_start for episode in episodes)
    ns["controlled_on_later_line"] = controlled

"""The engine's input record: frozen dataclasses built from a validated case-file dict.

`record_from_case_dict` takes the normalised dict of patients.casefile.parse_case_file (format
"oligoboard-case/1", ISO date strings). Optional keys may be absent; absent means null (or [] for
lists). No Django, no I/O.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

BOARD_INPUT_NAMES = (
    "resectability",
    "all_sites_safely_treatable",
    "complete_resection_feasible",
    "primary_controllable",
    "polymetastatic_history",
)
RESECTABILITY_VALUES = ("upfront_resectable", "marginally_resectable", "unresectable")
SYSTEMIC_TYPES = frozenset({"chemotherapy", "mitotane", "immunotherapy", "targeted_therapy"})
METASTASIS_DIRECTED_TYPES = frozenset({"metastasectomy", "thermal_ablation", "sbrt", "radiotherapy", "tace", "tare"})
EPISODE_TYPES = frozenset({"metastatic_diagnosis", "recurrence", "progression"})


@dataclass(frozen=True, slots=True)
class EcogEntry:
    date: date
    value: int


@dataclass(frozen=True, slots=True)
class FrailtyEntry:
    date: date
    frail: bool | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Patient:
    birth_date: date | None
    sex: str | None = None
    ecog: tuple[EcogEntry, ...] = ()
    comorbidities: tuple[str, ...] = ()
    frailty_assessments: tuple[FrailtyEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Resection:
    date: date
    margin: str | None = None


@dataclass(frozen=True, slots=True)
class Ki67:
    date: date
    value_pct: float | None = None
    low_pct: float | None = None
    high_pct: float | None = None
    specimen: str | None = None

    @property
    def effective_pct(self) -> float | None:
        """The value the rules read: a single value, or the upper bound of a range (§2.2)."""
        if self.value_pct is not None:
            return self.value_pct
        return self.high_pct


@dataclass(frozen=True, slots=True)
class Primary:
    disease: str
    site: str | None = None
    diagnosis_date: date | None = None
    t_stage: str | None = None
    n_status: str | None = None
    resection: Resection | None = None
    ki67: tuple[Ki67, ...] = ()
    hormone_excess: bool | None = None
    glucocorticoid_excess: bool | None = None
    hormone_excess_uncontrolled: bool | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Measurement:
    date: date
    size_mm: float


@dataclass(frozen=True, slots=True)
class Lesion:
    id: str
    organ: str
    detected_on: date
    regional_node: bool = False
    measurements: tuple[Measurement, ...] = ()  # in date order
    removed_on: date | None = None
    removal: str | None = None
    note: str | None = None

    @property
    def is_node(self) -> bool:
        return self.regional_node or self.organ == "lymph_node"


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    start: date
    end: date | None = None
    regimen: str | None = None
    line: int | None = None
    intent: str | None = None
    lesion_ids: tuple[str, ...] = ()
    margin: str | None = None
    notes: str | None = None
    subtype: str | None = None
    recist_overall: str | None = None


@dataclass(frozen=True, slots=True)
class LabValue:
    date: date
    value: float


@dataclass(frozen=True, slots=True)
class CaseRecord:
    patient: Patient
    primary: Primary | None
    lesions: tuple[Lesion, ...] = ()
    events: tuple[Event, ...] = ()  # in start-date order (stable)
    cea: tuple[LabValue, ...] = ()  # in date order

    @property
    def disease(self) -> str | None:
        return self.primary.disease if self.primary else None


def _day(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _num(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a number was expected, not a boolean")
    return value if isinstance(value, (int, float)) else float(value)


def record_from_case_dict(data: Mapping) -> CaseRecord:
    """Return the engine's record for an already-validated case-file dict."""
    raw_patient = data.get("patient") or {}
    patient = Patient(
        birth_date=_day(raw_patient.get("birth_date")),
        sex=raw_patient.get("sex"),
        ecog=tuple(
            sorted(
                (EcogEntry(_day(e["date"]), int(e["value"])) for e in raw_patient.get("ecog") or []),
                key=lambda e: e.date,
            )
        ),
        comorbidities=tuple(raw_patient.get("comorbidities") or ()),
        frailty_assessments=tuple(
            sorted(
                (
                    FrailtyEntry(_day(e["date"]), e.get("frail"), e.get("note"))
                    for e in raw_patient.get("frailty_assessments") or []
                ),
                key=lambda e: e.date,
            )
        ),
    )
    raw_primary = data.get("primary")
    primary = None
    if raw_primary:
        raw_resection = raw_primary.get("resection")
        primary = Primary(
            disease=raw_primary["disease"],
            site=raw_primary.get("site"),
            diagnosis_date=_day(raw_primary.get("diagnosis_date")),
            t_stage=raw_primary.get("t_stage"),
            n_status=raw_primary.get("n_status"),
            resection=Resection(_day(raw_resection["date"]), raw_resection.get("margin")) if raw_resection else None,
            ki67=tuple(
                sorted(
                    (
                        Ki67(
                            _day(k["date"]),
                            _num(k.get("value_pct")),
                            _num(k.get("low_pct")),
                            _num(k.get("high_pct")),
                            k.get("specimen"),
                        )
                        for k in raw_primary.get("ki67") or []
                    ),
                    key=lambda k: k.date,
                )
            ),
            hormone_excess=raw_primary.get("hormone_excess"),
            glucocorticoid_excess=raw_primary.get("glucocorticoid_excess"),
            hormone_excess_uncontrolled=raw_primary.get("hormone_excess_uncontrolled"),
            notes=raw_primary.get("notes"),
        )
    lesions = tuple(
        Lesion(
            id=str(raw["id"]),
            organ=raw["organ"],
            detected_on=_day(raw["detected_on"]),
            regional_node=bool(raw.get("regional_node")),
            measurements=tuple(
                sorted(
                    (
                        Measurement(_day(m["date"]), _num(m["size_mm"]))
                        for m in raw.get("measurements") or []
                        if m.get("size_mm") is not None
                    ),
                    key=lambda m: m.date,
                )
            ),
            removed_on=_day(raw.get("removed_on")),
            removal=raw.get("removal"),
            note=raw.get("note"),
        )
        for raw in data.get("lesions") or []
    )
    events = tuple(
        sorted(
            (
                Event(
                    type=raw["type"],
                    start=_day(raw["start"]),
                    end=_day(raw.get("end")),
                    regimen=raw.get("regimen"),
                    line=raw.get("line"),
                    intent=raw.get("intent"),
                    lesion_ids=tuple(str(i) for i in raw.get("lesion_ids") or ()),
                    margin=raw.get("margin"),
                    notes=raw.get("notes"),
                    subtype=raw.get("subtype"),
                    recist_overall=raw.get("recist_overall"),
                )
                for raw in data.get("events") or []
            ),
            key=lambda e: e.start,
        )
    )
    labs = data.get("labs") or {}
    cea = tuple(
        sorted(
            (
                LabValue(_day(c["date"]), _num(c["value_ng_ml"]))
                for c in labs.get("cea") or []
                if c.get("value_ng_ml") is not None
            ),
            key=lambda c: c.date,
        )
    )
    return CaseRecord(patient=patient, primary=primary, lesions=lesions, events=events, cea=cea)


_TRUE_STRINGS = {"true": True, "false": False, "null": None, "unknown": None}


def normalise_board_inputs(mapping: Mapping | None) -> dict:
    """Return all five board inputs of §2.1, missing or blank = None; other keys are ignored.

    Raises ValueError for a value outside the input's vocabulary.
    """
    mapping = mapping or {}
    result = {}
    for name in BOARD_INPUT_NAMES:
        value = mapping.get(name)
        if value == "":
            value = None
        if name == "resectability":
            if value is not None and value not in RESECTABILITY_VALUES:
                raise ValueError(
                    f"resectability must be one of {', '.join(RESECTABILITY_VALUES)} or null, not {value!r}"
                )
        else:
            if isinstance(value, str) and value.lower() in _TRUE_STRINGS:
                value = _TRUE_STRINGS[value.lower()]
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{name} must be true, false or null, not {value!r}")
        result[name] = value
    return result

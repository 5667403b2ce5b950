"""Case files: one patient's structured record as JSON (shared/clinical/case-file.md).

`parse_case_file` validates a whole file and returns it normalised (every optional key present), so
that `case_export` of an imported file gives the same bytes again. `case_import` writes a validated
file as a new patient in one transaction; `case_export` reads a patient's current record back.
Identity (name, hospital number) never travels in a case file.
"""

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from audit.models import AuditEvent
from patients.models import (
    MAX_LESION_MM,
    SYSTEMIC_EVENT_TYPES,
    VIEW_ANY_PATIENT,
    AblationSubtype,
    Analyte,
    Comorbidity,
    Disease,
    EcogAssessment,
    Event,
    EventType,
    FrailtyAssessment,
    Intent,
    Ki67Result,
    LabResult,
    Lesion,
    Margin,
    Measurement,
    NStatus,
    Organ,
    Patient,
    PrimaryTumour,
    RecistResponse,
    Removal,
    Sex,
)
from patients.services import MRN_IN_USE, MRN_NOT_USABLE, MrnRefused, mrn_check_available

FORMAT = "oligoboard-case/1"
MAX_CASE_FILE_BYTES = 5 * 1024 * 1024
SYSTEM_USERNAME = "system"
CHANGE_REASON = "Imported from a case file"

ROOT_KEYS = ("format", "patient", "primary", "lesions", "events", "labs")
PATIENT_KEYS = ("birth_date", "sex", "ecog", "comorbidities", "frailty_assessments")
ECOG_KEYS = ("date", "value")
FRAILTY_KEYS = ("date", "frail", "note")
PRIMARY_KEYS = (
    "disease",
    "site",
    "diagnosis_date",
    "t_stage",
    "n_status",
    "resection",
    "ki67",
    "hormone_excess",
    "glucocorticoid_excess",
    "hormone_excess_uncontrolled",
    "notes",
)
RESECTION_KEYS = ("date", "margin")
KI67_KEYS = ("date", "value_pct", "low_pct", "high_pct", "specimen")
LESION_KEYS = ("id", "organ", "regional_node", "detected_on", "measurements", "removed_on", "removal", "note")
MEASUREMENT_KEYS = ("date", "size_mm")
EVENT_KEYS = (
    "type",
    "start",
    "end",
    "regimen",
    "line",
    "intent",
    "lesion_ids",
    "margin",
    "notes",
    "subtype",
    "recist_overall",
)
LABS_KEYS = ("cea",)
CEA_KEYS = ("date", "value_ng_ml")
HORMONE_KEYS = ("hormone_excess", "glucocorticoid_excess", "hormone_excess_uncontrolled")

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CaseFileError(Exception):
    """A case file (or its import) was refused; `errors` holds every "path: message"."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _number_out(value: Decimal) -> int | float:
    """Whole numbers as ints, others as floats, so exports look like hand-written files."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


class _Checker:
    """Collects every error of a file while reading it into its normalised shape."""

    def __init__(self, today: date):
        self.today = today
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or '(root)'}: {message}")

    def object(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return None
        for key in value:
            if key not in allowed:
                self.error(_join(path, str(key)), f"unknown key (allowed: {', '.join(allowed)})")
        return value

    def items(self, parent: dict, key: str, path: str) -> list:
        """A list value; absent or null is an empty list."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(_join(path, key), "must be a list")
            return []
        return value

    def text(self, parent: dict, key: str, path: str, *, max_length: int, required: bool = False) -> str | None:
        return self.text_value(parent.get(key), _join(path, key), max_length=max_length, required=required)

    def text_value(self, value: Any, path: str, *, max_length: int, required: bool = False) -> str | None:
        """Text, with empty text read as absent (null)."""
        if value is None or value == "":
            if required:
                self.error(path, "is required")
            return None
        if not isinstance(value, str):
            self.error(path, "must be text")
            return None
        if required and not value.strip():
            self.error(path, "is required")
            return None
        if len(value) > max_length:
            self.error(path, f"is too long (at most {max_length} characters)")
            return None
        if "\x00" in value:
            # PostgreSQL text cannot hold NUL; refuse it here rather than fail while saving.
            self.error(path, "must not contain NUL characters")
            return None
        return value

    def choice(self, parent: dict, key: str, path: str, choices: list[str], *, required: bool = False) -> str | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(_join(path, key), "is required")
            return None
        if value not in choices or not isinstance(value, str):
            self.error(_join(path, key), f"must be one of {', '.join(choices)}")
            return None
        return value

    def day(self, parent: dict, key: str, path: str, *, required: bool = False) -> date | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(_join(path, key), "is required")
            return None
        parsed = None
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            if isinstance(value, str) and len(value) > 30:
                value = f"{value[:30]}..."
            shown = json.dumps(value, ensure_ascii=False)[:40]
            self.error(_join(path, key), f"must be a date written YYYY-MM-DD, not {shown}")
            return None
        if parsed > self.today:
            self.error(_join(path, key), "is in the future")
            return None
        return parsed

    def boolean(self, parent: dict, key: str, path: str, *, required: bool = False) -> bool | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(_join(path, key), "is required")
            return None
        if not isinstance(value, bool):
            self.error(_join(path, key), "must be true or false")
            return None
        return value

    def integer(self, parent: dict, key: str, path: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(_join(path, key), "is required")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(_join(path, key), "must be a whole number")
            return None
        if not low <= value <= high:
            self.error(_join(path, key), f"must be between {low} and {high}")
            return None
        return value

    def number(self, parent: dict, key: str, path: str, *, places: int, required: bool = False) -> Decimal | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(_join(path, key), "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.error(_join(path, key), "must be a number")
            return None
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.error(_join(path, key), "must be a number")
            return None
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.error(_join(path, key), f"must have at most {places} decimal place{'s' if places > 1 else ''}")
            return None
        return number

    def size(self, parent: dict, key: str, path: str) -> Decimal | None:
        number = self.number(parent, key, path, places=1, required=True)
        if number is None:
            return None
        if number <= 0:
            self.error(_join(path, key), "must be > 0")
            return None
        if number > MAX_LESION_MM:
            self.error(_join(path, key), f"must be ≤ {MAX_LESION_MM}")
            return None
        return number

    def percent(self, parent: dict, key: str, path: str) -> Decimal | None:
        number = self.number(parent, key, path, places=1)
        if number is not None and not 0 <= number <= 100:
            self.error(_join(path, key), "must be between 0 and 100")
            return None
        return number


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _number(value: Decimal | None) -> int | float | None:
    return None if value is None else _number_out(value)


def _read_patient(check: _Checker, raw: Any) -> dict:
    path = "patient"
    if raw is None:
        check.error(path, "is required")
        return {}
    patient = check.object(raw, path, PATIENT_KEYS)
    if patient is None:
        return {}
    ecog = []
    for index, entry in enumerate(check.items(patient, "ecog", path)):
        entry_path = f"{path}.ecog[{index}]"
        if check.object(entry, entry_path, ECOG_KEYS) is None:
            continue
        assessed_on = check.day(entry, "date", entry_path, required=True)
        value = check.integer(entry, "value", entry_path, 0, 4, required=True)
        ecog.append({"date": _iso(assessed_on), "value": value})
    comorbidities = []
    for index, name in enumerate(check.items(patient, "comorbidities", path)):
        text = check.text_value(name, f"{path}.comorbidities[{index}]", max_length=200, required=True)
        if text is not None:
            comorbidities.append(text)
    frailty = []
    for index, entry in enumerate(check.items(patient, "frailty_assessments", path)):
        entry_path = f"{path}.frailty_assessments[{index}]"
        if check.object(entry, entry_path, FRAILTY_KEYS) is None:
            continue
        frailty.append(
            {
                "date": _iso(check.day(entry, "date", entry_path, required=True)),
                "frail": check.boolean(entry, "frail", entry_path, required=True),
                "note": check.text(entry, "note", entry_path, max_length=500),
            }
        )
    return {
        "birth_date": _iso(check.day(patient, "birth_date", path, required=True)),
        "sex": check.choice(patient, "sex", path, Sex.values) or Sex.UNKNOWN.value,
        "ecog": ecog,
        "comorbidities": comorbidities,
        "frailty_assessments": frailty,
    }


def _read_primary(check: _Checker, raw: Any) -> dict | None:
    path = "primary"
    if raw is None:
        return None
    primary = check.object(raw, path, PRIMARY_KEYS)
    if primary is None:
        return None
    disease = check.choice(primary, "disease", path, Disease.values, required=True)
    diagnosed_on = check.day(primary, "diagnosis_date", path, required=True)
    resection = None
    if primary.get("resection") is not None:
        resection_path = f"{path}.resection"
        if check.object(primary["resection"], resection_path, RESECTION_KEYS) is not None:
            resected_on = check.day(primary["resection"], "date", resection_path, required=True)
            if resected_on and diagnosed_on and resected_on < diagnosed_on:
                check.error(f"{resection_path}.date", "is before the diagnosis date")
            margin = check.choice(primary["resection"], "margin", resection_path, Margin.values)
            resection = {"date": _iso(resected_on), "margin": margin}
    ki67 = []
    for index, entry in enumerate(check.items(primary, "ki67", path)):
        entry_path = f"{path}.ki67[{index}]"
        if check.object(entry, entry_path, KI67_KEYS) is None:
            continue
        measured_on = check.day(entry, "date", entry_path, required=True)
        value = check.percent(entry, "value_pct", entry_path)
        low = check.percent(entry, "low_pct", entry_path)
        high = check.percent(entry, "high_pct", entry_path)
        has_range = entry.get("low_pct") is not None or entry.get("high_pct") is not None
        if entry.get("value_pct") is not None and has_range:
            check.error(entry_path, "give either value_pct or low_pct/high_pct, not both")
        elif entry.get("value_pct") is None and not has_range:
            check.error(entry_path, "give value_pct or low_pct/high_pct")
        elif has_range and (entry.get("low_pct") is None or entry.get("high_pct") is None):
            check.error(entry_path, "a range needs both low_pct and high_pct")
        elif low is not None and high is not None and low > high:
            check.error(f"{entry_path}.high_pct", "is below low_pct")
        ki67.append(
            {
                "date": _iso(measured_on),
                "value_pct": _number(value),
                "low_pct": _number(low),
                "high_pct": _number(high),
                "specimen": check.text(entry, "specimen", entry_path, max_length=200),
            }
        )
    hormones = {key: check.boolean(primary, key, path) for key in HORMONE_KEYS}
    if disease == Disease.CRC:
        for key in HORMONE_KEYS:
            if hormones[key] is not None:
                check.error(f"{path}.{key}", "applies to adrenocortical carcinoma (acc) only")
    if hormones["hormone_excess"] is False and hormones["glucocorticoid_excess"]:
        check.error(f"{path}.glucocorticoid_excess", "cannot be true when hormone_excess is false")
    return {
        "disease": disease,
        "site": check.text(primary, "site", path, max_length=100, required=True),
        "diagnosis_date": _iso(diagnosed_on),
        "t_stage": check.text(primary, "t_stage", path, max_length=10),
        "n_status": check.choice(primary, "n_status", path, NStatus.values),
        "resection": resection,
        "ki67": ki67,
        **hormones,
        "notes": check.text(primary, "notes", path, max_length=10_000),
    }


def _read_lesion(check: _Checker, raw: Any, path: str, seen_ids: set[str]) -> dict | None:
    lesion = check.object(raw, path, LESION_KEYS)
    if lesion is None:
        return None
    lesion_id = check.text(lesion, "id", path, max_length=40, required=True)
    if lesion_id is not None:
        if lesion_id in seen_ids:
            check.error(f"{path}.id", f"duplicate id '{lesion_id}'")
        seen_ids.add(lesion_id)
    detected_on = check.day(lesion, "detected_on", path, required=True)
    measurements = []
    measured_days: list[tuple[str, date]] = []
    for index, entry in enumerate(check.items(lesion, "measurements", path)):
        entry_path = f"{path}.measurements[{index}]"
        if check.object(entry, entry_path, MEASUREMENT_KEYS) is None:
            continue
        measured_on = check.day(entry, "date", entry_path, required=True)
        if measured_on and detected_on and measured_on < detected_on:
            check.error(f"{entry_path}.date", f"is before the lesion was detected ({detected_on.isoformat()})")
        if measured_on:
            measured_days.append((entry_path, measured_on))
        measurements.append({"date": _iso(measured_on), "size_mm": _number(check.size(entry, "size_mm", entry_path))})
    removed_on = check.day(lesion, "removed_on", path)
    removal = check.choice(lesion, "removal", path, Removal.values)
    if removed_on and detected_on and removed_on < detected_on:
        check.error(f"{path}.removed_on", f"is before the lesion was detected ({detected_on.isoformat()})")
    for entry_path, measured_on in measured_days:
        if removed_on and measured_on > removed_on:
            check.error(f"{entry_path}.date", f"is after the lesion was removed ({removed_on.isoformat()})")
    if (lesion.get("removed_on") is None) != (lesion.get("removal") is None):
        missing = "removal" if lesion.get("removal") is None else "removed_on"
        check.error(f"{path}.{missing}", "removed_on and removal go together: give both or neither")
    regional_node = check.boolean(lesion, "regional_node", path)
    return {
        "id": lesion_id,
        "organ": check.choice(lesion, "organ", path, Organ.values, required=True),
        "regional_node": bool(regional_node),
        "detected_on": _iso(detected_on),
        "measurements": measurements,
        "removed_on": _iso(removed_on),
        "removal": removal,
        "note": check.text(lesion, "note", path, max_length=500),
    }


def _read_event(check: _Checker, raw: Any, path: str, lesion_ids: set[str]) -> dict | None:
    event = check.object(raw, path, EVENT_KEYS)
    if event is None:
        return None
    event_type = check.choice(event, "type", path, EventType.values, required=True)
    started_on = check.day(event, "start", path, required=True)
    ended_on = check.day(event, "end", path)
    if started_on and ended_on and ended_on < started_on:
        check.error(f"{path}.end", f"is before the start ({started_on.isoformat()})")
    line = check.integer(event, "line", path, 1, 20)
    if line is not None and event_type is not None and event_type not in SYSTEMIC_EVENT_TYPES:
        check.error(
            f"{path}.line", "applies to systemic therapy only (chemotherapy, mitotane, immunotherapy, targeted_therapy)"
        )
    treated = []
    for index, lesion_id in enumerate(check.items(event, "lesion_ids", path)):
        id_path = f"{path}.lesion_ids[{index}]"
        if not isinstance(lesion_id, str):
            check.error(id_path, "must be text")
        elif lesion_id not in lesion_ids:
            check.error(id_path, f"unknown lesion id '{lesion_id}'")
        elif lesion_id in treated:
            check.error(id_path, f"lesion id '{lesion_id}' is listed twice")
        else:
            treated.append(lesion_id)
    normalised = {
        "type": event_type,
        "start": _iso(started_on),
        "end": _iso(ended_on),
        "regimen": check.text(event, "regimen", path, max_length=200),
        "line": line,
        "intent": check.choice(event, "intent", path, Intent.values),
        "lesion_ids": sorted(treated),
        "margin": check.choice(event, "margin", path, Margin.values),
        "notes": check.text(event, "notes", path, max_length=10_000),
    }
    subtype = check.choice(event, "subtype", path, AblationSubtype.values)
    recist = check.choice(event, "recist_overall", path, RecistResponse.values)
    if event_type == EventType.THERMAL_ABLATION:
        normalised["subtype"] = subtype
    elif subtype is not None and event_type is not None:
        check.error(f"{path}.subtype", "applies to thermal_ablation only")
    if event_type == EventType.IMAGING:
        normalised["recist_overall"] = recist
    elif recist is not None and event_type is not None:
        check.error(f"{path}.recist_overall", "applies to imaging only")
    return normalised


def _read_labs(check: _Checker, raw: Any) -> dict:
    path = "labs"
    cea = []
    if raw is None:
        return {"cea": cea}
    labs = check.object(raw, path, LABS_KEYS)
    if labs is None:
        return {"cea": cea}
    for index, entry in enumerate(check.items(labs, "cea", path)):
        entry_path = f"{path}.cea[{index}]"
        if check.object(entry, entry_path, CEA_KEYS) is None:
            continue
        taken_on = check.day(entry, "date", entry_path, required=True)
        value = check.number(entry, "value_ng_ml", entry_path, places=2, required=True)
        if value is not None and value < 0:
            check.error(f"{entry_path}.value_ng_ml", "must be ≥ 0")
            value = None
        elif value is not None and value >= 10**8:
            check.error(f"{entry_path}.value_ng_ml", "must be below 100000000")
            value = None
        cea.append({"date": _iso(taken_on), "value_ng_ml": _number(value)})
    return {"cea": cea}


def _load(raw: bytes | str) -> Any:
    """Decode and parse JSON text, or raise CaseFileError with the reason."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_CASE_FILE_BYTES:
        raise CaseFileError([f"(root): the file is larger than {MAX_CASE_FILE_BYTES // (1024 * 1024)} MB"])
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CaseFileError(["(root): not valid JSON: the file is not UTF-8 text"]) from None

    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        return json.loads(raw, parse_constant=refuse_constant)
    except json.JSONDecodeError as error:
        raise CaseFileError(
            [f"(root): not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"]
        ) from None
    except (ValueError, RecursionError) as error:
        raise CaseFileError([f"(root): not valid JSON: {error}"]) from None


def parse_case_file(raw: bytes | str | dict) -> dict:
    """Return the validated case file in its normalised shape, or raise CaseFileError with every error."""
    document = raw if isinstance(raw, dict) else _load(raw)
    check = _Checker(today=timezone.localdate())
    if check.object(document, "", ROOT_KEYS) is None:
        raise CaseFileError(check.errors)
    if "format" not in document:
        check.error("format", f'is required ("{FORMAT}")')
    elif document["format"] != FORMAT:
        check.error("format", f'must be "{FORMAT}"')
    patient = _read_patient(check, document.get("patient"))
    primary = _read_primary(check, document.get("primary"))
    lesions = []
    seen_ids: set[str] = set()
    for index, raw_lesion in enumerate(check.items(document, "lesions", "")):
        lesion = _read_lesion(check, raw_lesion, f"lesions[{index}]", seen_ids)
        if lesion is not None:
            lesions.append(lesion)
    events = []
    for index, raw_event in enumerate(check.items(document, "events", "")):
        event = _read_event(check, raw_event, f"events[{index}]", seen_ids)
        if event is not None:
            events.append(event)
    labs = _read_labs(check, document.get("labs"))
    if check.errors:
        raise CaseFileError(check.errors)
    return _in_export_order(
        {
            "format": FORMAT,
            "patient": patient,
            "primary": primary,
            "lesions": lesions,
            "events": events,
            "labs": labs,
        }
    )


def _in_export_order(case: dict) -> dict:
    """Sort a valid case the way case_export orders rows, so that parsing a file and exporting it agree."""

    def by_date(rows: list[dict], key: str = "date") -> list[dict]:
        return sorted(rows, key=lambda row: row[key])  # stable: same-day rows keep their file order

    case["patient"]["ecog"] = by_date(case["patient"]["ecog"])
    case["patient"]["frailty_assessments"] = by_date(case["patient"]["frailty_assessments"])
    case["patient"]["comorbidities"] = sorted(case["patient"]["comorbidities"])
    if case["primary"] is not None:
        case["primary"]["ki67"] = by_date(case["primary"]["ki67"])
    case["lesions"] = sorted(case["lesions"], key=lambda lesion: (lesion["detected_on"], lesion["id"]))
    for lesion in case["lesions"]:
        lesion["measurements"] = by_date(lesion["measurements"])
    case["events"] = by_date(case["events"], "start")
    case["labs"]["cea"] = by_date(case["labs"]["cea"])
    return case


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _decimal(value: int | float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _check_identity(mrn: str, name: str | None) -> tuple[str, str]:
    """Return the cleaned hospital number and name, or raise CaseFileError."""
    errors = []
    mrn = (mrn or "").strip()
    name = f"Case {mrn}" if name is None else name.strip()
    if not mrn:
        errors.append("mrn: is required")
    elif len(mrn) > Patient._meta.get_field("mrn").max_length:
        errors.append("mrn: is too long (at most 40 characters)")
    if not name:
        errors.append("name: is required")
    elif len(name) > Patient._meta.get_field("name").max_length:
        errors.append("name: is too long (at most 200 characters)")
    if errors:
        raise CaseFileError(errors)
    return mrn, name


def _create_record(case: dict, patient: Patient, by: AbstractBaseUser) -> None:
    """Create every row of the case for a new patient, a fixed number of queries whatever its size."""
    stamp = {"patient": patient, "created_by": by}
    primary = case["primary"]
    if primary is not None:
        resection = primary["resection"] or {}
        _create_with_history(
            PrimaryTumour(
                **stamp,
                disease=primary["disease"],
                site=primary["site"],
                diagnosed_on=_day(primary["diagnosis_date"]),
                t_stage=primary["t_stage"] or "",
                n_status=primary["n_status"] or "",
                resected_on=_day(resection.get("date")),
                resection_margin=resection.get("margin") or "",
                hormone_excess=primary["hormone_excess"],
                glucocorticoid_excess=primary["glucocorticoid_excess"],
                hormone_excess_uncontrolled=primary["hormone_excess_uncontrolled"],
                notes=primary["notes"] or "",
            ),
            by,
        )
        _bulk(
            Ki67Result,
            by,
            [
                Ki67Result(
                    **stamp,
                    measured_on=_day(entry["date"]),
                    value_pct=_decimal(entry["value_pct"]),
                    low_pct=_decimal(entry["low_pct"]),
                    high_pct=_decimal(entry["high_pct"]),
                    specimen=entry["specimen"] or "",
                )
                for entry in primary["ki67"]
            ],
        )
    record = case["patient"]
    _bulk(
        EcogAssessment,
        by,
        [EcogAssessment(**stamp, assessed_on=_day(entry["date"]), value=entry["value"]) for entry in record["ecog"]],
    )
    _bulk(
        FrailtyAssessment,
        by,
        [
            FrailtyAssessment(**stamp, assessed_on=_day(entry["date"]), frail=entry["frail"], note=entry["note"] or "")
            for entry in record["frailty_assessments"]
        ],
    )
    _bulk(Comorbidity, by, [Comorbidity(**stamp, name=name) for name in record["comorbidities"]])
    lesions = _bulk(
        Lesion,
        by,
        [
            Lesion(
                **stamp,
                label=entry["id"],
                organ=entry["organ"],
                regional_node=entry["regional_node"],
                detected_on=_day(entry["detected_on"]),
                removed_on=_day(entry["removed_on"]),
                removal=entry["removal"] or "",
                note=entry["note"] or "",
            )
            for entry in case["lesions"]
        ],
    )
    lesion_by_id = {lesion.label: lesion for lesion in lesions}
    _bulk(
        Measurement,
        by,
        [
            Measurement(
                lesion=lesion_by_id[entry["id"]],
                created_by=by,
                measured_on=_day(measurement["date"]),
                size_mm=_decimal(measurement["size_mm"]),
            )
            for entry in case["lesions"]
            for measurement in entry["measurements"]
        ],
    )
    events = _bulk(
        Event,
        by,
        [
            Event(
                **stamp,
                type=entry["type"],
                started_on=_day(entry["start"]),
                ended_on=_day(entry["end"]),
                regimen=entry["regimen"] or "",
                line=entry["line"],
                intent=entry["intent"] or "",
                margin=entry["margin"] or "",
                notes=entry["notes"] or "",
                subtype=entry.get("subtype") or "",
                recist_overall=entry.get("recist_overall") or "",
            )
            for entry in case["events"]
        ],
    )
    # The event-lesion links have no change history; a plain bulk insert.
    Event.lesions.through.objects.bulk_create(
        [
            Event.lesions.through(event=event, lesion=lesion_by_id[lesion_id])
            for event, entry in zip(events, case["events"], strict=True)
            for lesion_id in entry["lesion_ids"]
        ]
    )
    _bulk(
        LabResult,
        by,
        [
            LabResult(**stamp, analyte=Analyte.CEA, taken_on=_day(entry["date"]), value=_decimal(entry["value_ng_ml"]))
            for entry in case["labs"]["cea"]
        ],
    )


def _bulk(model: type, by: AbstractBaseUser, rows: list) -> list:
    """Insert rows and their first history rows, two queries (none for no rows), and return them with keys."""
    if not rows:
        return []
    return bulk_create_with_history(rows, model, default_user=by, default_change_reason=CHANGE_REASON)


def _create_with_history(record, by: AbstractBaseUser):
    """Save one new row so that its history row names the importing user."""
    record._history_user = by
    record._change_reason = CHANGE_REASON
    record.save()
    return record


def case_import(
    *, case: dict, mrn: str, name: str | None, by: AbstractBaseUser, request=None, disclose: bool | None = None
) -> Patient:
    """Create a patient with the whole record of a case file, all or nothing, and audit it.

    A hospital number already in use is refused as `mrn_check_available` says: plainly for users who
    may see every patient (or with `disclose`, as the import_case command does), neutrally for others.
    """
    errors = []
    try:
        mrn, name = _check_identity(mrn, name)
    except CaseFileError as error:
        errors += error.errors
    else:
        try:
            mrn_check_available(mrn=mrn, by=by, request=request, disclose=disclose)
        except MrnRefused as refused:
            errors.append(_mrn_error(str(refused)))
    try:
        case = parse_case_file(case)
    except CaseFileError as error:
        errors += error.errors
    if errors:
        raise CaseFileError(errors)
    try:
        with transaction.atomic():
            patient = _create_with_history(
                Patient(
                    mrn=mrn,
                    name=name,
                    birth_date=_day(case["patient"]["birth_date"]),
                    sex=case["patient"]["sex"],
                    created_by=by,
                ),
                by,
            )
            _create_record(case, patient, by)
            AuditEvent.record(
                by=by,
                action="patient.case_imported",
                target=patient,
                patient=patient,
                request=request,
                detail={"lesions": len(case["lesions"]), "events": len(case["events"])},
            )
    except IntegrityError:
        # Someone created the same hospital number between the check and the insert.
        if Patient.objects.filter(mrn=mrn).exists():
            disclosed = by.has_perm(f"patients.{VIEW_ANY_PATIENT}") if disclose is None else disclose
            raise CaseFileError([_mrn_error(MRN_IN_USE if disclosed else MRN_NOT_USABLE)]) from None
        raise
    return patient


def _mrn_error(message: str) -> str:
    """Return a refusal of the hospital number in the case-file style ("mrn: a patient with ...")."""
    return f"mrn: {message[:1].lower()}{message[1:].rstrip('.')}"


def case_export(patient: Patient) -> dict:
    """Return the patient's current record as a normalised case file (no name or hospital number).

    A patient loaded with `Patient.objects.for_record()` (the patient page, the case review) is exported from
    what is already loaded, without a query; any other is read with ten queries whatever the record's size.
    """
    patient = _loaded_rows(patient) if _is_loaded(patient) else _export_rows(patient.pk)
    primary = patient.primary
    return {
        "format": FORMAT,
        "patient": {
            "birth_date": _iso(patient.birth_date),
            "sex": patient.sex,
            "ecog": [{"date": _iso(row.assessed_on), "value": row.value} for row in patient.current_ecog],
            "comorbidities": sorted(row.name for row in patient.current_comorbidities),
            "frailty_assessments": [
                {"date": _iso(row.assessed_on), "frail": row.frail, "note": row.note or None}
                for row in patient.current_frailty
            ],
        },
        "primary": _export_primary(primary, patient.current_ki67) if primary is not None else None,
        # Sorted here rather than by the database, whose text collation differs between backends.
        "lesions": [
            _export_lesion(lesion)
            for lesion in sorted(patient.current_lesions, key=lambda lesion: (lesion.detected_on, lesion.label))
        ],
        "events": [_export_event(event) for event in patient.current_events],
        "labs": {
            "cea": [{"date": _iso(row.taken_on), "value_ng_ml": _number(row.value)} for row in patient.current_labs]
        },
    }


_PRIMARY_FIELDS = (
    "disease",
    "site",
    "diagnosed_on",
    "t_stage",
    "n_status",
    "resected_on",
    "resection_margin",
    "hormone_excess",
    "glucocorticoid_excess",
    "hormone_excess_uncontrolled",
    "notes",
)


_LOADED = (
    "current_lesions",
    "current_events",
    "current_ki67",
    "current_ecog",
    "current_frailty",
    "current_comorbidities",
    "current_labs",
)


def _is_loaded(patient: Patient) -> bool:
    """True when the patient was loaded with `for_record()` (its current rows are prefetched)."""
    return all(hasattr(patient, name) for name in _LOADED)


def _loaded_rows(patient: Patient) -> SimpleNamespace:
    """Return a record loaded with `for_record()` in the shape `_export_rows` reads, without a query."""
    primary = getattr(patient, "primary", None)
    return SimpleNamespace(
        birth_date=patient.birth_date,
        sex=patient.sex,
        primary=primary if primary is not None and primary.withdrawn_at is None else None,
        current_ecog=patient.current_ecog,
        current_comorbidities=patient.current_comorbidities,
        current_frailty=patient.current_frailty,
        current_ki67=patient.current_ki67,
        current_labs=[row for row in patient.current_labs if row.analyte == Analyte.CEA],
        current_lesions=patient.current_lesions,
        current_events=patient.current_events,
    )


def _export_rows(patient_pk: int) -> SimpleNamespace:
    """Read the current record as plain rows (the columns the case file needs), ten queries whatever its size.

    Values rather than model instances: building hundreds of full instances (timestamps, UUIDs, users) was
    most of the time of a heavy patient's export, which every guidance evaluation runs (issue 7).
    """
    current = {"withdrawn_at__isnull": True}
    patient = SimpleNamespace(
        **Patient.objects.values(
            "birth_date",
            "sex",
            "primary__id",
            "primary__withdrawn_at",
            *(f"primary__{name}" for name in _PRIMARY_FIELDS),
        ).get(pk=patient_pk)
    )
    patient.primary = None
    if patient.primary__id is not None and patient.primary__withdrawn_at is None:
        patient.primary = SimpleNamespace(**{name: getattr(patient, f"primary__{name}") for name in _PRIMARY_FIELDS})

    def rows(queryset, *fields) -> list[SimpleNamespace]:
        return [SimpleNamespace(**row) for row in queryset.filter(**current).values(*fields)]

    patient.current_ecog = rows(
        EcogAssessment.objects.filter(patient_id=patient_pk).order_by("assessed_on", "id"), "assessed_on", "value"
    )
    patient.current_comorbidities = rows(Comorbidity.objects.filter(patient_id=patient_pk), "name")
    patient.current_frailty = rows(
        FrailtyAssessment.objects.filter(patient_id=patient_pk).order_by("assessed_on", "id"),
        "assessed_on",
        "frail",
        "note",
    )
    patient.current_ki67 = rows(
        Ki67Result.objects.filter(patient_id=patient_pk).order_by("measured_on", "id"),
        "measured_on",
        "value_pct",
        "low_pct",
        "high_pct",
        "specimen",
    )
    patient.current_labs = rows(
        LabResult.objects.filter(patient_id=patient_pk, analyte=Analyte.CEA).order_by("taken_on", "id"),
        "taken_on",
        "value",
    )
    patient.current_lesions = rows(
        Lesion.objects.filter(patient_id=patient_pk).order_by("detected_on", "label", "id"),
        "id",
        "label",
        "organ",
        "regional_node",
        "detected_on",
        "removed_on",
        "removal",
        "note",
    )
    lesions = {lesion.id: lesion for lesion in patient.current_lesions}
    for lesion in patient.current_lesions:
        lesion.current_measurements = []
    for row in rows(
        Measurement.objects.filter(lesion__patient_id=patient_pk, lesion__withdrawn_at__isnull=True).order_by(
            "measured_on", "id"
        ),
        "lesion_id",
        "measured_on",
        "size_mm",
    ):
        lesions[row.lesion_id].current_measurements.append(row)
    patient.current_events = rows(
        Event.objects.filter(patient_id=patient_pk).order_by("started_on", "id"),
        "id",
        "type",
        "started_on",
        "ended_on",
        "regimen",
        "line",
        "intent",
        "margin",
        "notes",
        "subtype",
        "recist_overall",
    )
    events = {event.id: event for event in patient.current_events}
    for event in patient.current_events:
        event.treated = []
    for event_id, label in Event.lesions.through.objects.filter(
        event__patient_id=patient_pk, event__withdrawn_at__isnull=True, lesion__withdrawn_at__isnull=True
    ).values_list("event_id", "lesion__label"):
        events[event_id].treated.append(SimpleNamespace(label=label))
    return patient


def _export_primary(primary: PrimaryTumour, ki67: list[Ki67Result]) -> dict:
    resection = None
    if primary.resected_on:
        resection = {"date": _iso(primary.resected_on), "margin": primary.resection_margin or None}
    return {
        "disease": primary.disease,
        "site": primary.site,
        "diagnosis_date": _iso(primary.diagnosed_on),
        "t_stage": primary.t_stage or None,
        "n_status": primary.n_status or None,
        "resection": resection,
        "ki67": [
            {
                "date": _iso(row.measured_on),
                "value_pct": _number(row.value_pct),
                "low_pct": _number(row.low_pct),
                "high_pct": _number(row.high_pct),
                "specimen": row.specimen or None,
            }
            for row in ki67
        ],
        "hormone_excess": primary.hormone_excess,
        "glucocorticoid_excess": primary.glucocorticoid_excess,
        "hormone_excess_uncontrolled": primary.hormone_excess_uncontrolled,
        "notes": primary.notes or None,
    }


def _export_lesion(lesion: Lesion) -> dict:
    return {
        "id": lesion.label,
        "organ": lesion.organ,
        "regional_node": lesion.regional_node,
        "detected_on": _iso(lesion.detected_on),
        "measurements": [
            {"date": _iso(row.measured_on), "size_mm": _number(row.size_mm)} for row in lesion.current_measurements
        ],
        "removed_on": _iso(lesion.removed_on),
        "removal": lesion.removal or None,
        "note": lesion.note or None,
    }


def _export_event(event: Event) -> dict:
    exported = {
        "type": event.type,
        "start": _iso(event.started_on),
        "end": _iso(event.ended_on),
        "regimen": event.regimen or None,
        "line": event.line,
        "intent": event.intent or None,
        "lesion_ids": sorted(lesion.label for lesion in event.treated),
        "margin": event.margin or None,
        "notes": event.notes or None,
    }
    if event.type == EventType.THERMAL_ABLATION:
        exported["subtype"] = event.subtype or None
    if event.type == EventType.IMAGING:
        exported["recist_overall"] = event.recist_overall or None
    return exported


def case_export_json(patient: Patient) -> str:
    """Return the patient's case file as JSON text: indented, stable key order, trailing newline."""
    return json.dumps(case_export(patient), indent=2, ensure_ascii=False) + "\n"


def system_user() -> AbstractBaseUser:
    """Return the inactive "system" user that command-line imports act as, creating it if needed."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "System"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user

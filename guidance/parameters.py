"""What each parameter of decision-logic §3 may hold: its kind, unit and range, declared once.

Pure: no Django. The admin form refuses a value outside its kind at the field, publishing checks
every parameter of a release again, and the engine refuses a release whose values break these
rules instead of truncating or mis-comparing them (a DFI threshold of 12.5 months has no meaning in
calendar-month arithmetic, §1.1).

A parameter a draft adds that §3 does not declare (e.g. for a new rule) must be a finite number; it
is read only by that release's rule conditions.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class ParameterError(ValueError):
    """A parameter value that the engine cannot use; the message names the parameter and the rule broken."""


@dataclass(frozen=True)
class ParameterKind:
    """A family of values: whole or not, bounds (inclusive unless stated), and how to say it."""

    label: str  # e.g. "a whole number of months"
    unit: str
    integer: bool
    minimum: float
    maximum: float
    minimum_exclusive: bool = False
    maximum_exclusive: bool = False

    def problem(self, value) -> str | None:
        """Return why a value does not fit this kind, or None."""
        number = _as_number(value)
        if number is None:
            return f"must be {self.label}"
        if self.integer and number != int(number):
            return f"must be {self.label} (no fraction: {_show(number)} is not whole)"
        low_ok = number > self.minimum if self.minimum_exclusive else number >= self.minimum
        high_ok = number < self.maximum if self.maximum_exclusive else number <= self.maximum
        if not (low_ok and high_ok):
            low = f"{'more than' if self.minimum_exclusive else 'at least'} {_show(self.minimum)}"
            high = f"{'less than' if self.maximum_exclusive else 'at most'} {_show(self.maximum)}"
            return f"must be {self.label}, {low} and {high}"
        return None


# Bounds keep dates and counts in range (add_months to year 9999 fails), besides clinical sense.
MONTHS = ParameterKind("a whole number of months", "months", True, 1, 1200)
DAYS = ParameterKind("a whole number of days", "days", True, 1, 36500)
DAYS_OR_NONE = ParameterKind("a whole number of days (0 or more)", "days", True, 0, 36500)
COUNT_MAX = ParameterKind("a whole number (1 or more)", "", True, 1, 1000)
COUNT_ABOVE = ParameterKind("a whole number (0 or more)", "", True, 0, 1000)
MILLIMETRES = ParameterKind("a size in mm greater than 0", "mm", False, 0, 1000, minimum_exclusive=True)
PERCENT = ParameterKind("a percentage from 0 to 100", "%", False, 0, 100)
CEA = ParameterKind("a CEA value in ng/mL greater than 0", "ng/mL", False, 0, 1_000_000, minimum_exclusive=True)
FONG_POINTS = ParameterKind("a whole number of Fong points from 1 to 5", "points", True, 1, 5)
TBS = ParameterKind("a tumour burden score greater than 0", "", False, 0, 1000, minimum_exclusive=True)
ECOG = ParameterKind("an ECOG grade from 0 to 4", "ECOG", True, 0, 4)
RATIO_BELOW_ONE = ParameterKind(
    "a ratio between 0 and 1", "ratio", False, 0, 1, minimum_exclusive=True, maximum_exclusive=True
)
RATIO_ABOVE_ONE = ParameterKind("a ratio greater than 1", "ratio", False, 1, 100, minimum_exclusive=True)
ANY_NUMBER = ParameterKind("a finite number", "", False, -1e12, 1e12)

# Every parameter of decision-logic §3 and its kind.
PARAMETER_KINDS: dict[str, ParameterKind] = {
    "ACC_OMD_MAX_METASTASES": COUNT_MAX,
    "ACC_OMD_DIAMETER_BELOW_MM": MILLIMETRES,
    "ACC_IVA_MAX_TUMOUR_ORGANS": COUNT_MAX,
    "ACC_KI67_INDOLENT_BELOW_PCT": PERCENT,
    "ACC_KI67_RT_FAVOURABLE_MAX_PCT": PERCENT,
    "ACC_GUIDELINE_DFI_MIN_MONTHS": MONTHS,
    "ACC_LT_BENEFIT_DFI_ABOVE_MONTHS": MONTHS,
    "ACC_LT_BENEFIT_LESION_BELOW_MM": MILLIMETRES,
    "ACC_LONG_INTERVAL_MIN_MONTHS": MONTHS,
    "CRLM_OMD_MAX_LESIONS": COUNT_MAX,
    "CRLM_OMD_MAX_SITES": COUNT_MAX,
    "CRLM_EARLY_RECURRENCE_MONTHS": MONTHS,
    # 0 days reads the consensus literally: "detected at or before diagnosis of the primary".
    "CRLM_SYNC_WORKUP_DAYS": DAYS_OR_NONE,
    "CRLM_TA_MAX_MM": MILLIMETRES,
    "CRLM_TA_CAUTION_ABOVE_MM": MILLIMETRES,
    "CRLM_COLLISION_MAX_LESIONS": COUNT_MAX,
    "CRLM_EPOC_MAX_LESIONS": COUNT_MAX,
    "VIGANO_COUNT_ABOVE": COUNT_ABOVE,
    "VIGANO_SIZE_MIN_MM": MILLIMETRES,
    "VIGANO_CEA_MIN": CEA,
    "FONG_DFI_BELOW_MONTHS": MONTHS,
    "FONG_COUNT_ABOVE": COUNT_ABOVE,
    "FONG_SIZE_ABOVE_MM": MILLIMETRES,
    "FONG_CEA_ABOVE": CEA,
    "FONG_HIGH_RISK_MIN": FONG_POINTS,
    "TBS_MEDIUM_MIN": TBS,
    "TBS_HIGH_MIN": TBS,
    "OMD_SYNCHRONOUS_MAX_MONTHS": MONTHS,
    "RECIST_PR_MAX_RATIO": RATIO_BELOW_ONE,
    "RECIST_PD_MIN_RATIO": RATIO_ABOVE_ONE,
    "RECIST_PD_MIN_ABS_MM": MILLIMETRES,
    "RECIST_MEASURABLE_MIN_MM": MILLIMETRES,
    "RECIST_NODE_TARGET_MIN_MM": MILLIMETRES,
    "RECIST_MAX_TARGETS": COUNT_MAX,
    "RECIST_MAX_TARGETS_PER_ORGAN": COUNT_MAX,
    "FRAIL_ECOG_MIN": ECOG,
    "ECOG_VALID_DAYS": DAYS,
    "LAB_VALID_DAYS": DAYS,
}

# Pairs that must be ordered: (lower, higher, what breaks otherwise).
PARAMETER_ORDER = (
    ("TBS_MEDIUM_MIN", "TBS_HIGH_MIN", "the medium TBS zone starts below the high zone"),
    ("CRLM_TA_CAUTION_ABOVE_MM", "CRLM_TA_MAX_MM", "thermal ablation is an option with caution below its size limit"),
)

NAME_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        value = float(value)
    if isinstance(value, str):
        try:
            value = float(Decimal(value.strip()))
        except (InvalidOperation, ValueError):
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def kind_of(name: str) -> ParameterKind:
    """Return a parameter's declared kind (a parameter §3 does not declare: any finite number)."""
    return PARAMETER_KINDS.get(name, ANY_NUMBER)


def value_problem(name: str, value) -> str | None:
    """Return why a value is not allowed for a parameter, e.g. "must be a whole number of months", or None."""
    return kind_of(name).problem(value)


def name_problem(name: str) -> str | None:
    """Return why a parameter name cannot be used in conditions, or None."""
    if not NAME_PATTERN.match(name or ""):
        return "must be written in capitals, digits and underscores, starting with a letter (e.g. ACC_NEW_LIMIT_MM)"
    return None


def parameter_problems(parameters: Mapping) -> list[str]:
    """Return one message per parameter value that breaks its kind, and per misordered pair."""
    problems = [
        f"Parameter {name} {problem}, not {value}."
        for name, value in parameters.items()
        if (problem := value_problem(name, value)) is not None
    ]
    for lower, higher, why in PARAMETER_ORDER:
        low, high = _as_number(parameters.get(lower)), _as_number(parameters.get(higher))
        if low is not None and high is not None and low > high:
            problems.append(f"Parameter {lower} ({_show(low)}) must not exceed {higher} ({_show(high)}): {why}.")
    return problems


def whole(parameters: Mapping, name: str) -> int:
    """Return a whole-number parameter as an int; refuse a fraction instead of truncating it."""
    value = parameters[name]
    number = _as_number(value)
    if number is None or number != int(number):
        raise ParameterError(f"Parameter {name} must be a whole number, not {value!r}.")
    return int(number)

"""Scores of decision-logic §6: Fong CRS, Tumour Burden Score, Viganò table, simplified RECIST 1.1.

mENSAT (§6.1) and the CRLM presentation (§6.6) are derived with the lesion facts (guidance/derive.py).
Pure functions of facts and parameters; UNKNOWN is None.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from guidance.conditions import NOT_APPLICABLE, ScoreRange
from guidance.dates import add_months
from guidance.derive import Timeline
from guidance.parameters import whole

EPSILON = 1e-9  # ratios such as 1.2 x nadir are compared without binary floating-point drift

# Viganò 2012 via Adam slides: (> 3 metastases, >= 50 mm, CEA >= 200) -> (3-year OS %, 5-year OS %).
VIGANO_SURVIVAL = {
    (False, False, False): (60.5, 53.3),
    (True, False, False): (38.2, 29.9),
    (False, True, False): (26.7, 19.1),
    (False, False, True): (7.9, 4.1),
    (True, True, False): (8.0, 4.2),
    (True, False, True): (0.8, 0.2),
    (False, True, True): (0.1, 0),
    (True, True, True): (0, 0),
}


def _any_above(sizes, limit, inclusive: bool) -> bool | None:
    """Some size > limit (>= when inclusive): TRUE once a known size qualifies, UNKNOWN if one is missing."""
    unknown = False
    for size in sizes:
        if size is None:
            unknown = True
        elif (size >= limit) if inclusive else (size > limit):
            return True
    return None if unknown else False


def _and(a, b):
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a, b):
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


@dataclass(frozen=True)
class Fong:
    components: dict  # name -> True / False / None
    range: ScoreRange
    risk: str | None
    missing: tuple[str, ...]


def fong_score(
    *,
    node_positive,
    first_liver_date: date | None,
    resection_date: date | None,
    liver_count: int,
    liver_sizes: list,
    cea,
    parameters: Mapping,
) -> Fong:
    """Fong clinical risk score (§6.2): one point each; a range when components are UNKNOWN."""
    if first_liver_date is None:
        dfi_short = False
    elif resection_date is None or first_liver_date <= resection_date:
        dfi_short = True  # found on or before the primary resection, or primary unresected: DFI 0 months
    else:
        dfi_short = first_liver_date < add_months(resection_date, whole(parameters, "FONG_DFI_BELOW_MONTHS"))
    components = {
        "node_positive_primary": node_positive,
        "dfi_below_12_months": dfi_short,
        "more_than_one_liver_metastasis": liver_count > parameters["FONG_COUNT_ABOVE"],
        "largest_liver_above_50mm": _any_above(liver_sizes, parameters["FONG_SIZE_ABOVE_MM"], inclusive=False),
        "cea_above_200": None if cea is None else cea > parameters["FONG_CEA_ABOVE"],
    }
    known_points = sum(1 for value in components.values() if value is True)
    unknown = sum(1 for value in components.values() if value is None)
    score = ScoreRange(known_points, known_points + unknown)
    high_min = parameters["FONG_HIGH_RISK_MIN"]
    risk = "high" if score.low >= high_min else "low" if score.high < high_min else None
    missing_names = {
        "node_positive_primary": "n_status",
        "largest_liver_above_50mm": "largest_liver_mm",
        "cea_above_200": "cea_ng_ml",
    }
    missing = tuple(
        missing_names[name] for name, value in components.items() if value is None and name in missing_names
    )
    return Fong(components=components, range=score, risk=risk, missing=missing)


def tumour_burden_score(liver_sizes: list, parameters: Mapping) -> tuple[float | None, str | None]:
    """TBS = sqrt((largest liver metastasis in cm)² + count²) and its zone (§6.3); None when a size is missing."""
    if not liver_sizes:
        return NOT_APPLICABLE, None
    if any(size is None for size in liver_sizes):
        return None, None
    tbs = math.sqrt((max(liver_sizes) / 10) ** 2 + len(liver_sizes) ** 2)
    if tbs >= parameters["TBS_HIGH_MIN"]:
        zone = "high"
    elif tbs >= parameters["TBS_MEDIUM_MIN"]:
        zone = "medium"
    else:
        zone = "low"
    return tbs, zone


# The Viganò object of the output when it does not apply (ACC): every key present, every value unknown.
VIGANO_NOT_ASSESSED = {
    "more_than_3_metastases": None,
    "size_ge_50mm": None,
    "cea_ge_200": None,
    "factor_count": None,
    "contraindicated": None,
    "survival_3y_pct": None,
    "survival_5y_pct": None,
}
VIGANO_FACTOR_NAMES = ("more_than_3_metastases", "size_ge_50mm", "cea_ge_200")
# The Fong range of a case it is not assessed for (ACC): no component known, so 0 to 5 points.
FONG_NOT_ASSESSED_RANGE = [0, 5]


def vigano(*, liver_count: int, liver_sizes: list, cea, parameters: Mapping) -> dict:
    """Viganò factors, contraindication in three-valued logic and the slide's survival figures (§6.4)."""
    more_than = liver_count > parameters["VIGANO_COUNT_ABOVE"]
    large = _any_above(liver_sizes, parameters["VIGANO_SIZE_MIN_MM"], inclusive=True)
    high_cea = None if cea is None else cea >= parameters["VIGANO_CEA_MIN"]
    pattern = (more_than, large, high_cea)
    complete = None not in pattern
    survival = VIGANO_SURVIVAL[pattern] if complete else (None, None)
    return {
        "more_than_3_metastases": more_than,
        "size_ge_50mm": large,
        "cea_ge_200": high_cea,
        "factor_count": sum(pattern) if complete else None,
        "contraindicated": _or(_and(more_than, large), high_cea),
        "survival_3y_pct": survival[0],
        "survival_5y_pct": survival[1],
    }


@dataclass(frozen=True)
class Recist:
    response: str | None
    baseline: date | None
    baseline_sum: float | None
    nadir_sum: float | None
    current_date: date | None
    current_sum: float | None
    targets: tuple[str, ...]
    radiologist: bool = False

    def to_json(self) -> dict:
        """The contract's recist object (evaluation-output.md): baseline date, nadir and current sums in mm."""
        return {
            "response": self.response,
            "baseline": self.baseline.isoformat() if self.baseline else None,
            "nadir": _number(self.nadir_sum),
            "current": _number(self.current_sum),
            "targets": list(self.targets),
        }

    def detail_facts(self) -> dict:
        """What the contract's recist object leaves out, reported among the facts."""
        return {
            "recist_baseline_sum_mm": _number(self.baseline_sum),
            "recist_current_date": self.current_date.isoformat() if self.current_date else None,
            "recist_reported_by_radiologist": self.radiologist,
        }


def _number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 1)


def recist(timeline: Timeline, parameters: Mapping) -> Recist:  # noqa: C901
    """Simplified RECIST 1.1 (§6.5) at as_of, with the radiologist's report taking precedence."""
    as_of = timeline.as_of
    assessments = timeline.assessment_dates
    episodes = timeline.episodes
    current_episode = episodes[-1] if episodes else None
    systemic_starts = [start for start, _, _ in timeline.systemic]
    baseline = None
    if systemic_starts:
        latest_start = max(systemic_starts)
        before = [d for d in assessments if d <= latest_start]
        if before:
            baseline = before[-1]
        else:
            after = [d for d in assessments if d >= latest_start]
            baseline = after[0] if after else None
    if baseline is None:
        anchor = current_episode.start if current_episode else None
        after = [d for d in assessments if anchor is None or d >= anchor]
        baseline = after[0] if after else None

    override_event = None
    for event in timeline.events:
        if event.type == "imaging" and event.recist_overall:
            override_event = event
    latest_assessment = assessments[-1] if assessments else None
    radiologist = override_event is not None and (
        latest_assessment is None or override_event.start >= latest_assessment
    )

    if baseline is None:
        if radiologist:
            return Recist(override_event.recist_overall, None, None, None, override_event.start, None, (), True)
        return Recist(None, None, None, None, None, None, ())

    # Targets at baseline: measurable lesions, the largest, at most 2 per organ and 5 overall.
    measurable = []
    node_min = parameters["RECIST_NODE_TARGET_MIN_MM"]
    lesion_min = parameters["RECIST_MEASURABLE_MIN_MM"]
    for lesion in timeline.metastatic_lesions:
        if not lesion.active_at(baseline):
            continue
        size = lesion.size_at(baseline)
        if size is None or size < (node_min if lesion.is_node else lesion_min):
            continue
        measurable.append((size, lesion))
    measurable.sort(key=lambda item: (-item[0], item[1].id))
    per_organ: dict[str, int] = {}
    targets = []
    for _size, lesion in measurable:
        if len(targets) >= parameters["RECIST_MAX_TARGETS"]:
            break
        if per_organ.get(lesion.organ_key, 0) >= parameters["RECIST_MAX_TARGETS_PER_ORGAN"]:
            continue
        per_organ[lesion.organ_key] = per_organ.get(lesion.organ_key, 0) + 1
        targets.append(lesion)
    target_ids = tuple(sorted(lesion.id for lesion in targets))

    def target_sum(d: date, exact: bool) -> float | None:
        total = 0.0
        for lesion in targets:
            if lesion.removed_on is not None and lesion.removed_on <= d:
                continue
            size = lesion.measured_on(d) if exact else lesion.size_at(d)
            if size is None:
                return None
            total += size
        return total

    baseline_sum = target_sum(baseline, exact=False)
    later = [d for d in assessments if d > baseline]
    if radiologist:
        current_date = override_event.start
        current_sum = target_sum(current_date, exact=True) if later else None
        sums = [s for s in (target_sum(d, exact=True) for d in later if d <= current_date) if s is not None]
        nadir = min([baseline_sum] + sums) if baseline_sum is not None and sums else None
        return Recist(
            override_event.recist_overall, baseline, baseline_sum, nadir, current_date, current_sum, target_ids, True
        )
    if not later:
        return Recist("NE", baseline, baseline_sum, None, None, None, target_ids)
    current_date = later[-1]
    current_sum = target_sum(current_date, exact=True)
    sums = [s for s in (target_sum(d, exact=True) for d in later) if s is not None]
    nadir = min([baseline_sum] + sums) if baseline_sum is not None else (min(sums) if sums else None)
    new_lesion = any(baseline < lesion.detected_on <= as_of for lesion in timeline.metastatic_lesions)
    if new_lesion:
        return Recist("PD", baseline, baseline_sum, nadir, current_date, current_sum, target_ids)
    if not targets or current_sum is None or baseline_sum is None:
        return Recist("NE", baseline, baseline_sum, nadir, current_date, current_sum, target_ids)
    if (
        current_sum >= parameters["RECIST_PD_MIN_RATIO"] * nadir - EPSILON
        and current_sum - nadir >= parameters["RECIST_PD_MIN_ABS_MM"] - EPSILON
    ):
        response = "PD"
    elif current_sum == 0:
        response = "CR"
    elif current_sum <= parameters["RECIST_PR_MAX_RATIO"] * baseline_sum + EPSILON:
        response = "PR"
    else:
        response = "SD"
    return Recist(response, baseline, baseline_sum, nadir, current_date, current_sum, target_ids)

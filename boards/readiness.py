"""Readiness: what a case is missing, or has only in stale form, under a board's profile (pure, no queries).

Reads a patient loaded with `Patient.objects.for_record()` (current_lesions with current_measurements,
current_events, current_ecog, current_labs, current_ki67 and primary).
"""

from dataclasses import dataclass
from datetime import date

from patients.models import Analyte, Disease, EventType, Patient, PrimaryTumour


@dataclass(frozen=True)
class ReadinessProfile:
    imaging_max_age_days: int | None = 42
    ecog_max_age_days: int | None = 90
    cea_max_age_days: int | None = 90
    requires_ki67: bool = True
    requires_primary_pathology: bool = True


@dataclass(frozen=True)
class ReadinessProblem:
    code: str
    message: str
    fix_url: str


def _primary(patient: Patient) -> PrimaryTumour | None:
    try:
        return patient.primary
    except PrimaryTumour.DoesNotExist:
        return None


def _freshness(
    code: str, what: str, latest: date | None, max_age_days: int, on: date, fix_url: str
) -> ReadinessProblem | None:
    if latest is None:
        return ReadinessProblem(code, f"No {what} on record (needed within {max_age_days} days).", fix_url)
    age = (on - latest).days
    if age > max_age_days:
        return ReadinessProblem(
            code,
            f"Latest {what} is from {latest:%d %b %Y}, {age} days before the meeting (limit {max_age_days}).",
            fix_url,
        )
    return None


def latest_imaging_on(patient: Patient, on: date) -> date | None:
    """Date of the latest lesion measurement or imaging event up to the day."""
    dates = [
        measurement.measured_on
        for lesion in patient.current_lesions
        for measurement in lesion.current_measurements
        if measurement.measured_on <= on
    ]
    dates += [e.started_on for e in patient.current_events if e.type == EventType.IMAGING and e.started_on <= on]
    return max(dates, default=None)


def readiness_problems(patient: Patient, profile: ReadinessProfile, on: date) -> list[ReadinessProblem]:
    """Return what is missing or stale for a case discussed on the day, each with a link to fix it."""
    url = patient.get_absolute_url()
    primary = _primary(patient)
    disease = primary.disease if primary else None
    problems: list[ReadinessProblem | None] = []
    if profile.requires_primary_pathology:
        if primary is None:
            problems.append(ReadinessProblem("primary", "No primary tumour on record.", f"{url}#primary"))
        else:
            missing = [
                label for label, value in (("T stage", primary.t_stage), ("N status", primary.n_status)) if not value
            ]
            if primary.resected_on and not primary.resection_margin:
                missing.append("resection margin")
            if missing:
                problems.append(
                    ReadinessProblem(
                        "primary", f"Primary pathology incomplete: no {', '.join(missing)}.", f"{url}#primary"
                    )
                )
    if profile.imaging_max_age_days is not None:
        problems.append(
            _freshness(
                "imaging", "imaging", latest_imaging_on(patient, on), profile.imaging_max_age_days, on, f"{url}#lesions"
            )
        )
    if profile.ecog_max_age_days is not None:
        latest = max((e.assessed_on for e in patient.current_ecog if e.assessed_on <= on), default=None)
        problems.append(_freshness("ecog", "ECOG", latest, profile.ecog_max_age_days, on, f"{url}#status"))
    if profile.cea_max_age_days is not None and disease == Disease.CRC:
        latest = max(
            (lab.taken_on for lab in patient.current_labs if lab.analyte == Analyte.CEA and lab.taken_on <= on),
            default=None,
        )
        problems.append(_freshness("cea", "CEA", latest, profile.cea_max_age_days, on, f"{url}#labs"))
    if profile.requires_ki67 and disease == Disease.ACC and not patient.current_ki67:
        problems.append(ReadinessProblem("ki67", "No Ki-67 result on record.", f"{url}#primary"))
    return [problem for problem in problems if problem is not None]

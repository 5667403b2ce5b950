"""The only guidance code that reads the database: a patient's record as the engine's input record."""

import hashlib
import json
from datetime import date

from guidance.record import CaseRecord, record_from_case_dict
from patients.casefile import case_export
from patients.models import Patient


def case_dict_for(patient: Patient) -> dict:
    """Return the patient's current record as a case-file dict (a fixed number of queries)."""
    return case_export(patient)


def disease_of(case: dict) -> str | None:
    """Return the disease of a case-file dict, None without a primary tumour."""
    return case["primary"]["disease"] if case.get("primary") else None


def record_for(case: dict) -> CaseRecord:
    """Return the engine's input record for a case-file dict (the engine ignores anything after as_of)."""
    return record_from_case_dict(case)


def input_hash(case: dict, *, as_of: date, board_inputs: dict) -> str:
    """Return a stable hash of everything an evaluation reads, to reuse an unchanged evaluation."""
    canonical = json.dumps(
        {"record": case, "as_of": as_of.isoformat(), "board_inputs": board_inputs},
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()

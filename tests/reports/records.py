"""Patient courses for printed documents, shared by tests/reports and benchmarks/pdfs.py."""

import datetime as dt
import subprocess
from decimal import Decimal

from patients.models import EventType, Intent, Organ, Removal
from tests.factories import (
    EcogAssessmentFactory,
    EventFactory,
    Ki67ResultFactory,
    LabResultFactory,
    LesionFactory,
    MeasurementFactory,
    PatientFactory,
    PrimaryTumourFactory,
)


def pdf_text(pdf: bytes) -> str:
    """Return the text of a PDF as pdftotext reads it (pages separated by form feeds)."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def acc_patient(*, name: str, mrn: str, lesions: int = 2):
    """An ACC patient: adrenalectomy 2016, mitotane, lung metastases from 2021 measured twice."""
    patient = PatientFactory(name=name, mrn=mrn, birth_date=dt.date(1968, 9, 2))
    PrimaryTumourFactory(
        patient=patient,
        diagnosed_on=dt.date(2016, 5, 10),
        resected_on=dt.date(2016, 6, 2),
        resection_margin="R0",
        hormone_excess=False,
    )
    Ki67ResultFactory(patient=patient, measured_on=dt.date(2016, 6, 2), value_pct=Decimal("12"))
    EcogAssessmentFactory(patient=patient, assessed_on=dt.date(2024, 4, 30), value=1)
    EventFactory(
        patient=patient, type=EventType.DIAGNOSIS, started_on=dt.date(2016, 5, 10), ended_on=None, regimen="", line=None
    )
    EventFactory(
        patient=patient,
        type=EventType.PRIMARY_RESECTION,
        started_on=dt.date(2016, 6, 2),
        ended_on=None,
        regimen="",
        line=None,
        margin="R0",
    )
    EventFactory(
        patient=patient,
        type=EventType.MITOTANE,
        started_on=dt.date(2016, 7, 1),
        ended_on=dt.date(2018, 7, 1),
        regimen="mitotane",
        line=None,
        intent=Intent.ADJUVANT,
    )
    EventFactory(
        patient=patient,
        type=EventType.METASTATIC_DIAGNOSIS,
        started_on=dt.date(2021, 3, 1),
        ended_on=None,
        regimen="",
        line=None,
    )
    for number in range(1, lesions + 1):
        lesion = LesionFactory(patient=patient, label=f"L{number}", organ=Organ.LUNG, detected_on=dt.date(2021, 3, 1))
        MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 3, 1), size_mm=Decimal("12") + number)
        MeasurementFactory(lesion=lesion, measured_on=dt.date(2024, 4, 20), size_mm=Decimal("15") + number)
    return patient


def heavy_patient(*, name: str = "Heavy Course", mrn: str = "HEAVY0001", lesions: int = 40):
    """Ten years of a CRLM course: 40 lesions with 6 measurements each, about 120 events, CEA every quarter."""
    patient = PatientFactory(name=name, mrn=mrn, birth_date=dt.date(1955, 1, 20))
    start = dt.date(2014, 3, 3)
    PrimaryTumourFactory(
        patient=patient,
        disease="crc",
        site="sigmoid_colon",
        diagnosed_on=start,
        t_stage="T3",
        n_status="N1",
        resected_on=start + dt.timedelta(days=20),
        resection_margin="R0",
        hormone_excess=None,
    )
    EcogAssessmentFactory(patient=patient, assessed_on=dt.date(2024, 4, 2), value=1)
    for quarter in range(40):
        LabResultFactory(
            patient=patient, taken_on=start + dt.timedelta(days=91 * quarter + 5), value=Decimal("3.1") + quarter
        )
    EventFactory(patient=patient, type=EventType.DIAGNOSIS, started_on=start, ended_on=None, regimen="", line=None)
    EventFactory(
        patient=patient,
        type=EventType.PRIMARY_RESECTION,
        started_on=start + dt.timedelta(days=20),
        ended_on=None,
        regimen="",
        line=None,
        margin="R0",
    )
    organs = [Organ.LIVER, Organ.LUNG, Organ.PERITONEUM, Organ.LYMPH_NODE, Organ.BONE]
    for number in range(1, lesions + 1):
        detected = start + dt.timedelta(days=300 + 80 * number)
        removed = detected + dt.timedelta(days=200) if number % 4 == 0 else None
        lesion = LesionFactory(
            patient=patient,
            label=f"H{number:02d}",
            organ=organs[number % len(organs)],
            detected_on=detected,
            removed_on=removed,
            removal=Removal.RESECTION if removed else "",
        )
        for scan in range(6):
            measured = detected + dt.timedelta(days=60 * scan)
            if measured > dt.date(2024, 5, 1) or (removed and measured >= removed):
                break
            MeasurementFactory(lesion=lesion, measured_on=measured, size_mm=Decimal("8") + number % 9 + scan)
    for cycle in range(110):
        begin = start + dt.timedelta(days=60 + 31 * cycle)
        EventFactory(
            patient=patient,
            type=EventType.CHEMOTHERAPY,
            started_on=begin,
            ended_on=begin + dt.timedelta(days=14),
            regimen=f"FOLFOX cycle {cycle + 1}",
            line=1 + cycle // 40,
        )
    for scan in range(12):
        EventFactory(
            patient=patient,
            type=EventType.IMAGING,
            started_on=start + dt.timedelta(days=300 * scan + 30),
            ended_on=None,
            regimen="",
            line=None,
        )
    return patient

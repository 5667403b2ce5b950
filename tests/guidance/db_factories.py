"""Database helpers for guidance tests: the 2026.1 releases, editors, patients from case dicts."""

import copy
import datetime as dt
import importlib
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from patients import models as patient_models
from patients.casefile import case_import
from tests.factories import PatientFactory, PrimaryTumourFactory, UserFactory

install_migration = importlib.import_module("guidance.migrations.0004_install_release_2026_1")
group_migration = importlib.import_module("guidance.migrations.0003_guideline_editors_group")

AS_OF = dt.date(2026, 10, 1)

ACC_CASE = {
    "format": "oligoboard-case/1",
    "patient": {
        "birth_date": "1975-05-21",
        "sex": "F",
        "ecog": [{"date": "2026-09-20", "value": 0}],
        "comorbidities": [],
        "frailty_assessments": [],
    },
    "primary": {
        "disease": "acc",
        "site": "left_adrenal",
        "diagnosis_date": "2018-02-12",
        "t_stage": "T2",
        "n_status": "N0",
        "resection": {"date": "2018-03-01", "margin": "R0"},
        "ki67": [{"date": "2018-03-01", "value_pct": 8, "specimen": "left adrenalectomy"}],
        "hormone_excess": False,
        "glucocorticoid_excess": False,
        "hormone_excess_uncontrolled": None,
    },
    "lesions": [
        {
            "id": "L1",
            "organ": "lung",
            "detected_on": "2026-09-14",
            "measurements": [{"date": "2026-09-14", "size_mm": 18}],
        },
        {
            "id": "L2",
            "organ": "lung",
            "detected_on": "2026-09-14",
            "measurements": [{"date": "2026-09-14", "size_mm": 9}],
        },
        {
            "id": "L3",
            "organ": "lung",
            "detected_on": "2026-09-14",
            "measurements": [{"date": "2026-09-14", "size_mm": 35}],
        },
    ],
    "events": [
        {"type": "diagnosis", "start": "2018-02-12"},
        {"type": "primary_resection", "start": "2018-03-01", "margin": "R0"},
        {"type": "imaging", "start": "2025-09-10"},
        {"type": "recurrence", "start": "2026-09-14"},
    ],
    "labs": {"cea": []},
}

CRC_CASE = {
    "format": "oligoboard-case/1",
    "patient": {
        "birth_date": "1958-04-02",
        "sex": "M",
        "ecog": [{"date": "2026-09-02", "value": 1}],
        "comorbidities": ["type 2 diabetes"],
        "frailty_assessments": [],
    },
    "primary": {
        "disease": "crc",
        "site": "sigmoid_colon",
        "diagnosis_date": "2024-11-15",
        "t_stage": "T3",
        "n_status": "N1",
        "resection": {"date": "2024-12-20", "margin": "R0"},
        "ki67": [],
        "hormone_excess": None,
        "glucocorticoid_excess": None,
        "hormone_excess_uncontrolled": None,
    },
    "lesions": [
        {
            "id": "S7",
            "organ": "liver",
            "detected_on": "2026-08-28",
            "measurements": [{"date": "2026-08-28", "size_mm": 24}],
        },
        {
            "id": "S4",
            "organ": "liver",
            "detected_on": "2026-08-28",
            "measurements": [{"date": "2026-08-28", "size_mm": 15}],
        },
    ],
    "events": [
        {"type": "diagnosis", "start": "2024-11-15"},
        {"type": "primary_resection", "start": "2024-12-20", "margin": "R0"},
        {"type": "metastatic_diagnosis", "start": "2026-08-28"},
    ],
    "labs": {"cea": [{"date": "2026-08-28", "value_ng_ml": 14.2}]},
}


def install_releases() -> None:
    """Install the 2026.1 releases as the migration does (transactional tests flush them)."""
    install_migration.install_releases(apps, None)


def editors_group() -> Group:
    """Return the "Guideline editors" group as the migration creates it."""
    group = Group.objects.filter(name=group_migration.GROUP_NAME).first()
    if group is None:
        group = Group.objects.create(name=group_migration.GROUP_NAME)
        for model, codename in group_migration.PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(content_type__app_label="guidance", content_type__model=model, codename=codename)
            )
    return group


def editor_user(username: str = "editor"):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(editors_group())
    return user


def patient_from_case(case: dict, *, by=None, mrn: str | None = None, name: str = "Case Patient"):
    """Import a case dict as a patient."""
    by = by or UserFactory(username="importer")
    mrn = mrn or f"T{patient_models.Patient.objects.count() + 1:06d}"
    return case_import(case=copy.deepcopy(case), mrn=mrn, name=name, by=by)


def acc_patient(**kwargs):
    return patient_from_case(ACC_CASE, **kwargs)


def crc_patient(**kwargs):
    return patient_from_case(CRC_CASE, **kwargs)


def heavy_patient(*, lesions: int = 40, measurements: int = 8, events: int = 150):
    """An ACC patient with many lesions, measurements and events, inserted in bulk."""
    patient = PatientFactory(name="Heavy Patient")
    by = patient.created_by
    PrimaryTumourFactory(patient=patient, diagnosed_on=dt.date(2010, 1, 5), resected_on=dt.date(2010, 2, 1))
    rows = patient_models.Lesion.objects.bulk_create(
        patient_models.Lesion(
            patient=patient,
            label=f"H{index}",
            organ=patient_models.Organ.LUNG if index % 2 else patient_models.Organ.LIVER,
            detected_on=dt.date(2012, 1, 1) + dt.timedelta(days=index),
            created_by=by,
        )
        for index in range(lesions)
    )
    patient_models.Measurement.objects.bulk_create(
        patient_models.Measurement(
            lesion=lesion,
            measured_on=lesion.detected_on + dt.timedelta(days=90 * number),
            size_mm=Decimal(10 + number),
            created_by=by,
        )
        for lesion in rows
        for number in range(measurements)
    )
    kinds = [patient_models.EventType.IMAGING, patient_models.EventType.PROGRESSION, patient_models.EventType.SBRT]
    created = patient_models.Event.objects.bulk_create(
        patient_models.Event(
            patient=patient,
            type=kinds[index % 3],
            started_on=dt.date(2012, 1, 1) + dt.timedelta(days=20 * index),
            created_by=by,
        )
        for index in range(events)
    )
    patient_models.Event.lesions.through.objects.bulk_create(
        patient_models.Event.lesions.through(event_id=event.pk, lesion_id=rows[index % lesions].pk)
        for index, event in enumerate(created)
        if event.type == patient_models.EventType.SBRT
    )
    return patient

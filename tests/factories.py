"""factory_boy factories for the whole project (STYLE §12)."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from patients import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct horse battery")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    name = factory.Sequence(lambda n: f"Patient Number{n}")
    birth_date = dt.date(1964, 3, 5)
    sex = models.Sex.FEMALE
    created_by = factory.SubFactory(UserFactory)


class PrimaryTumourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PrimaryTumour

    patient = factory.SubFactory(PatientFactory)
    disease = models.Disease.ACC
    site = "left adrenal"
    diagnosed_on = dt.date(2016, 5, 10)
    t_stage = "T3"
    n_status = models.NStatus.N0
    created_by = factory.SelfAttribute("patient.created_by")


class LesionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Lesion

    patient = factory.SubFactory(PatientFactory)
    label = factory.Sequence(lambda n: f"L{n}")
    organ = models.Organ.LUNG
    detected_on = dt.date(2021, 3, 1)
    created_by = factory.SelfAttribute("patient.created_by")


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Measurement

    lesion = factory.SubFactory(LesionFactory)
    measured_on = factory.SelfAttribute("lesion.detected_on")
    size_mm = Decimal("18")
    modality = models.ImagingModality.CT
    created_by = factory.SelfAttribute("lesion.created_by")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event

    patient = factory.SubFactory(PatientFactory)
    type = models.EventType.CHEMOTHERAPY
    started_on = dt.date(2021, 4, 1)
    ended_on = dt.date(2021, 9, 1)
    regimen = "EDP-M"
    line = 1
    created_by = factory.SelfAttribute("patient.created_by")


class LabResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.LabResult

    patient = factory.SubFactory(PatientFactory)
    analyte = models.Analyte.CEA
    taken_on = dt.date(2024, 4, 28)
    value = Decimal("14.2")
    created_by = factory.SelfAttribute("patient.created_by")


class Ki67ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Ki67Result

    patient = factory.SubFactory(PatientFactory)
    measured_on = dt.date(2016, 5, 10)
    value_pct = Decimal("10")
    specimen = "adrenal biopsy"
    created_by = factory.SelfAttribute("patient.created_by")


class EcogAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EcogAssessment

    patient = factory.SubFactory(PatientFactory)
    assessed_on = dt.date(2024, 4, 1)
    value = 1
    created_by = factory.SelfAttribute("patient.created_by")


class FrailtyAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FrailtyAssessment

    patient = factory.SubFactory(PatientFactory)
    assessed_on = dt.date(2024, 4, 1)
    frail = False
    created_by = factory.SelfAttribute("patient.created_by")


class ComorbidityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Comorbidity

    patient = factory.SubFactory(PatientFactory)
    name = "type 2 diabetes"
    created_by = factory.SelfAttribute("patient.created_by")

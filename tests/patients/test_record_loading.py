"""A patient's current record is read in eight queries with SQL compiled once per process (patients.models.load_records)."""

import datetime as dt

import pytest
from django.utils import timezone

from boards.models import AgendaItem
from patients import models as patient_models
from patients.models import (
    Comorbidity,
    EcogAssessment,
    Event,
    FrailtyAssessment,
    Ki67Result,
    LabResult,
    Lesion,
    Measurement,
    Patient,
)
from tests.boards.factories import AgendaItemFactory, MeetingFactory
from tests.factories import (
    ComorbidityFactory,
    EcogAssessmentFactory,
    EventFactory,
    FrailtyAssessmentFactory,
    Ki67ResultFactory,
    LabResultFactory,
    LesionFactory,
    MeasurementFactory,
    PatientFactory,
)

RECORD_QUERIES = 8


def _withdraw(row) -> None:
    type(row).objects.filter(pk=row.pk).update(withdrawn_at=timezone.now(), withdrawn_reason="entered in error")


def _record(patient) -> dict:
    """A full record with withdrawn rows of every kind, out of order on purpose."""
    late, early = (
        LesionFactory(patient=patient, label=label, detected_on=day)
        for label, day in (("L2", dt.date(2023, 5, 1)), ("L1", dt.date(2021, 3, 1)))
    )
    gone = LesionFactory(patient=patient, label="L3")
    MeasurementFactory(lesion=gone)  # of a withdrawn lesion: not in the record
    for day in (dt.date(2024, 1, 1), dt.date(2022, 1, 1), dt.date(2023, 1, 1)):
        MeasurementFactory(lesion=early, measured_on=day)
    _withdraw(MeasurementFactory(lesion=early, measured_on=dt.date(2022, 6, 1)))
    treatment = EventFactory(patient=patient, type=patient_models.EventType.SBRT, started_on=dt.date(2024, 2, 1))
    treatment.lesions.set([late, early, gone])
    EventFactory(patient=patient, started_on=dt.date(2021, 4, 1))
    _withdraw(EventFactory(patient=patient, started_on=dt.date(2022, 4, 1)))
    for factory, days in (
        (Ki67ResultFactory, {"measured_on": (dt.date(2019, 1, 1), dt.date(2016, 5, 10))}),
        (EcogAssessmentFactory, {"assessed_on": (dt.date(2024, 4, 1), dt.date(2023, 4, 1))}),
        (FrailtyAssessmentFactory, {"assessed_on": (dt.date(2024, 4, 1), dt.date(2023, 4, 1))}),
        (ComorbidityFactory, {"name": ("hypertension", "asthma")}),
        (LabResultFactory, {"taken_on": (dt.date(2024, 4, 28), dt.date(2024, 1, 2))}),
    ):
        ((name, values),) = days.items()
        rows = [factory(patient=patient, **{name: value}) for value in values]
        _withdraw(rows[0])
        factory(patient=patient, **{name: values[0]})
    _withdraw(gone)
    return {"early": early, "late": late, "treatment": treatment}


def _expected(patient) -> dict:
    """The record as plain ORM queries of current rows, in the record's order, give it."""

    def ids(queryset):
        return [row.pk for row in queryset]

    lesions = Lesion.objects.current().filter(patient=patient).order_by("detected_on", "label", "id")
    return {
        "current_lesions": ids(lesions),
        "current_measurements": [
            ids(Measurement.objects.current().filter(lesion=lesion).order_by("measured_on", "id")) for lesion in lesions
        ],
        "current_events": ids(Event.objects.current().filter(patient=patient).order_by("started_on", "id")),
        "current_ki67": ids(Ki67Result.objects.current().filter(patient=patient).order_by("measured_on", "id")),
        "current_ecog": ids(EcogAssessment.objects.current().filter(patient=patient).order_by("assessed_on", "id")),
        "current_frailty": ids(
            FrailtyAssessment.objects.current().filter(patient=patient).order_by("assessed_on", "id")
        ),
        "current_comorbidities": ids(Comorbidity.objects.current().filter(patient=patient).order_by("name", "id")),
        "current_labs": ids(LabResult.objects.current().filter(patient=patient).order_by("taken_on", "id")),
    }


def _loaded(patient) -> dict:
    names = (
        "current_lesions",
        "current_events",
        "current_ki67",
        "current_ecog",
        "current_frailty",
        "current_comorbidities",
        "current_labs",
    )
    loaded = {name: [row.pk for row in getattr(patient, name)] for name in names}
    loaded["current_measurements"] = [
        [row.pk for row in lesion.current_measurements] for lesion in patient.current_lesions
    ]
    return loaded


@pytest.mark.django_db
def test_the_record_holds_the_current_rows_of_each_patient_in_order(django_assert_num_queries):
    first, second, empty = PatientFactory(), PatientFactory(), PatientFactory()
    _record(first)
    _record(second)
    with django_assert_num_queries(1 + RECORD_QUERIES):
        patients = list(Patient.objects.for_record().filter(pk__in=[first.pk, second.pk, empty.pk]).order_by("pk"))
    assert [_loaded(patient) for patient in patients] == [_expected(patient) for patient in (first, second, empty)]
    assert len(patients[0].current_lesions) == 2 and len(patients[0].current_events) == 2
    assert _loaded(patients[2]) == {**{name: [] for name in _expected(empty)}}


@pytest.mark.django_db
def test_rows_know_their_patient_lesion_and_treated_lesions_without_a_query(django_assert_num_queries):
    patient = PatientFactory()
    made = _record(patient)
    loaded = Patient.objects.for_record().get(pk=patient.pk)
    with django_assert_num_queries(0):
        lesions = loaded.current_lesions
        assert all(lesion.patient is loaded for lesion in lesions)
        assert all(m.lesion is lesion for lesion in lesions for m in lesion.current_measurements)
        assert all(event.patient is loaded for event in loaded.current_events)
        assert all(row.patient is loaded for row in loaded.current_labs + loaded.current_ecog + loaded.current_ki67)
        treatment = next(event for event in loaded.current_events if event.pk == made["treatment"].pk)
        # The withdrawn lesion L3 is no longer among the lesions it treated; the others are the record's own.
        assert [lesion.label for lesion in treatment.treated] == ["L1", "L2"]
        assert all(any(lesion is own for own in lesions) for lesion in treatment.treated)


@pytest.mark.django_db
def test_authorship_of_the_rows_is_read_for_all_of_them_at_once(django_assert_num_queries):
    patient = PatientFactory()
    for day in range(1, 5):
        EventFactory(patient=patient, started_on=dt.date(2024, 1, day))
    events = Patient.objects.for_record().get(pk=patient.pk).current_events
    assert all(
        event.get_deferred_fields() == {"created_at", "created_by_id", "updated_at", "updated_by_id"}
        for event in events
    )
    with django_assert_num_queries(1):  # one query for the four rows, not one per row
        assert [event.created_by_id for event in events] == [patient.created_by_id] * 4
    with django_assert_num_queries(1):
        assert all(event.created_at is not None for event in events)


@pytest.mark.django_db
def test_each_agenda_item_of_a_meeting_has_its_patients_record(django_assert_num_queries):
    meeting = MeetingFactory()
    first, second = PatientFactory(), PatientFactory()
    _record(first)
    AgendaItemFactory(meeting=meeting, patient=first, position=2)
    AgendaItemFactory(meeting=meeting, patient=second, position=1)
    with django_assert_num_queries(1 + RECORD_QUERIES + 1):  # items, the record, decisions
        items = list(AgendaItem.objects.for_agenda(meeting))
    assert [item.patient for item in items] == [second, first]
    assert [_loaded(item.patient) for item in items] == [_expected(second), _expected(first)]
    assert all(lesion.patient is items[1].patient for lesion in items[1].patient.current_lesions)


@pytest.mark.django_db
def test_each_tables_sql_is_compiled_once_per_number_of_patients(django_assert_num_queries):
    patients = [PatientFactory() for _ in range(3)]
    for patient in patients:
        _record(patient)
    patient_models._compiled_record_sql.cache_clear()
    list(Patient.objects.for_record().filter(pk=patients[0].pk))
    list(Patient.objects.for_record().filter(pk=patients[1].pk))
    info = patient_models._compiled_record_sql.cache_info()
    assert (info.misses, info.hits) == (RECORD_QUERIES, RECORD_QUERIES)
    two = list(Patient.objects.for_record().filter(pk__in=[patients[1].pk, patients[2].pk]).order_by("pk"))
    assert patient_models._compiled_record_sql.cache_info().misses == 2 * RECORD_QUERIES
    # The second patient's record, read alone and with another, is the same; the ids go where they belong.
    assert [_loaded(patient) for patient in two] == [_expected(patients[1]), _expected(patients[2])]


@pytest.mark.django_db
def test_without_compiled_sql_the_orm_reads_the_same_record(monkeypatch):
    patient = PatientFactory()
    _record(patient)
    compiled = _loaded(Patient.objects.for_record().get(pk=patient.pk))
    monkeypatch.setattr(patient_models, "_compiled_record_sql", lambda table, count, using: None)
    assert _loaded(Patient.objects.for_record().get(pk=patient.pk)) == compiled == _expected(patient)


@pytest.mark.django_db
def test_values_counts_and_empty_results_read_no_record(django_assert_num_queries):
    patient = PatientFactory()
    _record(patient)
    with django_assert_num_queries(1):
        assert list(Patient.objects.for_record().filter(pk=patient.pk).values_list("pk", flat=True)) == [patient.pk]
    with django_assert_num_queries(1):
        assert list(Patient.objects.for_record().filter(pk=-1)) == []
    with django_assert_num_queries(1):
        assert Patient.objects.for_record().filter(pk=patient.pk).count() == 1

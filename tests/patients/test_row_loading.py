"""Clinical rows read from the database are the instances Django's own Model.from_db builds (ClinicalRecord.from_db)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models
from django.db.models.signals import post_init

from patients.models import Event, Lesion, Measurement, Patient
from tests.factories import EventFactory, LesionFactory, MeasurementFactory


def _django_row(model, pk):
    """The row as Django's Model.from_db (through Model.__init__) builds it."""
    names = [field.attname for field in model._meta.concrete_fields]
    values = model.objects.filter(pk=pk).values_list(*names).get()
    return models.Model.from_db.__func__(model, "default", names, values)


def _fields(row) -> dict:
    return {name: value for name, value in vars(row).items() if name != "_state"}


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [LesionFactory, MeasurementFactory, EventFactory])
def test_rows_are_the_instances_django_builds(factory):
    created = factory()
    model = type(created)
    ours = model.objects.get(pk=created.pk)
    theirs = _django_row(model, created.pk)
    assert _fields(ours) == _fields(theirs)
    assert list(_fields(ours)) == [field.attname for field in model._meta.concrete_fields]
    assert (ours._state.adding, ours._state.db) == (theirs._state.adding, theirs._state.db) == (False, "default")
    assert ours.get_deferred_fields() == set()
    assert ours == theirs and hash(ours) == hash(theirs)


@pytest.mark.django_db
def test_loaded_rows_save_follow_relations_and_refresh():
    measurement = MeasurementFactory(size_mm=Decimal("12.0"))
    other = LesionFactory(patient=measurement.lesion.patient, label="L9")
    row = Measurement.objects.get(pk=measurement.pk)
    assert row.lesion == measurement.lesion
    row.lesion_id = other.pk  # the cached lesion is dropped, as for any Django instance
    assert row.lesion == other
    row.size_mm = Decimal("15.5")
    row.save(update_fields=["size_mm", "lesion"])
    row.size_mm = Decimal("1")
    row.refresh_from_db()
    assert (row.size_mm, row.lesion_id) == (Decimal("15.5"), other.pk)
    assert Measurement.objects.get(pk=measurement.pk).size_mm == Decimal("15.5")


@pytest.mark.django_db
def test_partial_rows_keep_their_deferred_fields_as_django_does():
    event = EventFactory(started_on=dt.date(2025, 3, 1))
    ours = Event.objects.only("started_on").get(pk=event.pk)
    names = ["id", "started_on"]
    theirs = models.Model.from_db.__func__(
        Event, "default", names, Event.objects.filter(pk=event.pk).values_list(*names).get()
    )
    assert _fields(ours) == _fields(theirs) == {"id": event.pk, "started_on": dt.date(2025, 3, 1)}
    assert ours.get_deferred_fields() == theirs.get_deferred_fields() >= {"regimen", "notes", "created_at"}
    assert ours.notes == event.notes  # loaded on access


@pytest.mark.django_db
def test_init_signal_receivers_are_still_called():
    patient = LesionFactory().patient
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Patient)
    try:
        row = Patient.objects.get(pk=patient.pk)
    finally:
        post_init.disconnect(receiver, sender=Patient)
    assert seen == [row]
    assert list(Lesion.objects.filter(patient=patient)) == list(patient.lesions.all())


@pytest.mark.django_db
def test_a_record_reads_its_rows_authorship_in_one_query_when_asked(django_assert_num_queries):
    lesion = LesionFactory()
    for day in (1, 2, 3):
        MeasurementFactory(lesion=lesion, measured_on=dt.date(2024, 1, day))
        LesionFactory(patient=lesion.patient)
    patient = Patient.objects.for_record().get(pk=lesion.patient.pk)
    rows = patient.current_lesions
    assert len(rows) == 4 and all("created_at" in row.get_deferred_fields() for row in rows)
    with django_assert_num_queries(1):  # the four lesions' authorship columns together, not one query per lesion
        stamps = [row.created_at for row in rows]
    assert stamps == [Lesion.objects.get(pk=row.pk).created_at for row in rows]
    with django_assert_num_queries(2):  # their authors: the ids of all four, then the users
        assert {row.created_by for row in rows} == {lesion.created_by}

"""The shortcuts the record pages take to render a heavy record quickly give exactly what Django would.

Row links, choice labels, treated lesions from the events' annotation, and the long lists written in Python
(patients/rows.py): the same values as before, escaped.
"""

import datetime as dt
from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse

from patients import rows
from patients.links import record_create_url, record_edit_url
from patients.models import Event, Lesion, Patient
from patients.services import record_withdraw
from tests.factories import EventFactory, LesionFactory, MeasurementFactory, PatientFactory


def test_record_urls_equal_reversed_urls(db):
    patient = PatientFactory()
    lesions = [LesionFactory(patient=patient, label=f"L{n}") for n in range(3)]

    assert [record_edit_url(patient, "lesion", lesion) for lesion in lesions] == [
        reverse("patients:record-edit", args=[patient.public_id, "lesion", lesion.public_id]) for lesion in lesions
    ]
    assert record_edit_url(patient, "event", EventFactory(patient=patient)).startswith(
        reverse("patients:patient-detail", args=[patient.public_id]) + "event/"
    )
    assert record_create_url(patient, "measurement") == reverse(
        "patients:record-create", args=[patient.public_id, "measurement"]
    )


def test_record_urls_are_per_patient(db):
    first, second = PatientFactory(), PatientFactory()
    lesion = LesionFactory(patient=first)

    record_edit_url(first, "lesion", lesion)

    assert str(second.public_id) in record_edit_url(second, "lesion", lesion)


def test_choice_labels_are_djangos(db):
    lesion = LesionFactory(organ="liver")
    event = Event(type="not-a-type")

    assert lesion.get_organ_display() == dict(Lesion._meta.get_field("organ").flatchoices)["liver"]
    assert event.get_type_display() == "not-a-type"  # an unknown value shows as itself, as in Django
    assert Event(type="sbrt").get_type_display() == dict(Event._meta.get_field("type").flatchoices)["sbrt"]


def test_treated_lesions_of_a_loaded_record_are_its_own_lesions_without_a_query(db, django_assert_num_queries):
    patient = PatientFactory()
    s2, l1, gone = (LesionFactory(patient=patient, label=label) for label in ("S2", "L1", "X9"))
    both, none = EventFactory(patient=patient), EventFactory(patient=patient, started_on=dt.date(2022, 1, 1))
    both.lesions.set([s2, l1, gone])
    record_withdraw(record=gone, by=patient.created_by, reason="entered twice")

    record = Patient.objects.for_record().get(pk=patient.pk)
    with django_assert_num_queries(0):
        treated = {event.pk: event.treated for event in record.current_events}

    assert [lesion.label for lesion in treated[both.pk]] == ["L1", "S2"]  # by label, the withdrawn one left out
    assert all(any(lesion is own for own in record.current_lesions) for lesion in treated[both.pk])
    assert treated[none.pk] == []


def test_treated_lesions_of_an_event_read_alone_are_queried(db, django_assert_num_queries):
    event = EventFactory()
    event.lesions.set(
        [LesionFactory(patient=event.patient, label="B"), LesionFactory(patient=event.patient, label="A")]
    )

    alone = Event.objects.get(pk=event.pk)
    with django_assert_num_queries(1):
        assert [lesion.label for lesion in alone.treated] == ["A", "B"]


def test_sizes_print_as_the_templates_did():
    assert [rows.size(Decimal(value)) for value in ("120.0", "12.5", "8.0", "0.5")] == ["120", "12.5", "8", "0.5"]


def test_record_rows_escape_what_clinicians_typed(db):
    patient = PatientFactory()
    lesion = LesionFactory(patient=patient, label="<b>L1</b>")
    EventFactory(patient=patient, regimen="<script>alert(1)</script>", notes="a & b").lesions.add(lesion)
    MeasurementFactory(lesion=lesion, size_mm=Decimal("120.0"))
    record = Patient.objects.for_record().get(pk=patient.pk)

    html = rows.event_rows(record, editable=True) + rows.review_event_rows(record.current_events)
    html += rows.review_treatment_items(record.current_events)

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;L1&lt;/b&gt;" in html
    assert '<div class="note">a &amp; b</div>' in html
    items = rows.measurement_items(record, record.current_lesions[0].current_measurements, editable=False)
    assert items == "<li>2021-03-01: 120 mm (CT)</li>"


def test_measurement_items_link_each_measurement_when_editable(db):
    lesion = LesionFactory()
    measurement = MeasurementFactory(lesion=lesion)
    url = record_edit_url(lesion.patient, "measurement", measurement)

    html = rows.measurement_items(lesion.patient, [measurement], editable=True)

    assert f'<a href="{url}" hx-get="{url}" hx-target="#editor-lesions"' in html
    assert '<span class="visually-hidden"> measurement of 2021-03-01</span>' in html


def test_withdrawn_note_is_the_templates(db):
    measurement = MeasurementFactory(
        withdrawn_at=dt.datetime(2024, 5, 1, 22, 30, tzinfo=dt.UTC), withdrawn_reason="<typo>"
    )
    measurement.withdrawn_by = measurement.created_by

    in_template = render_to_string("patients/_record.html#withdrawn_note", {"row": measurement}).strip()

    assert rows.withdrawn_note(measurement) == in_template
    assert "2024-05-02 00:30" in in_template  # local time (Europe/Zurich), reason escaped
    assert "&lt;typo&gt;" in in_template

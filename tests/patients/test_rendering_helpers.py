"""The shortcuts the record pages take to render a heavy record quickly give exactly what Django would."""

from django.urls import reverse

from patients.models import Event, Lesion
from patients.templatetags.records import record_create_url, record_edit_url
from tests.factories import EventFactory, LesionFactory, PatientFactory


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

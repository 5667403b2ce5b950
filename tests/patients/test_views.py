"""Patient list and patient page: access, fragments, query counts, withdrawn rows, import and export."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import Patient
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
    PrimaryTumourFactory,
)
from tests.patients.test_timeline import acc_course

HTMX = {"HX-Request": "true"}


@pytest.fixture
def patient(db):
    return acc_course(name="Erika Muster", mrn="H-123")


def _record_urls(patient: Patient) -> list[str]:
    lesion = patient.current_lesions[0]
    measurement = lesion.current_measurements[0]
    event = patient.current_events[0]
    pid = patient.public_id
    edit = [("patient", pid), ("primary", patient.primary.public_id), ("lesion", lesion.public_id),
            ("measurement", measurement.public_id), ("event", event.public_id)]
    urls = [reverse("patients:record-edit", args=[pid, kind, record_id]) for kind, record_id in edit]
    new = ["ki67", "lesion", "measurement", "event", "lab", "ecog", "frailty", "comorbidity"]
    urls += [reverse("patients:record-create", args=[pid, kind]) for kind in new]
    return urls


def test_every_page_requires_login(client, patient):
    urls = [
        reverse("patients:patient-list"), patient.get_absolute_url(),
        reverse("patients:patient-export", args=[patient.public_id]), *_record_urls(patient),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    assert client.post(_record_urls(patient)[0], {"name": "X"}).status_code == 302
    assert Patient.objects.get(pk=patient.pk).name == "Erika Muster"


def test_patient_list_searches_name_and_mrn(client_logged_in, db):
    PatientFactory(name="Anna Alpha", mrn="A-1")
    PatientFactory(name="Bert Beta", mrn="B-2")

    by_name = client_logged_in.get(reverse("patients:patient-list"), {"q": "alph"}).content.decode()
    by_mrn = client_logged_in.get(reverse("patients:patient-list"), {"q": "b-2"}).content.decode()

    assert "Anna Alpha" in by_name and "Bert Beta" not in by_name
    assert "Bert Beta" in by_mrn and "Anna Alpha" not in by_mrn


def test_patient_list_htmx_returns_the_results_fragment(client_logged_in, db):
    patient = PatientFactory(name="Anna Alpha")

    response = client_logged_in.get(reverse("patients:patient-list"), {"q": "anna"}, headers=HTMX)

    html = response.content.decode()
    assert 'id="patient-results"' in html and "<html" not in html
    assert f'href="{patient.get_absolute_url()}"' in html


def test_patient_list_paginates(client_logged_in, db):
    PatientFactory.create_batch(30)

    first = client_logged_in.get(reverse("patients:patient-list")).content.decode()
    second = client_logged_in.get(reverse("patients:patient-list"), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first and first.count('<th scope="row">') == 25
    assert second.count('<th scope="row">') == 5


def test_patient_list_hides_withdrawn_patients(client_logged_in, user, db):
    PatientFactory(name="Gone Patient", withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), withdrawn_by=user)

    html = client_logged_in.get(reverse("patients:patient-list")).content.decode()

    assert "Gone Patient" not in html


def test_patient_detail_shows_the_whole_record(client_logged_in, patient):
    Ki67ResultFactory(patient=patient, value_pct=Decimal("12"))
    EcogAssessmentFactory(patient=patient, value=2)
    FrailtyAssessmentFactory(patient=patient, frail=True)
    ComorbidityFactory(patient=patient, name="hypertension")
    LabResultFactory(patient=patient, value=Decimal("3.4"))

    response = client_logged_in.get(patient.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Erika Muster", "H-123", "1964-03-05", "Adrenocortical carcinoma", "left adrenal", "T3",
                 "2017-02-14, margin R0", "12%", "hypertension", "frail", "3.4 ng/mL", "Hormone excess",
                 'id="timeline"', 'id="size-chart"', 'id="lesions"', 'id="events"', "pembrolizumab", "ongoing"):
        assert text in html, text
    assert AuditEvent.objects.filter(action="patient.viewed", patient=patient).count() == 1


def test_patient_detail_lesion_table_shows_latest_size_trend_and_status(client_logged_in, patient):
    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    lu1 = html[html.index('<th scope="row">LU1</th>'):html.index('<th scope="row">LU2</th>')]
    lu2 = html[html.index('<th scope="row">LU2</th>'):html.index('<th scope="row">RC1</th>')]
    rc1 = html[html.index('<th scope="row">RC1</th>'):html.index('<th scope="row">BR1</th>')]
    assert "9 mm" in lu1 and "2022-06-01" in lu1 and "↓" in lu1 and "smaller than" in lu1 and "14 mm" in lu1
    assert "4 mm" in lu2 and "↓" in lu2
    assert "removed (resection, 2022-09-01)" in rc1 and "–" in rc1
    assert "active" in lu1


def test_patient_detail_trend_arrows_up_and_same(client_logged_in, db):
    patient = PatientFactory()
    growing = LesionFactory(patient=patient, label="G1")
    stable = LesionFactory(patient=patient, label="S1")
    for lesion, sizes in ((growing, (10, 15)), (stable, (10, 10))):
        for day, size in zip((1, 2), sizes):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 3, day), size_mm=Decimal(size))

    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    g1 = html[html.index('<th scope="row">G1</th>'):html.index('<th scope="row">S1</th>')]
    s1 = html[html.index('<th scope="row">S1</th>'):]
    assert "↑" in g1 and "larger than" in g1
    assert "→" in s1 and "same as" in s1


def test_patient_detail_htmx_returns_the_record_fragment(client_logged_in, patient):
    response = client_logged_in.get(patient.get_absolute_url(), headers=HTMX)

    html = response.content.decode()
    assert 'id="record"' in html and 'id="timeline"' in html and "<html" not in html


def test_patient_detail_of_unknown_or_withdrawn_patient_is_404(client_logged_in, user, db):
    withdrawn = PatientFactory(withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), withdrawn_by=user)

    assert client_logged_in.get(withdrawn.get_absolute_url()).status_code == 404
    assert client_logged_in.get("/patients/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_patient_detail_has_the_guidance_slot(client_logged_in, patient):
    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    url = reverse("guidance:patient-guidance", args=[patient.public_id])
    assert f'<section id="guidance-panel" aria-live="polite" hx-get="{url}" hx-trigger="load" hx-swap="outerHTML">' in html


def _heavy(patient: Patient, lesions: int, first: int = 0) -> None:
    for n in range(first, first + lesions):
        lesion = LesionFactory(patient=patient, label=f"Q{n}", detected_on=dt.date(2020, 1, 1 + n))
        for month in (1, 4, 7):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(2022, month, 1), size_mm=Decimal(10 + n))
        event = EventFactory(patient=patient, started_on=dt.date(2021, 1, 1 + n))
        event.lesions.set([lesion])
        EcogAssessmentFactory(patient=patient)
        LabResultFactory(patient=patient)


def test_patient_detail_query_count_does_not_grow(client_logged_in, django_assert_num_queries, db):
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient)
    Ki67ResultFactory(patient=patient)
    FrailtyAssessmentFactory(patient=patient)
    ComorbidityFactory(patient=patient)
    _heavy(patient, 1)
    # session, user, patient+primary, lesions, measurements, events, treated lesions of events,
    # Ki-67, ECOG, frailty, comorbidities, labs, audit insert (patient.viewed),
    # session save (savepoint, update, release savepoint)
    expected = 16
    with django_assert_num_queries(expected):
        response = client_logged_in.get(patient.get_absolute_url())
    assert response.content.decode().count('<th scope="row">Q') == 1

    _heavy(patient, 10, first=1)

    with django_assert_num_queries(expected):
        response = client_logged_in.get(patient.get_absolute_url())
    assert response.content.decode().count('<th scope="row">Q') == 11


def test_patient_export_downloads_the_case_file_and_audits(client_logged_in, patient):
    response = client_logged_in.get(reverse("patients:patient-export", args=[patient.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="case-{patient.public_id}.json"'
    case = json.loads(response.content)
    assert case["format"] == "oligoboard-case/1"
    assert [lesion["id"] for lesion in case["lesions"]] == ["LU1", "LU2", "RC1", "BR1", "BR2"]
    assert "Erika Muster" not in response.content.decode()
    assert AuditEvent.objects.filter(action="patient.case_exported", patient=patient).count() == 1


def _upload(content: bytes, mrn: str = "NEW-1", name: str = "Imported Person") -> dict:
    return {"case_file": SimpleUploadedFile("case.json", content, "application/json"), "mrn": mrn, "name": name}


def test_patient_list_import_creates_the_patient(client_logged_in, patient):
    case_file = client_logged_in.get(reverse("patients:patient-export", args=[patient.public_id])).content

    response = client_logged_in.post(reverse("patients:patient-list"), _upload(case_file), headers=HTMX)

    imported = Patient.objects.get(mrn="NEW-1")
    assert response.status_code == 200
    assert response["HX-Redirect"] == imported.get_absolute_url()
    assert imported.name == "Imported Person"
    assert imported.lesions.count() == 5


def test_patient_list_import_without_htmx_redirects_to_the_patient(client_logged_in, patient):
    case_file = client_logged_in.get(reverse("patients:patient-export", args=[patient.public_id])).content

    response = client_logged_in.post(reverse("patients:patient-list"), _upload(case_file))

    assert response.status_code == 302
    assert response["Location"] == Patient.objects.get(mrn="NEW-1").get_absolute_url()


def test_patient_list_import_shows_every_error_and_imports_nothing(client_logged_in, patient):
    case = json.loads(client_logged_in.get(reverse("patients:patient-export", args=[patient.public_id])).content)
    case["lesions"][1]["measurements"][0]["size_mm"] = -3
    case["patient"]["birth_date"] = "not a date"

    response = client_logged_in.post(
        reverse("patients:patient-list"), _upload(json.dumps(case).encode()), headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-case"' in html and "<html" not in html
    assert "lesions[1].measurements[0].size_mm" in html
    assert "patient.birth_date" in html
    assert not Patient.objects.filter(mrn="NEW-1").exists()


def test_patient_list_import_refuses_an_existing_mrn(client_logged_in, patient):
    case_file = client_logged_in.get(reverse("patients:patient-export", args=[patient.public_id])).content

    response = client_logged_in.post(reverse("patients:patient-list"), _upload(case_file, mrn="H-123"))

    assert "mrn: a patient with this hospital number already exists" in response.content.decode()
    assert Patient.objects.filter(mrn="H-123").count() == 1


def test_patient_list_import_refuses_a_file_that_is_not_json(client_logged_in, db):
    response = client_logged_in.post(reverse("patients:patient-list"), _upload(b"\x89PNG not json"))

    assert response.status_code == 200
    assert "The case file was not imported" in response.content.decode()
    assert not Patient.objects.filter(mrn="NEW-1").exists()


def test_patient_list_import_requires_file_and_mrn(client_logged_in, db):
    response = client_logged_in.post(reverse("patients:patient-list"), {"mrn": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("This field is required.") == 2

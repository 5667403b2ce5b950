"""Patient list and patient page: access, fragments, query counts, withdrawn rows, import and export."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import Measurement, Patient
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
    UserFactory,
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
    edit = [
        ("patient", pid),
        ("primary", patient.primary.public_id),
        ("lesion", lesion.public_id),
        ("measurement", measurement.public_id),
        ("event", event.public_id),
    ]
    urls = [reverse("patients:record-edit", args=[pid, kind, record_id]) for kind, record_id in edit]
    new = ["ki67", "lesion", "measurement", "event", "lab", "ecog", "frailty", "comorbidity"]
    urls += [reverse("patients:record-create", args=[pid, kind]) for kind in new]
    return urls


def test_every_page_requires_login(client, patient):
    urls = [
        reverse("patients:patient-list"),
        patient.get_absolute_url(),
        reverse("patients:patient-export", args=[patient.public_id]),
        *_record_urls(patient),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    assert client.post(_record_urls(patient)[0], {"name": "X"}).status_code == 302
    assert Patient.objects.get(pk=patient.pk).name == "Erika Muster"


def _search(client, query: str, **extra):
    return client.post(
        reverse("patients:patient-list"), {"action": "search", "q": query, **extra.pop("data", {})}, **extra
    )


def test_patient_list_searches_name_and_mrn(client_logged_in, db):
    PatientFactory(name="Anna Alpha", mrn="A-1")
    PatientFactory(name="Bert Beta", mrn="B-2")

    by_name = _search(client_logged_in, "alph").content.decode()
    by_mrn = _search(client_logged_in, "b-2").content.decode()

    assert "Anna Alpha" in by_name and "Bert Beta" not in by_name
    assert "Bert Beta" in by_mrn and "Anna Alpha" not in by_mrn


def test_patient_list_search_is_posted_and_a_query_string_is_ignored(client_logged_in, db):
    PatientFactory(name="Anna Alpha")
    PatientFactory(name="Bert Beta")

    html = client_logged_in.get(reverse("patients:patient-list"), {"q": "alph"}).content.decode()

    assert "Anna Alpha" in html and "Bert Beta" in html
    assert 'method="post"' in html.split('role="search"')[0].rsplit("<form", 1)[1]
    assert "hx-push-url" not in html and "?q=" not in html


def test_patient_list_htmx_returns_the_results_fragment(client_logged_in, db):
    patient = PatientFactory(name="Anna Alpha")

    response = _search(client_logged_in, "anna", headers=HTMX)

    html = response.content.decode()
    assert 'id="patient-results"' in html and "<html" not in html
    assert f'href="{patient.get_absolute_url()}"' in html


def test_patient_list_search_pages_are_posted_with_the_query(client_logged_in, db):
    PatientFactory.create_batch(30, name="Anna Many")

    first = _search(client_logged_in, "many").content.decode()
    second = _search(client_logged_in, "many", data={"page": "2"}, headers=HTMX).content.decode()

    assert "Page 1 of 2" in first and first.count('<th scope="row">') == 25
    assert 'name="page" value="2"' in first and "?page=" not in first
    assert second.count('<th scope="row">') == 5 and "Page 2 of 2" in second


def test_patient_list_query_count_does_not_grow(client_logged_in, django_assert_num_queries, db):
    PatientFactory(name="Anna One")
    _search(client_logged_in, "anna")  # renews the session, which is then not written again within a minute
    # session, user, may the user see withdrawn patients?, count, page of patients with primary tumours
    with django_assert_num_queries(5):
        _search(client_logged_in, "anna")

    PatientFactory.create_batch(10, name="Anna More")

    with django_assert_num_queries(5):
        response = _search(client_logged_in, "anna")
    assert response.content.decode().count('<th scope="row">') == 11


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
    for text in (
        "Erika Muster",
        "H-123",
        "1964-03-05",
        "Adrenocortical carcinoma",
        "Left adrenal",
        "T3",
        "2017-02-14, margin R0",
        "12%",
        "hypertension",
        "frail",
        "3.4 ng/mL",
        "Hormone excess",
        'id="timeline"',
        'id="size-chart"',
        'id="lesions"',
        'id="events"',
        "pembrolizumab",
        "ongoing",
    ):
        assert text in html, text
    assert AuditEvent.objects.filter(action="patient.viewed", patient=patient).count() == 1


def test_patient_detail_lesion_table_shows_latest_size_trend_and_status(client_logged_in, patient):
    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    lu1 = html[html.index('<th scope="row">LU1</th>') : html.index('<th scope="row">LU2</th>')]
    lu2 = html[html.index('<th scope="row">LU2</th>') : html.index('<th scope="row">RC1</th>')]
    rc1 = html[html.index('<th scope="row">RC1</th>') : html.index('<th scope="row">BR1</th>')]
    assert "9 mm" in lu1 and "2022-06-01" in lu1 and "↓" in lu1 and "smaller than" in lu1 and "14 mm" in lu1
    assert "4 mm" in lu2 and "↓" in lu2
    assert "removed (resection, 2022-09-01)" in rc1 and "–" in rc1
    assert "active" in lu1


def test_patient_detail_trend_arrows_up_and_same(client_logged_in, db):
    patient = PatientFactory()
    growing = LesionFactory(patient=patient, label="G1")
    stable = LesionFactory(patient=patient, label="S1")
    for lesion, sizes in ((growing, (10, 15)), (stable, (10, 10))):
        for day, size in zip((1, 2), sizes, strict=False):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(2021, 3, day), size_mm=Decimal(size))

    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    g1 = html[html.index('<th scope="row">G1</th>') : html.index('<th scope="row">S1</th>')]
    s1 = html[html.index('<th scope="row">S1</th>') :]
    assert "↑" in g1 and "larger than" in g1
    assert "→" in s1 and "same as" in s1


def test_patient_detail_htmx_returns_the_record_fragment(client_logged_in, patient):
    response = client_logged_in.get(patient.get_absolute_url(), headers=HTMX)

    html = response.content.decode()
    assert 'id="record"' in html and 'id="timeline"' in html and "<html" not in html


def test_patient_detail_of_unknown_or_withdrawn_patient_is_404_for_a_clinician(client, user, db):
    clinician = UserFactory()
    withdrawn = PatientFactory(
        withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), withdrawn_by=user, created_by=clinician
    )
    client.force_login(clinician)

    assert client.get(withdrawn.get_absolute_url()).status_code == 404
    assert client.get("/patients/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_coordinator_lists_withdrawn_patients_on_request_and_opens_them_read_only(client_logged_in, user, db):
    withdrawn = PatientFactory(
        name="Gone Patient",
        withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        withdrawn_by=user,
        withdrawn_reason="Entered twice",
    )
    LesionFactory(patient=withdrawn, label="W1")

    listing = client_logged_in.get(reverse("patients:patient-list"), {"withdrawn": "1"}).content.decode()
    page = client_logged_in.get(withdrawn.get_absolute_url())
    edit = client_logged_in.get(reverse("patients:record-create", args=[withdrawn.public_id, "lesion"]))

    assert "Gone Patient" in listing and "Entered twice" in listing and "Withdrawn patients" in listing
    html = page.content.decode()
    assert page.status_code == 200
    assert "Withdrawn patient, read-only." in html and "Entered twice" in html and "W1" in html
    assert "Add lesion" not in html and "Edit patient details" not in html and "Export case file" not in html
    assert edit.status_code == 404


def test_withdrawn_patients_view_is_for_coordinators_only(client, db):
    clinician = UserFactory()
    PatientFactory(
        name="Gone Patient",
        created_by=clinician,
        withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        withdrawn_by=clinician,
    )
    client.force_login(clinician)

    html = client.get(reverse("patients:patient-list"), {"withdrawn": "1"}).content.decode()

    assert "Gone Patient" not in html and "Show withdrawn patients" not in html


def test_patient_detail_has_the_guidance_slot(client_logged_in, patient):
    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    url = reverse("guidance:patient-guidance", args=[patient.public_id])
    assert (
        f'<section id="guidance-panel" aria-live="polite" hx-get="{url}" hx-trigger="load" hx-swap="outerHTML">' in html
    )


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
    client_logged_in.get(patient.get_absolute_url())  # renews the session (not written again within a minute)
    # session, user, patient+primary, lesions, measurements, events (with their treated lesions' ids),
    # Ki-67, ECOG, frailty, comorbidities, labs, audit insert (patient.viewed)
    expected = 12
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

    response = client_logged_in.post(reverse("patients:patient-list"), _upload(json.dumps(case).encode()), headers=HTMX)

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


# New patient


def test_new_patient_form_creates_the_patient_audits_and_opens_its_page(client, db):
    clinician = UserFactory()
    client.force_login(clinician)
    data = {"mrn": " NEW-77 ", "name": "Nora New", "birth_date": "1971-02-03", "sex": "F"}

    form = client.get(reverse("patients:patient-create"))
    response = client.post(reverse("patients:patient-create"), data)

    assert form.status_code == 200 and 'name="mrn"' in form.content.decode()
    patient = Patient.objects.get(mrn="NEW-77")
    assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()
    assert (patient.name, patient.birth_date, patient.sex, patient.created_by) == (
        "Nora New",
        dt.date(1971, 2, 3),
        "F",
        clinician,
    )
    assert AuditEvent.objects.filter(action="patient.created", patient=patient, user=clinician).count() == 1
    page = client.get(patient.get_absolute_url()).content.decode()
    assert "Add primary tumour" in page and "No primary tumour recorded." in page


def test_new_patient_form_refuses_a_taken_mrn_with_a_clear_message(client_logged_in, user, db):
    existing = PatientFactory(mrn="TAKEN-1")

    response = client_logged_in.post(
        reverse("patients:patient-create"), {"mrn": "TAKEN-1", "name": "X", "birth_date": "1971-02-03", "sex": "F"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "A patient with this hospital number already exists." in response.context["form"].errors["mrn"]
    assert existing.get_absolute_url() in html  # a coordinator may open it
    assert Patient.objects.filter(mrn="TAKEN-1").count() == 1
    assert AuditEvent.objects.get(action="patient.mrn_refused").patient == existing


def test_new_patient_form_does_not_say_whose_number_it_is_to_a_clinician(client, db):
    existing = PatientFactory(mrn="TAKEN-1", name="Hidden Person")
    clinician = UserFactory()
    client.force_login(clinician)

    response = client.post(
        reverse("patients:patient-create"), {"mrn": "TAKEN-1", "name": "X", "birth_date": "1971-02-03", "sex": "F"}
    )

    html = response.content.decode()
    assert "This hospital number cannot be used for a new patient." in html
    assert "Hidden Person" not in html and existing.get_absolute_url() not in html
    audit = AuditEvent.objects.get(action="patient.mrn_refused")
    assert (audit.user, audit.patient, audit.detail["mrn"]) == (clinician, existing, "TAKEN-1")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"mrn": "", "name": "X", "birth_date": "1971-02-03", "sex": "F"}, "mrn", "This field is required."),
        (
            {"mrn": "N-1", "name": "X", "birth_date": "2999-01-01", "sex": "F"},
            "birth_date",
            "This date is in the future.",
        ),
        ({"mrn": "N-1", "name": "X", "birth_date": "1971-02-03", "sex": "Q"}, "sex", "Select a valid choice."),
        ({"mrn": "N" * 41, "name": "X", "birth_date": "1971-02-03", "sex": "F"}, "mrn", "at most 40 characters"),
    ],
)
def test_new_patient_form_shows_bad_values_at_the_field(client_logged_in, db, data, field, message):
    response = client_logged_in.post(reverse("patients:patient-create"), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Patient.objects.exists()


def test_patient_list_links_to_the_new_patient_form(client_logged_in, db):
    html = client_logged_in.get(reverse("patients:patient-list")).content.decode()

    assert f'href="{reverse("patients:patient-create")}"' in html


# Labels and the print link


def test_primary_site_is_shown_by_its_label_on_the_list_and_the_page(client_logged_in, db):
    patient = PatientFactory(name="Sigrid Site")
    PrimaryTumourFactory(patient=patient, disease="crc", site="sigmoid_colon")
    other = PatientFactory(name="Rita Right")
    PrimaryTumourFactory(patient=other, site="right_adrenal")

    listing = client_logged_in.get(reverse("patients:patient-list")).content.decode()
    page = client_logged_in.get(patient.get_absolute_url()).content.decode()

    assert "Colorectal cancer, sigmoid colon (2016)" in listing and "Adrenocortical carcinoma, right adrenal" in listing
    assert "<dd>Sigmoid colon</dd>" in page
    assert "sigmoid_colon" not in listing and "sigmoid_colon" not in page and "right_adrenal" not in listing


def test_patient_page_offers_the_case_summary_print_next_to_the_export(client_logged_in, patient):
    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    tools = html[html.index('class="record-tools"') : html.index("</p>", html.index('class="record-tools"'))]
    assert "Export case file" in tools
    assert f'href="{reverse("reports:case-summary", args=[patient.public_id])}"' in tools
    assert "Print case summary (PDF)" in tools


# History


def test_patient_history_lists_each_change_with_who_when_field_and_values(client_logged_in, user, db):
    from patients.services import record_save, record_withdraw

    patient = PatientFactory(name="Hanna History")
    lesion = LesionFactory(patient=patient, label="L1", detected_on=dt.date(2021, 3, 1))
    measurement = MeasurementFactory(lesion=lesion, size_mm=Decimal("18"))
    measurement.size_mm = Decimal("21")
    record_save(record=measurement, by=user, expected_version=1)
    lesion.organ = "liver"
    record_save(record=lesion, by=user, expected_version=1)
    record_withdraw(record=ComorbidityFactory(patient=patient, name="gout"), by=user, reason="Not this patient")

    response = client_logged_in.get(reverse("patients:patient-history", args=[patient.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Longest diameter (mm): <del>18</del> → <ins>21</ins>",
        "Organ: <del>Lung</del> → <ins>Liver</ins>",
        "Withdrawn: Not this patient",
        "Comorbidity gout",
        "Lesion L1 (liver)",
        "Test User",
        "Added",
    ):
        assert text in html, text
    assert "Version" not in html and "Updated by" not in html
    assert AuditEvent.objects.filter(action="patient.history_viewed", patient=patient, user=user).count() == 1


def test_patient_history_is_404_and_audited_for_an_outsider(client, db):
    patient = PatientFactory()
    outsider = UserFactory()
    client.force_login(outsider)

    response = client.get(reverse("patients:patient-history", args=[patient.public_id]))

    assert response.status_code == 404
    assert AuditEvent.objects.get(user=outsider).action == "patient.access_refused"


def test_patient_page_links_to_its_history(client_logged_in, patient):
    html = client_logged_in.get(patient.get_absolute_url()).content.decode()

    assert f'href="{reverse("patients:patient-history", args=[patient.public_id])}"' in html


def test_patient_history_htmx_pages_return_the_changes_fragment(client_logged_in, db):
    patient = PatientFactory()
    LesionFactory.create_batch(55, patient=patient)
    url = reverse("patients:patient-history", args=[patient.public_id])

    first = client_logged_in.get(url).content.decode()
    second = client_logged_in.get(url, {"page": "2"}, headers=HTMX).content.decode()

    assert "56 changes" in first and "Page 1 of 2" in first and first.count("<tr>") == 51
    assert 'id="changes"' in second and "<html" not in second and second.count("<tr>") == 7


def test_patient_history_query_count_does_not_grow(client_logged_in, user, django_assert_num_queries, db):
    from patients.services import record_save

    patient = PatientFactory()
    primary = PrimaryTumourFactory(patient=patient)
    _heavy(patient, 1)
    # session, user, patient, count of changes, the page of changes (one UNION), one query per kind
    # of row on the page (patient, primary, lesion, measurement, event, ECOG, CEA: at most ten kinds),
    # audit insert
    expected = 13
    url = reverse("patients:patient-history", args=[patient.public_id])
    client_logged_in.get(url)  # renews the session, which is then not written again within a minute
    with django_assert_num_queries(expected):
        client_logged_in.get(url)

    _heavy(patient, 10, first=1)
    for measurement in Measurement.objects.filter(lesion__patient=patient)[:20]:
        measurement.size_mm += 1
        record_save(record=measurement, by=user, expected_version=measurement.version)
    # The newest changes again touch every kind of row, so the first page holds the same kinds.
    patient.name = "Renamed Patient"
    record_save(record=patient, by=user, expected_version=patient.version)
    primary.notes = "Reviewed"
    record_save(record=primary, by=user, expected_version=primary.version)

    with django_assert_num_queries(expected):
        response = client_logged_in.get(url)
    assert response.content.decode().count("<tr>") == 51


def test_refused_case_file_upload_is_audited_like_the_import_command(client_logged_in, user, db):
    response = client_logged_in.post(reverse("patients:patient-list"), _upload(b"{not json"), REMOTE_ADDR="10.1.2.3")

    assert "The case file was not imported" in response.content.decode()
    audit = AuditEvent.objects.get(action="patient.case_import_refused")
    assert (audit.user, audit.outcome, audit.patient, audit.ip_address) == (user, "refused", None, "10.1.2.3")
    assert audit.detail["error_count"] == 1 and audit.detail["errors"][0].startswith("(root): not valid JSON")
    assert "NEW-1" not in str(audit.detail) and "Imported Person" not in str(audit.detail)

"""Inline add, edit and withdraw of every record type on the patient page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from boards.models import Role
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
    PrimaryTumour,
)
from tests.boards.factories import BoardMembershipFactory
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

HTMX = {"HX-Request": "true"}


@pytest.fixture
def patient(db):
    return PatientFactory(name="Erika Muster", mrn="H-123")


@pytest.fixture
def lesion(patient):
    return LesionFactory(patient=patient, label="S7", organ="liver", detected_on=dt.date(2024, 4, 28))


def create_url(patient: Patient, kind: str) -> str:
    return reverse("patients:record-create", args=[patient.public_id, kind])


def edit_url(patient: Patient, kind: str, record) -> str:
    return reverse("patients:record-edit", args=[patient.public_id, kind, record.public_id])


VALID = {
    "primary": {
        "disease": "acc",
        "site": "left adrenal",
        "diagnosed_on": "2016-05-10",
        "t_stage": "T3",
        "n_status": "N0",
        "hormone_excess": "true",
    },
    "ki67": {"measured_on": "2016-05-10", "low_pct": "3", "high_pct": "5"},
    "lesion": {"label": "S4", "organ": "liver", "detected_on": "2024-04-28"},
    "event": {
        "type": "chemotherapy",
        "started_on": "2024-05-01",
        "regimen": "FOLFOX",
        "line": "1",
        "intent": "palliative",
    },
    "lab": {"analyte": "cea", "taken_on": "2024-04-28", "value": "14.2"},
    "ecog": {"assessed_on": "2024-04-28", "value": "1"},
    "frailty": {"assessed_on": "2024-04-28", "frail": "on", "note": "geriatric assessment"},
    "comorbidity": {"name": "hypertension"},
}
MODELS = {
    "primary": PrimaryTumour,
    "ki67": Ki67Result,
    "lesion": Lesion,
    "event": Event,
    "lab": LabResult,
    "ecog": EcogAssessment,
    "frailty": FrailtyAssessment,
    "comorbidity": Comorbidity,
}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_record_create_form_renders_as_page_and_fragment(client_logged_in, patient, kind):
    page = client_logged_in.get(create_url(patient, kind))
    fragment = client_logged_in.get(create_url(patient, kind), headers=HTMX)

    assert page.status_code == 200 and "<html" in page.content.decode()
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert 'id="editor-' in html and "<form" in html


@pytest.mark.parametrize("kind", sorted(VALID))
def test_record_create_saves_audits_and_returns_the_updated_record(client_logged_in, patient, kind):
    response = client_logged_in.post(create_url(patient, kind), VALID[kind], headers=HTMX)

    html = response.content.decode()
    record = MODELS[kind].objects.get(patient=patient)
    assert record.version == 1 and record.created_by.username == "clinician"
    assert response["HX-Retarget"] == "#record" and response["HX-Reswap"] == "outerHTML"
    assert 'id="record"' in html and 'id="timeline"' in html and "<html" not in html
    assert 'class="saved" role="status"' in html
    assert AuditEvent.objects.filter(action=f"{record._meta.model_name}.created", patient=patient).exists()


def test_record_create_without_htmx_redirects_to_the_section(client_logged_in, patient):
    response = client_logged_in.post(create_url(patient, "lesion"), VALID["lesion"])

    assert response.status_code == 302
    assert response["Location"] == f"{patient.get_absolute_url()}#lesions"


def test_measurement_create_updates_lesion_table_timeline_and_chart(client_logged_in, patient, lesion):
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2024, 4, 28), size_mm=Decimal("24"))
    data = {"lesion": lesion.pk, "measured_on": "2024-08-01", "size_mm": "31.5", "modality": "ct"}

    response = client_logged_in.post(create_url(patient, "measurement"), data, headers=HTMX)

    html = response.content.decode()
    assert Measurement.objects.filter(lesion=lesion).count() == 2
    table = html[html.index('id="lesions"') : html.index('id="size-chart"')]
    assert "31.5 mm" in table and "↑" in table
    timeline = html[html.index('id="timeline"') : html.index('id="lesions"')]
    assert ">31.5</text>" in timeline
    assert "S7: 31.5 mm on 2024-08-01" in html[html.index('id="size-chart"') :]


def test_measurement_create_preselects_the_lesion(client_logged_in, patient, lesion):
    html = client_logged_in.get(
        create_url(patient, "measurement") + f"?lesion={lesion.public_id}", headers=HTMX
    ).content.decode()

    assert f'<option value="{lesion.pk}" selected>' in html
    assert client_logged_in.get(create_url(patient, "measurement") + "?lesion=nonsense").status_code == 200


def test_measurement_form_offers_only_this_patients_current_lesions(client_logged_in, patient, lesion, user):
    other = LesionFactory(label="OTHER")
    LesionFactory(patient=patient, label="GONE", withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), withdrawn_by=user)

    html = client_logged_in.get(create_url(patient, "measurement")).content.decode()
    response = client_logged_in.post(
        create_url(patient, "measurement"), {"lesion": other.pk, "measured_on": "2024-08-01", "size_mm": "10"}
    )

    assert "S7" in html and "OTHER" not in html and "GONE" not in html
    assert "Select a valid choice" in response.content.decode()
    assert not Measurement.objects.exists()


def test_event_create_links_treated_lesions(client_logged_in, patient, lesion):
    data = {"type": "thermal_ablation", "subtype": "mwa", "started_on": "2024-06-01", "lesions": [lesion.pk]}

    client_logged_in.post(create_url(patient, "event"), data, headers=HTMX)

    event = Event.objects.get(patient=patient)
    assert list(event.lesions.all()) == [lesion] and event.subtype == "mwa"


def test_primary_create_when_one_exists_goes_to_its_edit_form(client_logged_in, patient):
    primary = PrimaryTumourFactory(patient=patient)

    response = client_logged_in.get(create_url(patient, "primary"))

    assert response.status_code == 302 and response["Location"] == edit_url(patient, "primary", primary)


@pytest.mark.parametrize(
    ("kind", "factory", "changes", "field", "expected"),
    [
        ("primary", PrimaryTumourFactory, {"t_stage": "T4"}, "t_stage", "T4"),
        ("ki67", Ki67ResultFactory, {"value_pct": "25"}, "value_pct", Decimal("25")),
        ("lesion", LesionFactory, {"note": "segment 7"}, "note", "segment 7"),
        ("event", EventFactory, {"regimen": "EDP"}, "regimen", "EDP"),
        ("lab", LabResultFactory, {"value": "7"}, "value", Decimal("7")),
        ("ecog", EcogAssessmentFactory, {"value": "3"}, "value", 3),
        ("frailty", FrailtyAssessmentFactory, {"note": "walks with a stick"}, "note", "walks with a stick"),
        ("comorbidity", ComorbidityFactory, {"name": "COPD"}, "name", "COPD"),
    ],
)
def test_record_edit_saves_the_change(client_logged_in, patient, kind, factory, changes, field, expected):
    record = factory(patient=patient)
    form = client_logged_in.get(edit_url(patient, kind, record), headers=HTMX).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "lesions"}
    data = {name: (value.isoformat() if isinstance(value, dt.date) else value) for name, value in data.items()}
    data = {name: value for name, value in data.items() if value is not False} | changes

    response = client_logged_in.post(edit_url(patient, kind, record), data, headers=HTMX)

    assert response.get("HX-Retarget") == "#record", response.context["form"].errors
    record.refresh_from_db()
    assert getattr(record, field) == expected
    assert record.version == 2


def test_patient_edit_changes_demographics(client_logged_in, patient):
    data = {"name": "Erika Muster-Meier", "mrn": "H-123", "birth_date": "1964-03-05", "sex": "F", "version": "1"}

    client_logged_in.post(edit_url(patient, "patient", patient), data, headers=HTMX)

    patient.refresh_from_db()
    assert patient.name == "Erika Muster-Meier" and patient.version == 2


def test_patient_edit_only_for_the_patient_itself(client_logged_in, patient):
    other = PatientFactory()

    response = client_logged_in.get(
        reverse("patients:record-edit", args=[patient.public_id, "patient", other.public_id])
    )

    assert response.status_code == 404


def test_record_edit_of_another_patients_row_is_404(client_logged_in, patient):
    foreign = LesionFactory()
    foreign_measurement = MeasurementFactory()

    assert client_logged_in.get(edit_url(patient, "lesion", foreign)).status_code == 404
    assert client_logged_in.get(edit_url(patient, "measurement", foreign_measurement)).status_code == 404
    assert client_logged_in.get(create_url(patient, "nonsense")).status_code == 404
    assert client_logged_in.get(create_url(patient, "patient")).status_code == 404


def test_record_edit_conflict_shows_the_other_persons_values_and_loses_nothing(client_logged_in, patient, lesion):
    url = edit_url(patient, "lesion", lesion)
    base = {"label": "S7", "organ": "liver", "detected_on": "2024-04-28", "version": "1"}
    other_client = client_logged_in.__class__()
    colleague = UserFactory(username="colleague", first_name="Carla", last_name="Colleague")
    BoardMembershipFactory(user=colleague, role=Role.COORDINATOR)
    other_client.force_login(colleague)
    other_client.post(url, base | {"note": "segment 7, subcapsular"}, headers=HTMX)

    response = client_logged_in.post(url, base | {"note": "near the IVC"}, headers=HTMX)

    html = response.content.decode()
    lesion.refresh_from_db()
    assert lesion.note == "segment 7, subcapsular" and lesion.version == 2
    assert "changed by someone else" in html.lower()
    assert "Carla Colleague" in html and "segment 7, subcapsular" in html
    assert 'value="near the IVC"' in html
    assert '<input type="hidden" name="version" value="2"' in html
    assert "HX-Retarget" not in response

    again = client_logged_in.post(url, base | {"note": "near the IVC", "version": "2"}, headers=HTMX)

    lesion.refresh_from_db()
    assert again["HX-Retarget"] == "#record"
    assert lesion.note == "near the IVC" and lesion.version == 3


def test_event_edit_conflict_lists_treated_lesions(client_logged_in, patient, lesion):
    event = EventFactory(patient=patient)
    event.lesions.set([lesion])
    EventFactory._meta.model.objects.filter(pk=event.pk).update(version=5)
    data = {"type": "chemotherapy", "started_on": "2021-04-01", "line": "1", "version": "1"}

    html = client_logged_in.post(edit_url(patient, "event", event), data, headers=HTMX).content.decode()

    assert "changed by someone else" in html.lower() and "S7 (liver)" in html


@pytest.mark.parametrize(
    ("kind", "factory"),
    [
        ("ki67", Ki67ResultFactory),
        ("lesion", LesionFactory),
        ("event", EventFactory),
        ("lab", LabResultFactory),
        ("ecog", EcogAssessmentFactory),
        ("frailty", FrailtyAssessmentFactory),
        ("comorbidity", ComorbidityFactory),
    ],
)
def test_record_withdraw_hides_the_row_and_show_withdrawn_lists_it(client_logged_in, patient, kind, factory):
    record = factory(patient=patient)

    response = client_logged_in.post(
        edit_url(patient, kind, record), {"withdraw": "", "reason": "entered for the wrong patient"}, headers=HTMX
    )

    record.refresh_from_db()
    assert record.is_withdrawn and record.withdrawn_reason == "entered for the wrong patient"
    assert response["HX-Retarget"] == "#record"
    normal = client_logged_in.get(patient.get_absolute_url()).content.decode()
    shown = client_logged_in.get(patient.get_absolute_url() + "?withdrawn=1").content.decode()
    assert "entered for the wrong patient" not in normal
    assert "entered for the wrong patient" in shown and 'class="withdrawn"' in shown and "<del>" in shown
    assert "Withdrawn by Test User" in shown
    assert client_logged_in.get(edit_url(patient, kind, record)).status_code == 404


def test_measurement_withdraw_is_listed_under_its_lesion(client_logged_in, patient, lesion):
    measurement = MeasurementFactory(lesion=lesion, size_mm=Decimal("44"))

    client_logged_in.post(
        edit_url(patient, "measurement", measurement), {"withdraw": "", "reason": "typo, was 4.4"}, headers=HTMX
    )

    normal = client_logged_in.get(patient.get_absolute_url()).content.decode()
    shown = client_logged_in.get(patient.get_absolute_url() + "?withdrawn=1").content.decode()
    assert "44 mm" not in normal
    assert "<del>2024-04-28: 44 mm</del>" in shown
    assert "typo, was 4.4" in shown


def test_record_withdraw_requires_a_reason(client_logged_in, patient, lesion):
    response = client_logged_in.post(
        edit_url(patient, "lesion", lesion), {"withdraw": "", "reason": "  "}, headers=HTMX
    )

    lesion.refresh_from_db()
    assert not lesion.is_withdrawn
    assert "This field is required." in response.content.decode()


def test_record_save_after_withdraw_by_someone_else_is_refused(client_logged_in, patient, lesion, user):
    url = edit_url(patient, "lesion", lesion)
    client_logged_in.post(url, {"withdraw": "", "reason": "duplicate"}, headers=HTMX)

    response = client_logged_in.post(
        url, {"label": "S7", "organ": "liver", "detected_on": "2024-04-28", "version": "1"}, headers=HTMX
    )

    assert response.status_code == 404


def test_patient_withdraw_redirects_to_the_list(client_logged_in, patient):
    response = client_logged_in.post(
        edit_url(patient, "patient", patient), {"withdraw": "", "reason": "duplicate of H-124"}, headers=HTMX
    )

    patient.refresh_from_db()
    assert patient.is_withdrawn
    assert response["HX-Redirect"] == reverse("patients:patient-list")


def test_primary_tumour_cannot_be_withdrawn(client_logged_in, patient):
    primary = PrimaryTumourFactory(patient=patient)

    response = client_logged_in.get(edit_url(patient, "primary", primary), headers=HTMX)

    assert "Withdraw" not in response.content.decode()


def test_show_withdrawn_survives_an_inline_save(client_logged_in, patient, lesion, user):
    ComorbidityFactory(
        patient=patient,
        name="old asthma",
        withdrawn_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        withdrawn_by=user,
        withdrawn_reason="was a child",
    )
    current_url = "http://testserver" + patient.get_absolute_url() + "?withdrawn=1"

    response = client_logged_in.post(
        create_url(patient, "comorbidity"), {"name": "gout"}, headers=HTMX | {"HX-Current-URL": current_url}
    )

    html = response.content.decode()
    assert "gout" in html and "old asthma" in html and "was a child" in html

"""Hostile input to every form of the patient record and to the case-file upload: no 500, nothing half-saved."""

import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from patients.forms import NewPatientForm
from patients.models import Patient, PrimaryTumour
from patients.views import RECORD_KINDS
from tests.factories import PatientFactory
from tests.security.fuzz import (
    SCRIPT,
    assert_escaped,
    assert_no_server_error,
    form_data,
    form_values,
    hostile_text,
    near_valid_data,
    row_counts,
)

pytestmark = pytest.mark.django_db

CREATABLE = [kind for kind in RECORD_KINDS if kind not in ("patient", "primary")]


def _form(world, kind, record):
    return RECORD_KINDS[kind].form(instance=record, patient=world.patient)


def _inputs(world, kind, record, base_record=None):
    """Return random form data, and data valid but for one or two hostile fields."""
    form = _form(world, kind, record)
    base = form_values(_form(world, kind, base_record or record))
    if base_record is not None:
        base["version"] = ""
        if kind == "lesion":
            base["label"] = "L-new"
    return st.one_of(form_data(form), near_valid_data(form, base))


OUTCOMES: dict[str, int] = {}


def _post_and_check(client, world, url, data, htmx):
    before = row_counts()

    response = client.post(url, data, headers={"HX-Request": "true"} if htmx else {})

    assert_no_server_error(response)
    assert_escaped(response.content)
    # Saved: a redirect, or (htmx) the updated record retargeted over the page's record.
    saved = response.status_code == 302 or "HX-Retarget" in response or "HX-Redirect" in response
    OUTCOMES["saved" if saved else "refused"] = OUTCOMES.get("saved" if saved else "refused", 0) + 1
    if not saved:
        assert row_counts() == before, "a refused form changed rows"
    else:
        page = client.get(world.patient.get_absolute_url())
        assert page.status_code == 200
        assert_escaped(page.content)


@pytest.mark.parametrize("kind", CREATABLE)
def test_record_create_survives_hostile_input(client, world, kind):
    client.force_login(world.member)
    url = reverse("patients:record-create", args=[world.patient.public_id, kind])
    record = RECORD_KINDS[kind].form._meta.model()

    @given(data=_inputs(world, kind, record, base_record=world.record(kind)), htmx=st.booleans())
    def check(data, htmx):
        _post_and_check(client, world, url, data, htmx)

    check()


@pytest.mark.parametrize("kind", list(RECORD_KINDS))
def test_record_edit_survives_hostile_input(client, world, kind):
    client.force_login(world.member)
    record = world.record(kind)
    url = reverse("patients:record-edit", args=[world.patient.public_id, kind, record.public_id])

    @given(data=_inputs(world, kind, record), htmx=st.booleans())
    def check(data, htmx):
        record.refresh_from_db()
        if data.get("version") == "1":
            # Edit the current version, so saves go through instead of all ending as edit conflicts.
            data["version"] = str(record.version)
        _post_and_check(client, world, url, data, htmx)

    check()


def test_record_withdraw_survives_hostile_reasons(client, world):
    client.force_login(world.member)
    url = reverse("patients:record-edit", args=[world.patient.public_id, "comorbidity", world.comorbidity.public_id])

    @given(reason=hostile_text())
    def check(reason):
        _post_and_check(client, world, url, {"withdraw": "1", "reason": reason}, False)

    check()


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("case.json", content, content_type="application/json")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text(), children, max_size=4),
    max_leaves=20,
)


def test_case_file_upload_survives_hostile_files(client, world):
    client.force_login(world.member)
    url = reverse("patients:patient-list")

    @given(
        content=st.one_of(
            st.binary(max_size=300),
            json_values.map(lambda value: json.dumps(value).encode()),
            st.sampled_from(
                [b"", b"{", b"[]", b"null", b'{"format": "oligoboard-case/1"}', b"\xff\xfe", SCRIPT.encode()]
            ),
        ),
        mrn=hostile_text(),
        name=hostile_text(),
        htmx=st.booleans(),
    )
    def check(content, mrn, name, htmx):
        before = row_counts()

        response = client.post(
            url,
            {"case_file": _upload(content), "mrn": mrn, "name": name},
            headers={"HX-Request": "true"} if htmx else {},
        )

        assert_no_server_error(response)
        assert_escaped(response.content)
        assert response.status_code == 200, "no random file is a valid case file"
        assert row_counts() == before

    check()


def test_primary_tumour_create_survives_hostile_input(client, world):
    """The one form CREATABLE leaves out: a patient's first primary tumour (later it is edited instead)."""
    patient = PatientFactory(name="No Primary Yet", created_by=world.member)
    client.force_login(world.member)
    url = reverse("patients:record-create", args=[patient.public_id, "primary"])
    form = RECORD_KINDS["primary"].form(instance=PrimaryTumour(patient=patient), patient=patient)
    base = {**form_values(RECORD_KINDS["primary"].form(instance=world.primary, patient=world.patient)), "version": ""}

    @given(data=st.one_of(form_data(form), near_valid_data(form, base)), htmx=st.booleans())
    def check(data, htmx):
        if PrimaryTumour.objects.filter(patient=patient).exists():
            return  # saved once: from now on the URL redirects to editing it, fuzzed above
        before = row_counts()

        response = client.post(url, data, headers={"HX-Request": "true"} if htmx else {})

        assert_no_server_error(response)
        assert_escaped(response.content)
        if PrimaryTumour.objects.filter(patient=patient).exists():
            page = client.get(patient.get_absolute_url())
            assert page.status_code == 200
            assert_escaped(page.content)
        else:
            assert row_counts() == before, "a refused form changed rows"

    check()


def test_new_patient_form_survives_hostile_input(client, world):
    client.force_login(world.member)
    url = reverse("patients:patient-create")
    form = NewPatientForm()
    base = {"mrn": "FUZZ-BASE", "name": "Fuzz Person", "birth_date": "1970-01-01", "sex": "F"}

    @given(data=st.one_of(form_data(form), near_valid_data(form, base)))
    def check(data):
        patients = Patient.objects.count()
        before = row_counts()

        response = client.post(url, data)

        assert_no_server_error(response)
        assert_escaped(response.content)
        if response.status_code == 302:
            assert Patient.objects.count() == patients + 1
            created = Patient.objects.order_by("-pk").first()
            assert response["Location"] == created.get_absolute_url()
            page = client.get(response["Location"])
            assert page.status_code == 200
            assert_escaped(page.content)
        else:
            assert response.status_code == 200
            assert row_counts() == before, "a refused form changed rows"

    check()


def test_patient_search_survives_hostile_input(client, world):
    client.force_login(world.member)
    url = reverse("patients:patient-list")

    @given(query=hostile_text(), page=hostile_text(), htmx=st.booleans(), withdrawn=st.booleans())
    def check(query, page, htmx, withdrawn):
        before = row_counts()

        response = client.post(
            f"{url}?withdrawn=1" if withdrawn else url,
            {"action": "search", "q": query, "page": page},
            headers={"HX-Request": "true"} if htmx else {},
        )

        assert_no_server_error(response)
        assert_escaped(response.content)
        assert response.status_code == 200
        assert row_counts() == before

    check()


def test_every_form_of_the_patient_record_is_fuzzed():
    """A new form in patients/forms.py must get a fuzz test here (and be named in this set)."""
    import inspect

    from django import forms as django_forms

    from patients import forms

    fuzzed = {spec.form for spec in RECORD_KINDS.values()} | {
        forms.WithdrawForm,
        forms.CaseFileImportForm,
        forms.NewPatientForm,
        forms.PatientSearchForm,
    }
    defined = {
        cls
        for _name, cls in inspect.getmembers(forms, inspect.isclass)
        if issubclass(cls, django_forms.BaseForm) and cls.__module__ == forms.__name__ and cls is not forms.RecordForm
    }

    assert defined - fuzzed == set()

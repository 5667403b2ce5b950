"""Hostile input to every form of the patient record and to the case-file upload: no 500, nothing half-saved."""

import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from patients.views import RECORD_KINDS
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
            st.sampled_from([b"", b"{", b"[]", b"null", b'{"format": "oligoboard-case/1"}', b"\xff\xfe", SCRIPT.encode()]),
        ),
        mrn=hostile_text(),
        name=hostile_text(),
        htmx=st.booleans(),
    )
    def check(content, mrn, name, htmx):
        before = row_counts()

        response = client.post(
            url, {"case_file": _upload(content), "mrn": mrn, "name": name},
            headers={"HX-Request": "true"} if htmx else {},
        )

        assert_no_server_error(response)
        assert_escaped(response.content)
        assert response.status_code == 200, "no random file is a valid case file"
        assert row_counts() == before

    check()

"""Bad case files through the upload form: refused as a whole, every problem named by its path, nothing imported."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from patients.casefile import CaseFileError, case_import, parse_case_file
from tests.patients.test_casefile import CASE, case_with, set_path
from tests.security.fuzz import row_counts

pytestmark = pytest.mark.django_db


def _upload(client, content: bytes, *, mrn: str = "MRN-NEW", htmx: bool = False):
    case_file = SimpleUploadedFile("case.json", content, content_type="application/json")
    return client.post(
        reverse("patients:patient-list"),
        {"case_file": case_file, "mrn": mrn, "name": "New Patient"},
        headers={"HX-Request": "true"} if htmx else {},
    )


def _duplicate_lesion(case):
    case["lesions"].append(dict(case["lesions"][0]))


REFUSED_UPLOADS = [
    ("malformed JSON", b'{"format": "oligoboard-case/1", "patient": {', "(root): not valid JSON"),
    ("not UTF-8", b"\xff\xfe{\x00}", "(root): not valid JSON: the file is not UTF-8 text"),
    ("array", b"[]", "(root): must be an object"),
    ("deeply nested", b"[" * 100_000, "(root): not valid JSON: maximum recursion depth exceeded"),
    ("number too long", b'{"format": ' + b"9" * 5000 + b"}", "(root): not valid JSON: Exceeds the limit"),
    (
        "wrong type",
        json.dumps(case_with(set_path("lesions", 0, "measurements", 0, "size_mm", "24"))).encode(),
        "lesions[0].measurements[0].size_mm: must be a number",
    ),
    (
        "infinite size",
        json.dumps(CASE).replace('"size_mm": 24}', '"size_mm": 1e400}').encode(),
        "lesions[0].measurements[0].size_mm: must be a number",
    ),
    (
        "unknown organ",
        json.dumps(case_with(set_path("lesions", 1, "organ", "kidney"))).encode(),
        "lesions[1].organ: must be one of",
    ),
    (
        "unknown event type",
        json.dumps(case_with(set_path("events", 2, "type", "hipec"))).encode(),
        "events[2].type: must be one of",
    ),
    (
        "dangling lesion id",
        json.dumps(case_with(set_path("events", 4, "lesion_ids", ["S9"]))).encode(),
        "events[4].lesion_ids[0]: unknown lesion id &#x27;S9&#x27;",
    ),
    ("duplicate id", json.dumps(case_with(_duplicate_lesion)).encode(), "lesions[2].id: duplicate id &#x27;S7&#x27;"),
    (
        "NUL in text",
        json.dumps(case_with(set_path("lesions", 0, "note", "seg\x007"))).encode(),
        "lesions[0].note: must not contain NUL characters",
    ),
    (
        "script in an id",
        json.dumps(case_with(set_path("events", 4, "lesion_ids", ["<script>x</script>"]))).encode(),
        escape("events[4].lesion_ids[0]: unknown lesion id '<script>x</script>'"),
    ),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in REFUSED_UPLOADS], ids=[c[0] for c in REFUSED_UPLOADS])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_case_file_upload_refuses_bad_file_naming_the_path(client, world, content, expected, htmx):
    client.force_login(world.member)
    before = row_counts()

    response = _upload(client, content, htmx=htmx)

    assert response.status_code == 200
    page = response.content.decode()
    assert "The case file was not imported" in page
    assert expected in page
    assert "<script>x" not in page
    assert row_counts() == before


def test_case_file_upload_of_10_megabytes_is_refused_before_parsing(client, world):
    client.force_login(world.member)
    before = row_counts()
    content = b'{"format": "oligoboard-case/1", "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'

    response = _upload(client, content)

    assert response.status_code == 200
    assert "case_file: larger than 5 MB" in response.content.decode()
    assert row_counts() == before


def test_case_file_upload_of_a_good_file_imports_it(client, world):
    client.force_login(world.member)

    response = _upload(client, json.dumps(CASE).encode(), mrn="MRN-GOOD")

    assert response.status_code == 302
    assert world.patient.__class__.objects.filter(mrn="MRN-GOOD").exists()


@pytest.mark.parametrize(
    "path",
    [("patient", "comorbidities", 0), ("primary", "notes"), ("lesions", 0, "id"), ("events", 2, "regimen")],
)
def test_case_import_refuses_nul_in_any_text_without_creating_anything(world, path):
    case = case_with(set_path(*path, "A\x00B"))
    before = row_counts()

    with pytest.raises(CaseFileError) as refused:
        case_import(case=case, mrn="MRN-NUL", name="Nul Patient", by=world.member)

    assert any("must not contain NUL characters" in error for error in refused.value.errors)
    assert row_counts() == before


def test_parse_case_file_accepts_unicode_text():
    case = case_with(set_path("lesions", 0, "note", "Segment Ⅶ, Ø 2 cm — 👩‍⚕️"))

    lesions = parse_case_file(json.dumps(case))["lesions"]

    assert next(lesion["note"] for lesion in lesions if lesion["id"] == "S7") == "Segment Ⅶ, Ø 2 cm — 👩‍⚕️"

"""Case files changed at a random place to a random value: parsed or refused with paths, never a crash,
and a refused import creates nothing."""

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.casefile import CaseFileError, case_import, parse_case_file
from tests.patients.test_casefile import CASE
from tests.security.fuzz import hostile_text, row_counts


def _paths(value, prefix=()):
    """Every path into a JSON value (dict keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


PATHS = [path for path in _paths(CASE) if path]
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False),
        hostile_text(),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(hostile_text(), children, max_size=3),
    max_leaves=10,
)


def _changed(path, value):
    case = copy.deepcopy(CASE)
    target = case
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return case


@given(path=st.sampled_from(PATHS), value=json_values)
def test_parse_case_file_refuses_or_accepts_any_change(path, value):
    case = _changed(path, value)

    try:
        parsed = parse_case_file(json.dumps(case))
    except CaseFileError as refused:
        assert refused.errors
        assert all(":" in error for error in refused.errors)
    else:
        assert parsed["format"] == "oligoboard-case/1"


@pytest.mark.django_db
def test_case_import_of_any_changed_file_is_whole_or_nothing(world):
    imported = []

    @given(path=st.sampled_from(PATHS), value=json_values)
    def check(path, value):
        before = row_counts("patients")
        try:
            patient = case_import(
                case=_changed(path, value),
                mrn=f"MRN-F{len(imported)}",
                name="Fuzz Patient",
                by=world.member,
            )
        except CaseFileError:
            assert row_counts("patients") == before
        else:
            imported.append(patient)
            assert len(patient.lesions.all()) + len(patient.events.all()) > 0 or path[0] in ("lesions", "events")

    check()

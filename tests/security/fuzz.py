"""Hostile values for every field of a form, and the checks every fuzzed answer must pass."""

import datetime as dt
import uuid

from django import forms
from django.apps import apps
from hypothesis import strategies as st

SCRIPT = '<script>alert("xss")</script>'
HOSTILE = [
    "",
    " ",
    "\t\n",
    SCRIPT,
    f'"><img src=x onerror=alert(1)>{SCRIPT}',
    "\x00",
    "L\x001",
    "0",
    "-1",
    "-0.0",
    "1e309",
    "-1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999",
    "-99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "32768",
    "0.000000000001",
    "3.14159265358979323846264338327950288",
    "400.05",
    "1,5",
    "0001-01-01",
    "1000-01-01",
    "1900-02-29",
    "2024-02-30",
    "9999-12-31",
    "10000-01-01",
    "-2024-01-01",
    "2024-13-01",
    "24:00",
    "12:61",
    "2030-01-01T25:00",
    "1899-12-31T23:59",
    "true",
    "false",
    "on",
    "Ω≈ç√∫˜µ≤≥÷ Zürich Ærø",
    "👩\u200d⚕️🩺",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "{{ 7|add:7 }}",
    "{% debug %}",
    "x" * 5000,
    "🩺" * 3000,
    str(uuid.UUID(int=0)),
    "not-a-uuid",
]


def hostile_text() -> st.SearchStrategy[str]:
    """Return hostile strings, random unicode, extreme numbers and dates."""
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=60),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat),
    )


def _valid_values(field: forms.Field) -> list[str]:
    """Return a few values the field accepts, so fuzzing also reaches services and the database."""
    if isinstance(field, forms.ModelChoiceField):
        key = field.to_field_name or "pk"
        return [str(getattr(row, key)) for row in field.queryset[:3]]
    if isinstance(field, forms.ChoiceField):
        return [str(value) for value, _label in field.choices if not isinstance(_label, (list, tuple))][:12]
    if isinstance(field, forms.BooleanField):
        return ["on", ""]
    if isinstance(field, forms.DateField):
        return ["2024-05-01", "2020-01-31"]
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return ["12.5", "0", "400"]
    if isinstance(field, forms.IntegerField):
        return ["1", "0", "4"]
    return ["a plain value", SCRIPT]


def form_data(form: forms.Form, fixed: dict | None = None) -> st.SearchStrategy[dict]:
    """Return POST data for the form: every field hostile or valid, multi-value fields as lists."""
    fields = {}
    for name, field in form.fields.items():
        one = st.one_of(hostile_text(), st.sampled_from(_valid_values(field) or [""]))
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            fields[name] = st.lists(one, max_size=3)
        else:
            fields[name] = one
    return st.fixed_dictionaries(fields).map(lambda data: {**data, **(fixed or {})})


def row_counts(*labels: str) -> dict[str, int]:
    """Row counts of every model of the apps; of the audit trail, successes only.

    A refusal writes no row, and no audit row of success (refusals themselves are audited as refused).
    """
    labels = labels or ("patients", "boards", "guidance", "reports", "audit")
    return {
        model._meta.label: _counted_rows(model).count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


def _counted_rows(model):
    rows = model._default_manager.all()
    return rows.exclude(outcome="refused") if model._meta.label == "audit.AuditEvent" else rows


def assert_escaped(content: bytes) -> None:
    """The script marker never comes back as markup."""
    assert b'<script>alert("xss")' not in content
    assert b"<img src=x onerror" not in content


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.content[:2000]


def form_values(form: forms.Form) -> dict:
    """Return a bound form's current values as POST data (what the browser would send back)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            data[name] = "on" if value else ""
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


def near_valid_data(form: forms.Form, base: dict) -> st.SearchStrategy[dict]:
    """Return POST data that is valid except for one or two hostile fields."""
    names = sorted(form.fields)
    return st.dictionaries(st.sampled_from(names), hostile_text(), min_size=1, max_size=2).map(
        lambda overrides: {**base, **overrides}
    )

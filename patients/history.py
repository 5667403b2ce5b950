"""The change history of a patient's record: every saved version of every row, before → after.

django-simple-history keeps one historical row per save of each clinical model. A page of the
patient's history is one UNION over those tables (ordered by time, each row with the id of its
previous version via LAG), then one query per kind of row on the page for the versions themselves,
so the number of queries does not grow with the length of the history.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Model, Value, Window
from django.db.models.functions import Lag

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
    primary_site_label,
)

CHANGES_PER_PAGE = 50
# Each kind of row: its model, how its history rows find the patient, and what people call it.
TRACKED: dict[str, tuple[type[Model], str, str]] = {
    "patient": (Patient, "id", "patient details"),
    "primary": (PrimaryTumour, "patient_id", "primary tumour"),
    "ki67": (Ki67Result, "patient_id", "Ki-67 result"),
    "lesion": (Lesion, "patient_id", "lesion"),
    "measurement": (Measurement, "lesion__patient_id", "measurement"),
    "event": (Event, "patient_id", "event"),
    "lab": (LabResult, "patient_id", "CEA result"),
    "ecog": (EcogAssessment, "patient_id", "ECOG assessment"),
    "frailty": (FrailtyAssessment, "patient_id", "frailty judgement"),
    "comorbidity": (Comorbidity, "patient_id", "comorbidity"),
}
# Bookkeeping, not clinical content: shown as who/when, or as the withdrawal itself.
NOT_SHOWN = {"version", "created_at", "created_by", "updated_by", "withdrawn_at", "withdrawn_by", "withdrawn_reason"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    at: datetime
    by: str
    kind: str  # what people call the row: "lesion", "CEA result"…
    record: str  # the row as people read it: "L1 (lung)", "18 mm (2021-03-01) on L1"
    what: str  # "added", "changed", "withdrawn", "deleted"
    fields: list[FieldChange]
    reason: str = ""


def history_page(patient: Patient, page_number: str | int | None) -> Page:
    """Return a page of the patient's changes, newest first, as Change objects."""
    parts = [
        model.history.filter(**{lookup: patient.pk})
        .order_by()
        .annotate(
            kind=Value(key, output_field=CharField()),
            previous_id=Window(
                Lag("history_id"), partition_by=[F("id")], order_by=[F("history_date"), F("history_id")]
            ),
        )
        .values_list("history_date", "kind", "history_id", "previous_id")
        for key, (model, lookup, _noun) in TRACKED.items()
    ]
    timeline = parts[0].union(*parts[1:], all=True).order_by("-history_date", "kind", "-history_id")
    page = Paginator(timeline, CHANGES_PER_PAGE).get_page(page_number)
    page.object_list = _changes(list(page.object_list))
    return page


def _changes(rows: list[tuple]) -> list[Change]:
    """Turn (date, kind, history id, previous id) rows into Changes, one query per kind present."""
    wanted: dict[str, set[int]] = {}
    for _at, kind, history_id, previous_id in rows:
        wanted.setdefault(kind, set()).update(i for i in (history_id, previous_id) if i is not None)
    versions = {kind: _versions(kind, ids) for kind, ids in wanted.items()}
    return [
        _change(kind, versions[kind][history_id], versions[kind].get(previous_id))
        for _at, kind, history_id, previous_id in rows
    ]


def _versions(kind: str, history_ids: set[int]) -> dict[int, Model]:
    model = TRACKED[kind][0]
    rows = model.history.filter(history_id__in=history_ids).select_related("history_user")
    if model is Measurement:
        rows = rows.select_related("lesion")
    return {row.history_id: row for row in rows}


def _change(kind: str, version, previous) -> Change:
    model, _lookup, noun = TRACKED[kind]
    user = version.history_user
    common = {
        "at": version.history_date,
        "by": (user.get_full_name() or user.get_username()) if user else "system",
        "kind": noun,
        "record": _describe(model, version),
    }
    if version.history_type == "+" or previous is None:
        return Change(**common, what="added", fields=[])
    if version.history_type == "-":
        return Change(**common, what="deleted", fields=[])
    fields = [
        FieldChange(_label(model, name), _shown(model, name, old, previous), _shown(model, name, new, version))
        for name, old, new in _differences(version, previous)
    ]
    if previous.withdrawn_at is None and version.withdrawn_at is not None:
        return Change(**common, what="withdrawn", fields=fields, reason=version.withdrawn_reason)
    return Change(**common, what="changed", fields=fields)


def _differences(version, previous) -> list[tuple[str, object, object]]:
    delta = version.diff_against(previous, excluded_fields=NOT_SHOWN)
    return [(change.field, change.old, change.new) for change in delta.changes]


def _describe(model: type[Model], version) -> str:
    """The row as it read at this version."""
    if model is Patient:
        return f"{version.name} ({version.mrn})"
    if model is PrimaryTumour:
        return f"{_choice(model, 'disease', version.disease)}, {primary_site_label(version.site).lower()}"
    if model is Measurement:
        return f"{version.size_mm.normalize():f} mm on {version.measured_on:%Y-%m-%d}, lesion {version.lesion.label}"
    if model is Lesion:
        return f"{version.label} ({_choice(model, 'organ', version.organ).lower()})"
    if model is Event:
        return f"{_choice(model, 'type', version.type)} from {version.started_on:%Y-%m-%d}"
    if model is Comorbidity:
        return version.name
    day = next(getattr(version, name) for name in ("measured_on", "assessed_on", "taken_on") if hasattr(version, name))
    return f"of {day:%Y-%m-%d}"


def _label(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(field.verbose_name)


def _choice(model: type[Model], name: str, value) -> str:
    return str(dict(model._meta.get_field(name).flatchoices).get(value, value))


def _shown(model: type[Model], name: str, value, version) -> str:
    """A field value as the patient page shows it (a measurement's lesion by its label)."""
    field = model._meta.get_field(name)
    if field.is_relation and value is not None:
        return str(getattr(version, name)) if name == "lesion" else "another row"
    if value is None or value == "":
        return "unknown" if field.null and field.get_internal_type() == "BooleanField" else "—"
    if field.choices:
        return _choice(model, name, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if name == "site":
        return primary_site_label(value)
    return str(value)

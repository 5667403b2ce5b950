"""Markup of the record's long lists (events, measurements), written in Python rather than in a template.

A heavy record (150 events, 320 measurements) made these lists most of the time of the patient page and the
case review in the template language (issue 7): every cell is a variable lookup, a localisation and an
escape. Each function here writes exactly what its template loop used to write; every text is escaped.
The tables around the rows (headers, captions, empty states) stay in the templates.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from patients.models import Event, Lesion, Measurement, Patient
from patients.links import record_edit_url


def size(value: Decimal) -> str:
    """A size as the templates print `{{ size_mm.normalize }}`: 120, 12.5 (never 1.2E+2)."""
    return format(value.normalize(), "f")


def _labels(lesions: Iterable[Lesion]) -> str:
    return ", ".join(escape(lesion.label) for lesion in lesions)


def _edit_link(url: str, target: str, hidden: str) -> str:
    return (f'<a href="{url}" hx-get="{url}" hx-target="#{target}" hx-swap="outerHTML">Edit'
            f'<span class="visually-hidden"> {hidden}</span></a>')


def measurement_items(patient: Patient, measurements: list[Measurement], editable: bool) -> SafeString:
    """The `<li>` of a lesion's measurements on the patient page, each with its Edit link when editable."""
    parts = []
    for measurement in measurements:
        measured_on = measurement.measured_on.isoformat()
        text = f"{measured_on}: {size(measurement.size_mm)} mm"
        if measurement.modality:
            text += f" ({escape(measurement.get_modality_display())})"
        if editable:
            url = escape(record_edit_url(patient, "measurement", measurement))
            text += " " + _edit_link(url, "editor-lesions", f"measurement of {measured_on}")
        parts.append(f"<li>{text}</li>")
    return mark_safe("\n".join(parts))


def _ended(event: Event, none: str) -> str:
    if event.ended_on:
        return event.ended_on.isoformat()
    return "ongoing" if event.is_systemic else none


def _kind(event: Event) -> str:
    kind = escape(event.get_type_display())
    if event.subtype:
        kind += f" ({escape(event.get_subtype_display())})"
    return kind


def event_rows(patient: Patient, editable: bool) -> SafeString:
    """The rows of the patient page's events table (start, end, event, regimen, line, intent, margin, lesions)."""
    parts = []
    for event in patient.current_events:
        started_on = event.started_on.isoformat()
        kind = _kind(event)
        note = f'<div class="note">{escape(event.notes)}</div>' if event.notes else ""
        result = escape(event.margin) + (escape(event.get_recist_overall_display()) if event.recist_overall else "")
        row = (
            f'<tr id="event-{event.public_id}"><td>{started_on}</td><td>{_ended(event, "–")}</td>'
            f'<th scope="row">{kind}{note}</th><td>{escape(event.regimen)}</td>'
            f'<td>{"" if event.line is None else event.line}</td><td>{escape(event.get_intent_display())}</td>'
            f"<td>{result}</td><td>{_labels(event.treated)}</td>"
        )
        if editable:
            url = escape(record_edit_url(patient, "event", event))
            row += f'<td>{_edit_link(url, "editor-events", f"{escape(event.get_type_display())} of {started_on}")}</td>'
        parts.append(row + "</tr>")
    return mark_safe("\n".join(parts))


def _details(event: Event, recist: bool) -> str:
    """Regimen · line · intent · margin (· RECIST) · lesions, as the case review lists them."""
    text = escape(event.regimen)
    if event.line:
        text += f" · line {event.line}"
    if event.intent:
        text += f" · {escape(event.get_intent_display().lower())}"
    if event.margin:
        text += f" · {escape(event.margin)}"
    if recist and event.recist_overall:
        text += f" · RECIST {escape(event.get_recist_overall_display())}"
    return text


def _dates(event: Event) -> str:
    ended = _ended(event, "")
    return event.started_on.isoformat() + (f" – {ended}" if ended else "")


def review_event_rows(events: list[Event]) -> SafeString:
    """The rows of the case review's "All events" table: dates, event, details."""
    parts = []
    for event in events:
        details = _details(event, recist=True)
        if event.treated:
            details += f" · lesions {_labels(event.treated)}"
        if event.notes:
            details += f'<div class="note">{escape(event.notes)}</div>'
        parts.append(f'<tr id="event-{event.public_id}"><td class="date">{_dates(event)}</td>'
                     f'<th scope="row">{_kind(event)}</th><td>{details}</td></tr>')
    return mark_safe("\n".join(parts))


def review_treatment_items(events: list[Event]) -> SafeString:
    """The `<li>` of the case review's treatments: dates, the treatment in bold, then its details."""
    parts = []
    for event in events:
        details = _details(event, recist=False)
        if event.regimen:
            details = ": " + details
        if event.treated:
            details += f" · {_labels(event.treated)}"
        parts.append(f'<li><span class="date">{_dates(event)}</span> <strong>{_kind(event)}</strong>{details}</li>')
    return mark_safe("\n".join(parts))

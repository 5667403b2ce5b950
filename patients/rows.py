"""Markup of the record's long lists (lesions with their measurements, events), written in Python, not a template.

A heavy record (150 events, 320 measurements) made these lists most of the time of the patient page and the
case review in the template language (issue 7): every cell is a variable lookup, a localisation and an
escape. Each function here writes exactly what its template loop used to write; every text is escaped.
The tables around the rows (headers, captions, empty states) stay in the templates.
"""

from collections.abc import Iterable
from decimal import Decimal
from html import escape  # the standard library's: Django's adds a lazy-string check per call

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from patients.links import record_create_url, record_edit_url
from patients.models import Event, Lesion, Measurement, Patient


def size(value: Decimal) -> str:
    """A size as the templates print `{{ size_mm.normalize }}`: 120, 12.5 (never 1.2E+2)."""
    return format(value.normalize(), "f")


def _labels(lesions: Iterable[Lesion]) -> str:
    return ", ".join(escape(lesion.label) for lesion in lesions)


def _edit_link(url: str, target: str, hidden: str) -> str:
    return (
        f'<a href="{url}" hx-get="{url}" hx-target="#{target}" hx-swap="outerHTML">Edit'
        f'<span class="visually-hidden"> {hidden}</span></a>'
    )


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


def _trend(measurements: list[Measurement], unit: str) -> str:
    """Latest size against the one before: an arrow (with its words for screen readers) and the previous size."""
    if len(measurements) < 2:
        return '<span class="none-recorded">–</span>'
    latest, previous = measurements[-1].size_mm, measurements[-2].size_mm
    if latest > previous:
        arrow = '<span aria-hidden="true">↑</span><span class="visually-hidden">larger than</span>'
    elif latest < previous:
        arrow = '<span aria-hidden="true">↓</span><span class="visually-hidden">smaller than</span>'
    else:
        arrow = '<span aria-hidden="true">→</span><span class="visually-hidden">same as</span>'
    return f'{arrow} <span class="previous">{size(previous)}{unit}</span>'


def _latest_size(measurements: list[Measurement]) -> str:
    if not measurements:
        return '<span class="none-recorded">no size</span>'
    latest = measurements[-1]
    return f'<strong>{size(latest.size_mm)} mm</strong> <span class="date">{latest.measured_on.isoformat()}</span>'


def review_lesion_rows(lesions: list[Lesion]) -> SafeString:
    """The rows of the case review's lesions table: label, organ, detected, latest size, trend, status."""
    parts = []
    for lesion in lesions:
        measurements = lesion.current_measurements
        organ = escape(lesion.get_organ_display()) + (" (regional node)" if lesion.regional_node else "")
        latest_size = _latest_size(measurements)
        status = f"removed {lesion.removed_on.year}" if lesion.removed_on else "<strong>active</strong>"
        parts.append(
            f'<tr id="lesion-{lesion.public_id}"><th scope="row">{escape(lesion.label)}</th><td>{organ}</td>'
            f'<td class="date">{lesion.detected_on.isoformat()}</td><td class="number">{latest_size}</td>'
            f'<td class="trend">{_trend(measurements, "")}</td><td>{status}</td></tr>'
        )
    return mark_safe("\n".join(parts))


def withdrawn_note(row) -> str:
    """Who withdrew a row, when (local time) and why, as `patients/_record.html#withdrawn_note` says it."""
    by = row.withdrawn_by.get_full_name() or row.withdrawn_by.username
    at = timezone.localtime(row.withdrawn_at).strftime("%Y-%m-%d %H:%M")
    return f'<span class="withdrawn-note">Withdrawn by {escape(by)} on {at}: {escape(row.withdrawn_reason)}</span>'


def lesion_rows(patient: Patient, editable: bool, show_withdrawn: bool) -> SafeString:
    """The patient page's current lesions: one row each, then a row with its measurements (Edit links when
    editable; withdrawn ones struck through when shown)."""
    parts = []
    add_size = escape(record_create_url(patient, "measurement")) if editable else ""
    for lesion in patient.current_lesions:
        measurements = lesion.current_measurements
        label = escape(lesion.label)
        note = f'<div class="note">{escape(lesion.note)}</div>' if lesion.note else ""
        latest_size = _latest_size(measurements)
        if lesion.removed_on:
            status = f"removed ({escape(lesion.get_removal_display().lower())}, {lesion.removed_on.isoformat()})"
        else:
            status = "active"
        parts.append(
            f'<tr id="lesion-{lesion.public_id}"><th scope="row">{label}</th>'
            f"<td>{escape(lesion.get_organ_display())}{note}</td><td>{'yes' if lesion.regional_node else 'no'}</td>"
            f'<td>{lesion.detected_on.isoformat()}</td><td class="number latest-size">{latest_size}</td>'
            f'<td class="trend">{_trend(measurements, " mm")}</td><td>{status}</td>'
        )
        if editable:
            new_url = f"{add_size}?lesion={lesion.public_id}"
            edit_url = escape(record_edit_url(patient, "lesion", lesion))
            parts.append(
                f'<td class="row-actions"><a href="{new_url}" hx-get="{new_url}" hx-target="#editor-lesions" '
                f'hx-swap="outerHTML">Add size<span class="visually-hidden"> to {label}</span></a> '
                + _edit_link(edit_url, "editor-lesions", f"lesion {label}")
                + "</td>"
            )
        parts.append("</tr>")
        withdrawn = getattr(lesion, "withdrawn_measurements", []) if show_withdrawn else []
        if (editable and measurements) or withdrawn:
            items = [measurement_items(patient, measurements, editable)]
            items += [
                f'<li class="withdrawn"><del>{row.measured_on.isoformat()}: {size(row.size_mm)} mm</del> '
                f"{withdrawn_note(row)}</li>"
                for row in withdrawn
            ]
            count = len(measurements)
            parts.append(
                f'<tr class="measurements-row"><td colspan="{8 if editable else 7}"><details><summary>{count} '
                f'measurement{"" if count == 1 else "s"} of {label}</summary><ul class="measurements">'
                + "\n".join(item for item in items if item)
                + "</ul></details></td></tr>"
            )
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
            f"<td>{'' if event.line is None else event.line}</td><td>{escape(event.get_intent_display())}</td>"
            f"<td>{result}</td><td>{_labels(event.treated)}</td>"
        )
        if editable:
            url = escape(record_edit_url(patient, "event", event))
            row += f"<td>{_edit_link(url, 'editor-events', f'{escape(event.get_type_display())} of {started_on}')}</td>"
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
        parts.append(
            f'<tr id="event-{event.public_id}"><td class="date">{_dates(event)}</td>'
            f'<th scope="row">{_kind(event)}</th><td>{details}</td></tr>'
        )
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

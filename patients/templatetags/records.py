"""Template tags of the record: row links (patients/links.py) and its long lists (patients/rows.py)."""

from django import template

from patients import links, rows

register = template.Library()

register.simple_tag(links.record_edit_url)
register.simple_tag(links.record_create_url)


@register.simple_tag
def event_rows(patient, editable=False):
    """The rows of the patient page's events table."""
    return rows.event_rows(patient, bool(editable))


@register.simple_tag
def review_event_rows(events):
    """The rows of the case review's "All events" table."""
    return rows.review_event_rows(events)


@register.simple_tag
def review_treatment_items(events):
    """The case review's treatments as `<li>`."""
    return rows.review_treatment_items(events)


@register.simple_tag
def review_lesion_rows(lesions):
    """The rows of the case review's lesions table."""
    return rows.review_lesion_rows(lesions)


@register.simple_tag
def lesion_rows(patient, editable=False, show_withdrawn=False):
    """The rows of the patient page's lesions table, each with its measurements."""
    return rows.lesion_rows(patient, bool(editable), bool(show_withdrawn))

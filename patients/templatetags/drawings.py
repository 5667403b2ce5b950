"""Template tags of the drawings: markup too repetitive for the template language (patients/svg.py)."""

from django import template
from django.utils.safestring import SafeString

from patients import svg
from patients.timeline import Timeline

register = template.Library()


@register.simple_tag
def timeline_lanes(timeline: Timeline) -> SafeString:
    """The web timeline's lanes, one titled group per shape."""
    return svg.timeline_lanes(timeline)

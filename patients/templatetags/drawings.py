"""Template tags of the drawings: markup too repetitive for the template language (patients/svg.py)."""

from django import template
from django.utils.safestring import SafeString

from patients import svg
from patients.charts import SizeChart
from patients.timeline import Timeline

register = template.Library()


@register.simple_tag
def timeline_lanes(timeline: Timeline) -> SafeString:
    """The web timeline's lanes, one titled group per shape."""
    return svg.timeline_lanes(timeline)


@register.simple_tag
def size_chart_panels(chart: SizeChart) -> SafeString:
    """The web size chart's panels (charts of many lesions), one titled group per lesion."""
    return svg.size_chart_panels(chart)

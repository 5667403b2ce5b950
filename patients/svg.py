"""SVG markup of the timeline's lanes and the size chart's panels for the web page, written in Python rather
than in a template.

A heavy record draws about a thousand shapes, each a titled group (the tooltip); the template language spent
more on them than the rest of the page (issue 7). The markup is the one `patients/_timeline.html#timeline_svg`
and `#size_chart_svg` used to write: every text is escaped, numbers are written as Python writes them (no
localisation). The printed drawings keep their template: they are already a few paths per lane or chart
(see `Lane.bar_fills`, `SizeChart.panel_lines_path`).
"""

from html import escape  # the standard library's: Django's adds a lazy-string check per call

from django.utils.safestring import SafeString, mark_safe

from patients.charts import SizeChart
from patients.timeline import Bar, Lane, Timeline

INK = "#1a1a1a"


def timeline_lanes(timeline: Timeline) -> SafeString:
    """Return the `<g class="lane">` groups of the timeline's lanes: markers, bars, lesion spans and points."""
    parts: list[str] = []
    for lane in timeline.lanes:
        _lane(parts, lane, timeline)
    return mark_safe("".join(parts))


def _lane(parts: list[str], lane: Lane, timeline: Timeline) -> None:
    label_size = "12.5" if lane.group == "lesions" and timeline.compact_lesions else "13.5"
    parts.append(
        f'<g class="lane lane-{escape(lane.group)}" data-lane="{escape(lane.key)}">'
        f'<line x1="8" y1="{lane.y}" x2="{timeline.plot_right}" y2="{lane.y}" stroke="#e2e2e2" stroke-width="1"/>'
        f'<text x="16" y="{lane.label_y}" font-size="{label_size}">{escape(lane.label)}</text>'
    )
    for marker in lane.markers:
        parts.append(
            f'<g class="marker"><title>{escape(marker.title)}</title>'
            f'<path d="{marker.path}" fill="#fff" stroke="{INK}" stroke-width="1.6"/>'
            f'<text x="{marker.label_x}" y="{marker.label_y}" font-size="12.5" font-weight="700">'
            f"{escape(marker.letter)}</text></g>"
        )
    for bar in lane.bars:
        _bar(parts, bar)
    span = lane.span
    if span:
        width, dash = ("2.5", "") if span.open_ended else ("1.5", ' stroke-dasharray="5 2"')
        parts.append(
            f'<g class="lesion-span"><title>{escape(span.title)}</title>'
            f'<line x1="{span.x1}" y1="{span.y}" x2="{span.x2}" y2="{span.y}" stroke="{INK}" stroke-width="{width}"{dash}/>'
            f'<line x1="{span.x1}" y1="{span.tick_top}" x2="{span.x1}" y2="{span.tick_bottom}" stroke="{INK}" '
            f'stroke-width="1.5"/>'
        )
        if span.arrow:
            parts.append(f'<path d="{span.arrow}" fill="{INK}"/>')
        else:
            parts.append(
                f'<line x1="{span.x2}" y1="{span.cap_top}" x2="{span.x2}" y2="{span.cap_bottom}" stroke="{INK}" '
                f'stroke-width="3"/>'
            )
            if span.end_label:
                parts.append(
                    f'<text x="{span.x2}" y="{span.y}" dx="5" dy="4" font-size="11.5" font-style="italic">'
                    f"{escape(span.end_label)}</text>"
                )
        parts.append("</g>")
    for marker in lane.treated:
        parts.append(
            f'<g class="treated"><title>{escape(marker.title)}</title><path d="{marker.path}" fill="{INK}"/></g>'
        )
    for point in lane.points:
        parts.append(
            f'<g class="measurement"><title>{escape(point.title)}</title>'
            f'<circle cx="{point.x}" cy="{point.y}" r="4" fill="#fff" stroke="{INK}" stroke-width="1.6"/>'
        )
        if point.label:
            parts.append(
                f'<text x="{point.x}" y="{point.y}" dy="-7" text-anchor="middle" font-size="12" font-weight="700">'
                f"{escape(point.label)}</text>"
            )
        parts.append("</g>")
    parts.append("</g>")


def _bar(parts: list[str], bar: Bar) -> None:
    classes = "bar" + (" ongoing" if bar.open_ended else "") + (" course" if bar.cycles > 1 else "")
    fill = INK if bar.pattern == "solid" else f"url(#tl-{escape(bar.pattern)})"
    parts.append(
        f'<g class="{classes}"><title>{escape(bar.title)}</title>'
        f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" fill="{fill}" stroke="{INK}" '
        f'stroke-width="1"/>'
    )
    if bar.arrow:
        parts.append(f'<path d="{bar.arrow}" fill="{INK}"/>')
    if bar.label:
        if bar.label_inside:
            parts.append(
                f'<rect x="{bar.chip_x}" y="{bar.chip_y}" width="{bar.label_width}" height="{bar.chip_height}" '
                f'fill="#fff"/>'
            )
        anchor = ' text-anchor="end"' if bar.label_anchor == "end" else ""
        parts.append(f'<text x="{bar.label_x}" y="{bar.text_y}"{anchor}>{escape(bar.label)}</text>')
    parts.append("</g>")


def size_chart_panels(chart: SizeChart) -> SafeString:
    """Return the web size chart's panels, one titled group per lesion: frame, grid, line, points and title."""
    parts: list[str] = []
    for panel in chart.panels:
        grid = f'<path d="{panel.grid_path}" fill="none" stroke="#ddd" stroke-width="1"/>' if panel.grid_path else ""
        parts.append(
            f'\n    <g class="panel" data-lesion="{escape(panel.label)}"><title>{escape(panel.tooltip)}</title>\n'
            f'      <rect x="{panel.x}" y="{panel.plot_top}" width="{panel.width}" height="{panel.plot_height}" '
            f'fill="none" stroke="#999" stroke-width="0.8"/>\n'
            f"      {grid}\n"
            f'      <path d="{panel.line}" fill="none" stroke="{INK}" stroke-width="1.6"/>\n'
            f'      <path d="{panel.points_path}" fill="#fff" stroke="{INK}" stroke-width="1.2"/>\n'
            f'      <text x="{panel.x}" y="{panel.title_y}" font-size="12.5" font-weight="700">{escape(panel.title)}</text>\n'
            f"    </g>\n    "
        )
    return mark_safe("".join(parts))

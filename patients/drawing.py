"""What the timeline and the size chart share: the drawing's width, the time axis, label widths, shapes.

Both drawings plot time between the same x positions (PLOT_LEFT to PLOT_RIGHT) and label year
boundaries the same way, so a date sits at the same place in both, one above the other.
"""

from dataclasses import dataclass
from datetime import date

WIDTH = 1000
PLOT_LEFT = 190
PLOT_RIGHT = WIDTH - 60
# Average glyph width as a share of the font size (Source Sans 3 / DejaVu Sans, mixed text).
GLYPH_WIDTH = 0.58
YEAR_LABEL_SPACING = 44


def text_width(text: str, font_size: float) -> float:
    """Return the estimated width of a label in drawing units."""
    return round(len(text) * font_size * GLYPH_WIDTH, 1)


@dataclass(frozen=True)
class Tick:
    """A year boundary on the time axis, labelled with its year when `labelled`."""

    x: float
    label: str
    labelled: bool = True


# A course shorter than this many years is drawn from quarter to quarter, not from January to January:
# a few months' record would otherwise fill a small part of a year-wide axis.
QUARTERS_BELOW_YEARS = 3
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _next_quarter(day: date) -> date:
    month = day.month + 3
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def time_range(first: date, last: date) -> tuple[date, date]:
    """Return the time axis from the first to the last day shown: whole years, or whole quarters when short."""
    if last.year - first.year >= QUARTERS_BELOW_YEARS:
        return date(first.year, 1, 1), date(last.year + 1, 1, 1)
    return _quarter_start(first), _next_quarter(_quarter_start(last))


def year_ticks(start: date, end: date, x_of, width: float) -> list[Tick]:
    """Return the ticks of a time axis, labels thinned so that they never touch: every 1 January of a long
    axis ("2016"), every quarter of a short one ("Jul 2026", "Oct", "2027")."""
    if start.month == 1 and end.month == 1 and end.year - start.year >= QUARTERS_BELOW_YEARS:
        years = end.year - start.year
        step = next((step for step in (1, 2, 5, 10, 20) if width / years * step >= YEAR_LABEL_SPACING), 50)
        return [
            Tick(x=x_of(date(year, 1, 1)), label=str(year), labelled=(year - start.year) % step == 0)
            for year in range(start.year, end.year + 1)
        ]
    quarters = [start]
    while quarters[-1] < end:
        quarters.append(_next_quarter(quarters[-1]))
    spacing = width / max(len(quarters) - 1, 1)
    step = next((step for step in (1, 2, 4) if spacing * step >= YEAR_LABEL_SPACING * 1.4), 8)
    ticks = []
    for index, day in enumerate(quarters):
        if index == 0:
            label = f"{MONTHS[day.month - 1]} {day.year}" if day.month != 1 else str(day.year)
        else:
            label = str(day.year) if day.month == 1 else MONTHS[day.month - 1]
        ticks.append(Tick(x=x_of(day), label=label, labelled=index % step == 0))
    return ticks


def dot_path(x: float, y: float, r: float = 2.5) -> str:
    """Return a small square marker: where hundreds of measurements are drawn (compact lanes, small charts),
    WeasyPrint draws its four straight sides several times faster than a circle's curves."""
    return f"M{round(x - r, 1)},{round(y - r, 1)} h{2 * r} v{2 * r} h{-2 * r} Z"


def shape_path(shape: str, x: float, y: float, r: float = 6) -> str:
    """Return an SVG path of a marker shape centred on (x, y)."""
    if shape == "diamond":
        return f"M{x},{round(y - r - 1, 1)} L{round(x + r + 1, 1)},{y} L{x},{round(y + r + 1, 1)} L{round(x - r - 1, 1)},{y} Z"
    if shape == "triangle":
        return f"M{x},{round(y - r - 1, 1)} L{round(x + r + 1, 1)},{round(y + r * 0.8, 1)} L{round(x - r - 1, 1)},{round(y + r * 0.8, 1)} Z"
    if shape == "square":
        s = round(r * 0.85, 1)
        return f"M{round(x - s, 1)},{round(y - s, 1)} h{2 * s} v{2 * s} h{-2 * s} Z"
    if shape == "down":
        return f"M{round(x - r, 1)},{round(y - r * 0.8, 1)} L{round(x + r, 1)},{round(y - r * 0.8, 1)} L{x},{round(y + r * 0.8, 1)} Z"
    # A circle as four cubic Bézier curves rather than two arcs: the same shape, and WeasyPrint draws
    # curves several times faster than it converts arcs (hundreds of measurement points in a heavy record).
    k = round(r * 0.5523, 2)
    x0, x1, y0, y1 = round(x - r, 1), round(x + r, 1), round(y - r, 1), round(y + r, 1)
    return (
        f"M{x0},{y} C{x0},{round(y - k, 1)} {round(x - k, 1)},{y0} {x},{y0} "
        f"C{round(x + k, 1)},{y0} {x1},{round(y - k, 1)} {x1},{y} "
        f"C{x1},{round(y + k, 1)} {round(x + k, 1)},{y1} {x},{y1} "
        f"C{round(x - k, 1)},{y1} {x0},{round(y + k, 1)} {x0},{y} Z"
    )

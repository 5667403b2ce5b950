"""Geometry of the lesion size chart: size (mm) over time per lesion. Pure, no queries.

Up to MAX_LINES lesions share one chart: every line has its own marker (shape and fill) and dash, a
legend names them all, and a line's label goes beside its last point only where it touches nothing.
With more lesions one chart of crossing lines is unreadable, so each lesion gets a small panel of its
own, all panels on the same size and time scales ("small multiples").
The time axis is the timeline's (patients.drawing), so both drawings put a date at the same x.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from patients.drawing import (
    GLYPH_WIDTH,
    PLOT_LEFT,
    PLOT_RIGHT,
    WIDTH,
    Tick,
    dot_path,
    shape_path,
    text_width,
    time_range,
    year_ticks,
)
from patients.models import Patient

MAX_LINES = 8
TOP = 22
MIN_HEIGHT = 300
AXIS_ROOM = 40
FONT = 13
LEGEND_ROW = 19
LEGEND_RIGHT = PLOT_LEFT - 34  # room for the y-axis labels between the legend and the plot
# Every line differs from the others by its marker (shape and fill) and its dash, for black-and-white print.
STYLES = (
    ("circle", "open"),
    ("square", "open"),
    ("triangle", "open"),
    ("diamond", "open"),
    ("circle", "filled"),
    ("square", "filled"),
    ("triangle", "filled"),
    ("diamond", "filled"),
)
DASHES = ("", "7 4", "2 3", "10 3 2 3")
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
PANEL_COLUMNS = 5
PANEL_GUTTER = 14
PANEL_HEIGHT = 78
PANEL_TITLE = 17
PANEL_FONT = 12.5
PANEL_AXIS_FONT = 12  # the year labels under the panels (templates/patients/_timeline.html#size_chart_svg)
PANEL_AXIS_GAP = 8  # at least this much between two of them: the estimate of a label's width is a little short


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    path: str
    title: str


@dataclass
class Series:
    label: str
    dash: str
    shape: str
    fill: str
    line: str
    points: list[ChartPoint] = field(default_factory=list)
    legend_label: str = ""
    legend_y: float = 0
    # The label beside the last point; empty when every place there touches a point or another label.
    label_x: float = 0
    label_y: float = 0
    label_anchor: str = "start"
    end_x: float = 0
    end_y: float = 0

    @property
    def has_end_label(self) -> bool:
        return bool(self.label_x)

    @property
    def fill_colour(self) -> str:
        return "#1a1a1a" if self.fill == "filled" else "#fff"

    @property
    def legend_marker(self) -> str:
        return shape_path(self.shape, 25, self.legend_y, 4.5)

    @property
    def legend_text_y(self) -> float:
        return round(self.legend_y + 4.5, 1)


@dataclass
class Panel:
    """One lesion's sizes in a small chart of its own (charts of more than MAX_LINES lesions)."""

    label: str
    title: str
    x: float
    y: float
    width: float
    height: float
    line: str
    points_path: str
    grid_path: str
    tooltip: str = ""

    @property
    def title_y(self) -> float:
        return round(self.y + 12, 1)

    @property
    def plot_top(self) -> float:
        return self.y + PANEL_TITLE

    @property
    def plot_height(self) -> float:
        return self.height - PANEL_TITLE

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class AxisTick:
    position: float
    label: str
    anchor: str = "middle"


@dataclass
class SizeChart:
    width: int
    height: float
    left: float
    right: float
    top: float
    bottom: float
    series: list[Series]
    x_ticks: list[AxisTick]
    y_ticks: list[AxisTick]
    title: str
    description: str
    panels: list[Panel] = field(default_factory=list)
    panel_axes: list[AxisTick] = field(default_factory=list)
    scale_note: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.series and not self.panels

    @property
    def is_panels(self) -> bool:
        return bool(self.panels)

    @property
    def axis_label_y(self) -> float:
        return round(self.bottom + 18, 1)

    # Print draws all panels' frames, grids, lines and points as four paths (WeasyPrint's cost is per node).

    @property
    def panel_frames_path(self) -> str:
        return " ".join(f"M{p.x},{p.plot_top} h{p.width} v{p.plot_height} h{-p.width} Z" for p in self.panels)

    @property
    def panel_grids_path(self) -> str:
        return " ".join(p.grid_path for p in self.panels if p.grid_path)

    @property
    def panel_lines_path(self) -> str:
        return " ".join(p.line for p in self.panels)

    @property
    def panel_points_path(self) -> str:
        return " ".join(p.points_path for p in self.panels)


def _nice_step(largest: Decimal) -> int:
    for step in NICE_STEPS:
        if largest / step <= 8:
            return step
    return 100


def _boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _line_samples(series: list[Series]) -> list[tuple[float, float]]:
    """Return points every few units along every line of the chart, to keep labels off the lines."""
    samples = []
    for line in series:
        for a, b in zip(line.points, line.points[1:], strict=False):
            steps = max(int(max(abs(b.x - a.x), abs(b.y - a.y)) / 3), 1)
            samples += [(a.x + (b.x - a.x) * i / steps, a.y + (b.y - a.y) * i / steps) for i in range(steps + 1)]
    return samples


def _place_end_labels(series: list[Series], top: float, bottom: float) -> None:
    """Put each line's label beside its last point where it touches no point, line or other label.

    Tried in order: right of the point, above, below, left. A label that fits nowhere is left out: the
    legend names every line, so nothing needs a long leader line across the chart.
    """
    obstacles = [(p.x - 6, p.y - 6, p.x + 6, p.y + 6) for line in series for p in line.points]
    samples = _line_samples(series)
    for line in sorted(series, key=lambda line: (-line.end_x, line.end_y)):
        x, y = line.end_x, line.end_y
        width = text_width(line.label, FONT) + 4
        candidates = (
            ("start", x + 9, y + 4.5, (x + 8, y - 7, x + 8 + width, y + 7)),
            ("middle", x, y - 10, (x - width / 2, y - 22, x + width / 2, y - 8)),
            ("middle", x, y + 20, (x - width / 2, y + 8, x + width / 2, y + 22)),
            ("end", x - 9, y + 4.5, (x - 8 - width, y - 7, x - 8, y + 7)),
        )
        for anchor, label_x, label_y, box in candidates:
            inside = box[0] >= PLOT_LEFT + 2 and box[2] <= WIDTH - 2 and box[1] >= top - 14 and box[3] <= bottom - 1
            own = (x - 6, y - 6, x + 6, y + 6)
            if (
                inside
                and not any(_boxes_overlap(box, other) for other in obstacles if other != own)
                and not any(box[0] <= sx <= box[2] and box[1] <= sy <= box[3] for sx, sy in samples)
            ):
                line.label_anchor, line.label_x, line.label_y = anchor, round(label_x, 1), round(label_y, 1)
                obstacles.append(box)
                break


def _x_scale(start: date, end: date, left: float, right: float):
    span_days = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return round(left + (day - start).days / span_days * (right - left), 1)

    return x_of


def _lines_chart(measured, start: date, end: date, largest: Decimal, step: int, top_mm: int) -> SizeChart:
    height = max(MIN_HEIGHT, TOP + len(measured) * LEGEND_ROW + AXIS_ROOM + 20)
    bottom = height - AXIS_ROOM
    x_of = _x_scale(start, end, PLOT_LEFT, PLOT_RIGHT)

    def y_of(size: Decimal) -> float:
        return round(bottom - float(size) / top_mm * (bottom - TOP), 1)

    series = []
    for index, lesion in enumerate(measured):
        shape, fill = STYLES[index % len(STYLES)]
        points = [
            ChartPoint(
                x=x_of(m.measured_on),
                y=y_of(m.size_mm),
                path=shape_path(shape, x_of(m.measured_on), y_of(m.size_mm), 4.5),
                title=f"{lesion.label}: {m.size_mm.normalize():f} mm on {m.measured_on.isoformat()}",
            )
            for m in lesion.current_measurements
        ]
        # The lesion label identifies the line; its organ is added when the whole text fits.
        legend = f"{lesion.label} · {lesion.get_organ_display().lower()}"
        if text_width(legend, FONT) > LEGEND_RIGHT - 48:
            legend = lesion.label
        series.append(
            Series(
                label=lesion.label,
                dash=DASHES[index % len(DASHES)],
                shape=shape,
                fill=fill,
                line=" ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points)),
                points=points,
                legend_label=legend,
                legend_y=TOP + 8 + index * LEGEND_ROW,
                end_x=points[-1].x,
                end_y=points[-1].y,
            )
        )
    _place_end_labels(series, TOP, bottom)
    x_ticks = [
        AxisTick(tick.x, tick.label) for tick in year_ticks(start, end, x_of, PLOT_RIGHT - PLOT_LEFT) if tick.labelled
    ]
    y_ticks = [AxisTick(y_of(Decimal(mm)), str(mm)) for mm in range(0, top_mm + 1, step)]
    return SizeChart(WIDTH, height, PLOT_LEFT, PLOT_RIGHT, TOP, bottom, series, x_ticks, y_ticks, "", "")


def _panel_axis(ticks: list[Tick], left: float, width: float) -> list[AxisTick]:
    """The year labels under one column of panels, none touching another.

    A label at a panel's edge is aligned to the edge, so that it is not cut or run into the next column; aligned
    so, it comes nearer its neighbour than the ticks' spacing allowed for, and the neighbour is left out then
    (the edges' years are kept: they say where the axis starts and ends).
    """
    placed = []
    for tick in ticks:
        anchor = "start" if tick.x - left < 16 else "end" if left + width - tick.x < 16 else "middle"
        label_width = text_width(tick.label, PANEL_AXIS_FONT)
        low = {"start": tick.x, "end": tick.x - label_width, "middle": tick.x - label_width / 2}[anchor]
        placed.append((low, low + label_width, AxisTick(tick.x, tick.label, anchor)))
    kept: list[int] = []
    for index in sorted(range(len(placed)), key=lambda index: (placed[index][2].anchor == "middle", index)):
        low, high, _ = placed[index]
        if all(high + PANEL_AXIS_GAP <= placed[other][0] or placed[other][1] + PANEL_AXIS_GAP <= low for other in kept):
            kept.append(index)
    return [placed[index][2] for index in sorted(kept)]


def _panels_chart(measured, start: date, end: date, top_mm: int) -> SizeChart:
    width = (WIDTH - 8 - PANEL_GUTTER * (PANEL_COLUMNS - 1)) / PANEL_COLUMNS
    rows = (len(measured) + PANEL_COLUMNS - 1) // PANEL_COLUMNS
    panels = []
    columns = []
    for column in range(PANEL_COLUMNS):
        left = 4 + column * (width + PANEL_GUTTER)
        x_of = _x_scale(start, end, left + 3, left + width - 3)
        columns.append((left, x_of, [tick for tick in year_ticks(start, end, x_of, width - 6) if tick.labelled]))
    for index, lesion in enumerate(measured):
        row, column = divmod(index, PANEL_COLUMNS)
        left, x_of, ticks = columns[column]
        y = TOP + row * (PANEL_HEIGHT + 8)
        plot_top, plot_bottom = y + PANEL_TITLE + 4, y + PANEL_HEIGHT - 4

        def y_of(size: Decimal, plot_top=plot_top, plot_bottom=plot_bottom) -> float:
            return round(plot_bottom - float(size) / top_mm * (plot_bottom - plot_top), 1)

        measurements = lesion.current_measurements
        latest = measurements[-1]
        # Label, latest size and removal: the organ is in the timeline's lane and the lesions table, and
        # every character of SVG text is drawn (and paid for) on its own in print.
        status = f" ({lesion.get_removal_display().lower()})" if lesion.removed_on else ""
        title = f"{lesion.label} · {latest.size_mm.normalize():f} mm{status}"
        max_chars = int(width / (PANEL_FONT * GLYPH_WIDTH))
        coordinates = [(x_of(m.measured_on), y_of(m.size_mm)) for m in measurements]
        grid = " ".join(f"M{tick.x},{plot_top} V{plot_bottom}" for tick in ticks)
        panels.append(
            Panel(
                label=lesion.label,
                title=title if len(title) <= max_chars else title[: max_chars - 1] + "…",
                x=round(left, 1),
                y=y,
                width=round(width, 1),
                height=PANEL_HEIGHT,
                line=" ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(coordinates)),
                points_path=" ".join(dot_path(x, y, 2.2) for x, y in coordinates),
                grid_path=grid,
                tooltip=f"{lesion.label}: "
                + "; ".join(f"{m.size_mm.normalize():f} mm on {m.measured_on.isoformat()}" for m in measurements),
            )
        )
    bottom = TOP + rows * (PANEL_HEIGHT + 8) - 8
    axes = [axis for left, _, ticks in columns[: len(measured)] for axis in _panel_axis(ticks, left, width)]
    chart = SizeChart(WIDTH, bottom + AXIS_ROOM - 10, 4, WIDTH - 4, TOP, bottom, [], [], [], "", "")
    chart.panels, chart.panel_axes = panels, axes
    chart.scale_note = (
        f"Every panel: size 0–{top_mm} mm (bottom to top), {start:%B %Y} to {end - timedelta(days=1):%B %Y}."
    )
    return chart


def build_size_chart(patient: Patient, *, start: date | None = None, end: date | None = None) -> SizeChart:
    """Return the size chart geometry of a patient's current lesions, for a patient loaded with `for_record()`.

    `start` and `end` (1 January of the first year and of the year after the last) are the timeline's
    range, so the two drawings share their time axis; without them the measurements' years are used.
    """
    measured = [lesion for lesion in patient.current_lesions if lesion.current_measurements]
    title = "Lesion sizes over time"
    if not measured:
        return SizeChart(
            WIDTH,
            MIN_HEIGHT,
            PLOT_LEFT,
            PLOT_RIGHT,
            TOP,
            MIN_HEIGHT - AXIS_ROOM,
            [],
            [],
            [],
            title,
            "No lesion has a measurement yet.",
        )
    days = [m.measured_on for lesion in measured for m in lesion.current_measurements]
    if start is None or end is None:
        start, end = time_range(min(days), max(days))
    largest = max(m.size_mm for lesion in measured for m in lesion.current_measurements)
    step = _nice_step(largest)
    top_mm = (int(largest) // step + 1) * step
    if len(measured) <= MAX_LINES:
        chart = _lines_chart(measured, start, end, largest, step, top_mm)
        how = (
            "Each line has its own marker and dash, named in the legend; a line is also labelled beside its "
            "latest point where there is room."
        )
    else:
        chart = _panels_chart(measured, start, end, top_mm)
        how = (
            "Each lesion has its own small chart, all on the same size and time scales, titled with its "
            "latest size (the timeline and the lesions table give its organ)."
        )
    chart.title = title
    chart.description = (
        f"{len(measured)} lesions measured between {min(days).isoformat()} and {max(days).isoformat()}; "
        f"largest {largest.normalize():f} mm. {how} The lesions table lists every measurement."
    )
    return chart


__all__ = ["AxisTick", "ChartPoint", "Panel", "Series", "SizeChart", "Tick", "build_size_chart"]

"""Geometry of the lesion size chart: size (mm) over time, one labelled line per lesion. Pure, no queries."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from patients.models import Patient

WIDTH = 1000
HEIGHT = 360
LEFT = 64
RIGHT = WIDTH - 130
TOP = 20
BOTTOM = HEIGHT - 44
LABEL_GAP = 14
# Lines differ by dash and marker shape as well as by position, for black-and-white print.
DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4 1 4")
SHAPES = ("circle", "square", "triangle", "diamond")
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)


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
    line: str
    points: list[ChartPoint] = field(default_factory=list)
    label_x: float = 0
    label_y: float = 0
    end_x: float = 0
    end_y: float = 0
    beside_point: bool = False  # labelled next to its last point, without a leader line

    @property
    def leader_y(self) -> float:
        return round(self.label_y - 4, 1)


@dataclass(frozen=True)
class AxisTick:
    position: float
    label: str


@dataclass
class SizeChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    series: list[Series]
    x_ticks: list[AxisTick]
    y_ticks: list[AxisTick]
    title: str
    description: str

    @property
    def is_empty(self) -> bool:
        return not self.series


def _marker(shape: str, x: float, y: float, r: float = 4.5) -> str:
    if shape == "square":
        return f"M{x - r},{y - r} h{2 * r} v{2 * r} h{-2 * r} Z"
    if shape == "triangle":
        return f"M{x},{y - r - 1} L{x + r + 1},{y + r} L{x - r - 1},{y + r} Z"
    if shape == "diamond":
        return f"M{x},{y - r - 1} L{x + r + 1},{y} L{x},{y + r + 1} L{x - r - 1},{y} Z"
    return f"M{x - r},{y} A{r},{r} 0 1,0 {x + r},{y} A{r},{r} 0 1,0 {x - r},{y} Z"


def _nice_step(largest: Decimal) -> int:
    for step in NICE_STEPS:
        if largest / step <= 8:
            return step
    return 100


def _spread(labels: list[Series], bottom: float) -> None:
    """Move end labels apart vertically so that none overlap, keeping their order and staying above bottom."""
    labels.sort(key=lambda series: series.end_y)
    previous = -1000.0
    for series in labels:
        series.label_y = max(series.end_y + 4, previous + LABEL_GAP)
        previous = series.label_y
    overflow = previous - (bottom + 4)
    if overflow > 0:
        for series in labels:
            series.label_y = round(series.label_y - overflow, 1)
        floor = TOP + 4
        for series in labels:
            series.label_y = max(series.label_y, floor)
            floor = series.label_y + LABEL_GAP


def _label_at_point(series: list[Series]) -> list[Series]:
    """Label lines that end well before the right edge beside their last point; return the others.

    Long leader lines from early lesions to the margin would cross the whole chart. A label goes beside
    its point only when no other label box is near it; the rest are spread in the right margin.
    """
    placed: list[tuple[float, float]] = []
    margin = []
    for line in sorted(series, key=lambda line: (line.end_x, line.end_y)):
        x, y = line.end_x + 8, line.end_y + 4
        width = len(line.label) * 8 + 6
        clear = line.end_x < RIGHT - 60 and all(
            abs(y - other_y) >= LABEL_GAP or abs(x - other_x) >= width for other_x, other_y in placed
        )
        if clear:
            line.label_x, line.label_y, line.beside_point = x, y, True
            placed.append((x, y))
        else:
            margin.append(line)
    return margin


def build_size_chart(patient: Patient) -> SizeChart:
    """Return the size chart geometry of a patient's current lesions, for a patient loaded with `for_record()`."""
    measured = [lesion for lesion in patient.current_lesions if lesion.current_measurements]
    title = "Lesion sizes over time"
    if not measured:
        return SizeChart(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, [], [], [], title,
                         "No lesion has a measurement yet.")
    days = [m.measured_on for lesion in measured for m in lesion.current_measurements]
    start, end = date(min(days).year, 1, 1), date(max(days).year + 1, 1, 1)
    span_days = (end - start).days
    largest = max(m.size_mm for lesion in measured for m in lesion.current_measurements)
    step = _nice_step(largest)
    top_mm = (int(largest) // step + 1) * step
    # Grow the plot with the number of lines so that every end label has its own row.
    bottom = max(BOTTOM, TOP + len(measured) * LABEL_GAP + 10)
    height = bottom + HEIGHT - BOTTOM

    def x_of(day: date) -> float:
        return round(LEFT + (day - start).days / span_days * (RIGHT - LEFT), 1)

    def y_of(size: Decimal) -> float:
        return round(bottom - float(size) / top_mm * (bottom - TOP), 1)

    series = []
    for index, lesion in enumerate(measured):
        shape = SHAPES[index % len(SHAPES)]
        points = [
            ChartPoint(x=x_of(m.measured_on), y=y_of(m.size_mm), path=_marker(shape, x_of(m.measured_on), y_of(m.size_mm)),
                       title=f"{lesion.label}: {m.size_mm.normalize():f} mm on {m.measured_on:%Y-%m-%d}")
            for m in lesion.current_measurements
        ]
        line = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
        last = points[-1]
        series.append(Series(
            label=lesion.label, dash=DASHES[index % len(DASHES)], shape=shape, line=line, points=points,
            label_x=RIGHT + 10, end_x=last.x, end_y=last.y,
        ))
    _spread(_label_at_point(series), bottom)
    years = end.year - start.year
    year_step = 1 if years <= 15 else 2
    x_ticks = [AxisTick(x_of(date(year, 1, 1)), str(year)) for year in range(start.year, end.year + 1, year_step)]
    y_ticks = [AxisTick(y_of(Decimal(mm)), str(mm)) for mm in range(0, top_mm + 1, step)]
    description = (
        f"{len(series)} lesions measured between {min(days):%Y-%m-%d} and {max(days):%Y-%m-%d}; "
        f"largest {largest.normalize():f} mm. Each line is labelled with its lesion at its latest point; "
        f"the lesions table lists the latest sizes."
    )
    return SizeChart(WIDTH, height, LEFT, RIGHT, TOP, bottom, series, x_ticks, y_ticks, title, description)

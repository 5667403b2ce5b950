"""Geometry of the drawn patient timeline: a pure function of a patient loaded with `for_record()`.

The template only draws what is computed here (coordinates, path strings, labels), so the page and
the PDF show the same picture. No queries: everything is read from the prefetched lists.
"""

from dataclasses import dataclass, field
from datetime import date

from patients.charts import SizeChart, build_size_chart
from patients.models import EventType, Patient, PrimaryTumour, Removal

WIDTH = 1000
PLOT_LEFT = 190
PLOT_RIGHT = WIDTH - 60
TOP = 34
AXIS_HEIGHT = 30
GROUP_GAP = 22
MILESTONE_LANE_HEIGHT = 44
TREATMENT_ROW_HEIGHT = 24
LESION_LANE_HEIGHT = 30
CHAR_WIDTH = 6.6  # average width of a 12-unit label character
ONE_DAY_WIDTH = 6

# Treatment lanes in drawing order: key, lane label, event types, fill pattern (black and white).
TREATMENT_LANES = (
    ("surgery", "Surgery", {EventType.PRIMARY_RESECTION, EventType.METASTASECTOMY}, "solid"),
    ("ablation", "Ablation", {EventType.THERMAL_ABLATION}, "cross"),
    ("radiotherapy", "SBRT / RT", {EventType.SBRT, EventType.RADIOTHERAPY}, "dots"),
    ("embolisation", "TACE / TARE", {EventType.TACE, EventType.TARE}, "vertical"),
    ("chemotherapy", "Chemotherapy", {EventType.CHEMOTHERAPY}, "diagonal"),
    ("mitotane", "Mitotane", {EventType.MITOTANE}, "horizontal"),
    ("immunotherapy", "Immunotherapy", {EventType.IMMUNOTHERAPY}, "backdiagonal"),
    ("targeted_therapy", "Targeted therapy", {EventType.TARGETED_THERAPY}, "grid"),
    ("imaging", "Imaging", {EventType.IMAGING}, "outline"),
)
# Milestones: letter and shape, so that print in black and white stays readable.
MILESTONES = {
    EventType.DIAGNOSIS: ("D", "diamond"),
    EventType.METASTATIC_DIAGNOSIS: ("M", "triangle"),
    EventType.RECURRENCE: ("R", "square"),
    EventType.PROGRESSION: ("P", "circle"),
}
ONGOING_TYPES = frozenset(
    {EventType.CHEMOTHERAPY, EventType.MITOTANE, EventType.IMMUNOTHERAPY, EventType.TARGETED_THERAPY}
)
REMOVAL_LETTERS = {Removal.RESECTION: "resected", Removal.ABLATION: "ablated", Removal.DISAPPEARED: "disappeared"}


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    labelled: bool = True
    label_x: float = 0  # the middle of the year that starts at x


@dataclass(frozen=True)
class Marker:
    """A milestone, drawn as a shape with a letter above it."""

    x: float
    y: float
    letter: str
    label_y: float
    shape: str
    path: str
    title: str


@dataclass(frozen=True)
class Bar:
    """A treatment from start to end; one-day treatments are narrow solid bars."""

    x: float
    y: float
    width: float
    height: float
    pattern: str
    title: str
    label: str
    label_x: float
    label_inside: bool
    label_width: float
    one_day: bool
    open_ended: bool
    arrow: str = ""

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + 4, 1)

    @property
    def chip_x(self) -> float:
        return round(self.label_x - 2, 1)

    @property
    def chip_y(self) -> float:
        return round(self.y + 1, 1)

    @property
    def chip_height(self) -> float:
        return round(self.height - 2, 1)


@dataclass(frozen=True)
class Point:
    """A measurement on a lesion lane, with its size as label (blank when it would overlap)."""

    x: float
    y: float
    label: str
    title: str


@dataclass(frozen=True)
class Span:
    """A lesion's life from detection to removal, or to today with an arrow while active."""

    x1: float
    x2: float
    y: float
    open_ended: bool
    arrow: str
    end_label: str
    title: str

    @property
    def tick_top(self) -> float:
        return self.y - 5

    @property
    def tick_bottom(self) -> float:
        return self.y + 5

    @property
    def cap_top(self) -> float:
        return self.y - 7

    @property
    def cap_bottom(self) -> float:
        return self.y + 7


@dataclass
class Lane:
    key: str
    label: str
    y: float
    height: float
    group: str
    pattern: str = ""
    bars: list[Bar] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    treated: list[Marker] = field(default_factory=list)
    span: Span | None = None

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    @property
    def label_y(self) -> float:
        return self.middle + 4


@dataclass(frozen=True)
class Heading:
    label: str
    y: float


@dataclass
class Timeline:
    width: int
    height: float
    plot_left: float
    plot_right: float
    start: date | None
    end: date | None
    today: date
    today_x: float | None
    axis_y: float
    ticks: list[Tick]
    lanes: list[Lane]
    headings: list[Heading]
    title: str
    description: str
    chart: SizeChart
    age: int | None = None
    primary: PrimaryTumour | None = None
    patterns: tuple[str, ...] = tuple(lane[3] for lane in TREATMENT_LANES)

    @property
    def is_empty(self) -> bool:
        return self.start is None

    @property
    def lesion_lanes(self) -> list[Lane]:
        return [lane for lane in self.lanes if lane.group == "lesions"]

    @property
    def grid_bottom(self) -> float:
        return self.axis_y


class _Scale:
    def __init__(self, start: date, end: date):
        self.start = start
        self.days = max((end - start).days, 1)

    def x(self, day: date) -> float:
        return round(PLOT_LEFT + (day - self.start).days / self.days * (PLOT_RIGHT - PLOT_LEFT), 1)


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _shape_path(shape: str, x: float, y: float, r: float = 6) -> str:
    if shape == "diamond":
        return f"M{x},{y - r} L{x + r},{y} L{x},{y + r} L{x - r},{y} Z"
    if shape == "triangle":
        return f"M{x},{y - r} L{x + r},{y + r * 0.8} L{x - r},{y + r * 0.8} Z"
    if shape == "square":
        s = r * 0.85
        return f"M{x - s},{y - s} L{x + s},{y - s} L{x + s},{y + s} L{x - s},{y + s} Z"
    if shape == "down":
        return f"M{x - r},{y - r * 0.8} L{x + r},{y - r * 0.8} L{x},{y + r * 0.8} Z"
    # circle as a path, so every marker is drawn the same way
    return f"M{x - r},{y} A{r},{r} 0 1,0 {x + r},{y} A{r},{r} 0 1,0 {x - r},{y} Z"


def _arrow(x: float, y: float, half: float) -> str:
    return f"M{x},{y - half - 3} L{x + 10},{y} L{x},{y + half + 3} Z"


def _dates_of(patient: Patient, primary) -> list[date]:
    days = []
    if primary is not None:
        days += [day for day in (primary.diagnosed_on, primary.resected_on) if day]
    for lesion in patient.current_lesions:
        days += [lesion.detected_on] + ([lesion.removed_on] if lesion.removed_on else [])
        days += [measurement.measured_on for measurement in lesion.current_measurements]
    for event in patient.current_events:
        days += [event.started_on] + ([event.ended_on] if event.ended_on else [])
    return days


def _current_primary(patient: Patient) -> PrimaryTumour | None:
    """Return the patient's primary tumour unless it is missing or withdrawn."""
    try:
        primary = patient.primary
    except PrimaryTumour.DoesNotExist:
        return None
    return None if primary.is_withdrawn else primary


def _event_title(event) -> str:
    parts = [event.get_type_display()]
    if event.subtype:
        parts.append(event.get_subtype_display())
    if event.regimen:
        parts.append(event.regimen)
    if event.line:
        parts.append(f"line {event.line}")
    if event.recist_overall:
        parts.append(f"RECIST {event.recist_overall}")
    when = f"{event.started_on:%Y-%m-%d}"
    if event.ended_on and event.ended_on != event.started_on:
        when += f" to {event.ended_on:%Y-%m-%d}"
    elif event.type in ONGOING_TYPES and not event.ended_on:
        when += " to today (ongoing)"
    return f"{', '.join(parts)}: {when}"


def _bar_label(event) -> str:
    label = event.regimen or event.get_type_display()
    if event.type == EventType.THERMAL_ABLATION and event.subtype:
        label = event.get_subtype_display()
    if event.type == EventType.IMAGING:
        label = event.recist_overall or ""
    if event.line:
        label = f"L{event.line} {label}"
    return label


def _milestone_lane(patient: Patient, primary, scale: _Scale, y: float) -> Lane:
    lane = Lane(key="milestones", label="Milestones", y=y, height=MILESTONE_LANE_HEIGHT, group="milestones")
    items = [(event.started_on, event.type, event.get_type_display()) for event in patient.current_events
             if event.type in MILESTONES]
    if primary is not None and not any(kind == EventType.DIAGNOSIS for _, kind, _ in items):
        items.append((primary.diagnosed_on, EventType.DIAGNOSIS, "Diagnosis"))
    items.sort(key=lambda item: item[0])
    shape_y = y + MILESTONE_LANE_HEIGHT - 12
    last_label_x = {0: -1000.0, 1: -1000.0}
    for day, kind, name in items:
        x = scale.x(day)
        letter, shape = MILESTONES[kind]
        # Two label rows: a letter moves up when the lower row is taken nearby.
        row = 0 if x - last_label_x[0] >= 14 else 1
        last_label_x[row] = x
        lane.markers.append(Marker(
            x=x, y=shape_y, letter=letter, label_y=shape_y - 10 - row * 13, shape=shape,
            path=_shape_path(shape, x, shape_y), title=f"{name}: {day:%Y-%m-%d}",
        ))
    return lane


def _pack(bars: list[tuple[float, float, object]]) -> list[int]:
    """Return a row for each (x1, x2) interval so that no two overlap in a row."""
    row_ends: list[float] = []
    rows = []
    for x1, x2, _ in bars:
        for row, end in enumerate(row_ends):
            if end + 4 <= x1:
                row_ends[row] = x2
                rows.append(row)
                break
        else:
            row_ends.append(x2)
            rows.append(len(row_ends) - 1)
    return rows


def _treatment_lane(key, label, types, pattern, events, scale, today_x, y) -> Lane | None:
    events = [event for event in events if event.type in types]
    if not events:
        return None
    drafts = []
    for event in events:
        x1 = scale.x(event.started_on)
        open_ended = event.type in ONGOING_TYPES and event.ended_on is None
        if open_ended:
            x2 = max(today_x, x1 + ONE_DAY_WIDTH)
        elif event.ended_on and event.ended_on > event.started_on:
            x2 = max(scale.x(event.ended_on), x1 + ONE_DAY_WIDTH)
        else:
            x2 = x1 + ONE_DAY_WIDTH
        text = _bar_label(event)
        inside = bool(text) and x2 - x1 >= _text_width(text) + 12
        occupied_end = x2 + (12 if open_ended else 0) + (0 if inside or not text else _text_width(text) + 6)
        drafts.append((x1, occupied_end, (event, x1, x2, text, open_ended, inside)))
    drafts.sort(key=lambda draft: draft[0])
    rows = _pack(drafts)
    lane = Lane(key=key, label=label, y=y, height=TREATMENT_ROW_HEIGHT * (max(rows) + 1) + 6,
                group="treatments", pattern=pattern)
    for (_, _, (event, x1, x2, text, open_ended, inside)), row in zip(drafts, rows):
        bar_y = y + 3 + row * TREATMENT_ROW_HEIGHT + 4
        height = TREATMENT_ROW_HEIGHT - 10
        one_day = x2 - x1 <= ONE_DAY_WIDTH and not open_ended
        label_x = x1 + 5 if inside else x2 + (14 if open_ended else 4)
        lane.bars.append(Bar(
            x=x1 - (ONE_DAY_WIDTH / 2 if one_day else 0), y=bar_y, width=round(x2 - x1, 1), height=height,
            pattern="solid" if one_day else pattern, title=_event_title(event), label=text,
            label_x=label_x, label_inside=inside, label_width=round(_text_width(text) + 4, 1), one_day=one_day, open_ended=open_ended,
            arrow=_arrow(x2, bar_y + height / 2, height / 2) if open_ended else "",
        ))
    return lane


def _lesion_lane(lesion, treatments, scale, today_x, y) -> Lane:
    lane = Lane(key=f"lesion-{lesion.public_id}", label=f"{lesion.label} · {lesion.get_organ_display()}"[:26],
                y=y, height=LESION_LANE_HEIGHT, group="lesions")
    middle = y + LESION_LANE_HEIGHT - 9
    x1 = scale.x(lesion.detected_on)
    if lesion.removed_on:
        x2 = max(scale.x(lesion.removed_on), x1 + 2)
        end_label = REMOVAL_LETTERS.get(lesion.removal, lesion.removal)
        title = (f"{lesion} detected {lesion.detected_on:%Y-%m-%d}, "
                 f"{lesion.get_removal_display().lower()} {lesion.removed_on:%Y-%m-%d}")
    else:
        x2 = max(today_x, x1 + 2)
        end_label = ""
        title = f"{lesion} detected {lesion.detected_on:%Y-%m-%d}, active"
    lane.span = Span(x1=x1, x2=x2, y=middle, open_ended=not lesion.removed_on,
                     arrow="" if lesion.removed_on else _arrow(x2, middle, 1), end_label=end_label, title=title)
    # Label the newest sizes first, dropping older labels that would overlap.
    points = []
    last_label_left = float("inf")
    for measurement in reversed(lesion.current_measurements):
        x = scale.x(measurement.measured_on)
        size = f"{measurement.size_mm.normalize():f}"
        width = _text_width(size)
        label = size if x + width / 2 + 5 <= last_label_left else ""
        if label:
            last_label_left = x - width / 2
        points.append(Point(x=x, y=middle, label=label,
                            title=f"{lesion.label}: {size} mm on {measurement.measured_on:%Y-%m-%d}"))
    lane.points = points[::-1]
    for event in treatments:
        x = scale.x(event.started_on)
        lane.treated.append(Marker(x=x, y=middle + 7, letter="", label_y=0, shape="down",
                                   path=_shape_path("down", x, middle + 6, 4),
                                   title=f"Treated by {_event_title(event)}"))
    return lane


def build_timeline(patient: Patient, *, today: date) -> Timeline:
    """Return the geometry of a patient's timeline drawing, for a patient loaded with `for_record()`."""
    primary = _current_primary(patient)
    chart = build_size_chart(patient)
    age = patient.age_on(today)
    days = _dates_of(patient, primary)
    title = f"Timeline of {patient.name}"
    if not days:
        return Timeline(width=WIDTH, height=60, plot_left=PLOT_LEFT, plot_right=PLOT_RIGHT, start=None, end=None,
                        today=today, today_x=None, axis_y=0, ticks=[], lanes=[], headings=[], title=title,
                        description="Nothing dated has been recorded yet.", chart=chart, age=age,
                        primary=primary)
    start = date(min(days).year, 1, 1)
    end = date(max(max(days), today).year + 1, 1, 1)
    scale = _Scale(start, end)
    today_x = scale.x(min(today, end))

    lanes: list[Lane] = []
    headings: list[Heading] = []
    y = TOP
    milestones = _milestone_lane(patient, primary, scale, y)
    if milestones.markers:
        lanes.append(milestones)
        y += milestones.height + GROUP_GAP
    treatment_lanes = []
    for key, label, types, pattern in TREATMENT_LANES:
        lane = _treatment_lane(key, label, types, pattern, patient.current_events, scale, today_x, y)
        if lane is not None:
            treatment_lanes.append(lane)
            y += lane.height
    if treatment_lanes:
        headings.append(Heading("Treatments", treatment_lanes[0].y - 4))
        lanes += treatment_lanes
        y += GROUP_GAP
    treated_by: dict[int, list] = {}
    for event in patient.current_events:
        for lesion in event.treated:
            treated_by.setdefault(lesion.pk, []).append(event)
    lesion_lanes = [
        _lesion_lane(lesion, treated_by.get(lesion.pk, []), scale, today_x, y + index * LESION_LANE_HEIGHT)
        for index, lesion in enumerate(patient.current_lesions)
    ]
    if lesion_lanes:
        headings.append(Heading("Lesions", lesion_lanes[0].y - 4))
        lanes += lesion_lanes
        y += len(lesion_lanes) * LESION_LANE_HEIGHT
    axis_y = y + 8

    years = end.year - start.year
    step = 1 if years <= 15 else 2
    ticks = [
        Tick(x=scale.x(date(year, 1, 1)), label=str(year), labelled=(year - start.year) % step == 0,
             label_x=round((scale.x(date(year, 1, 1)) + scale.x(date(min(year + 1, end.year), 1, 1))) / 2, 1))
        for year in range(start.year, end.year + 1)
    ]
    treatments = sum(len(lane.bars) for lane in treatment_lanes)
    description = (
        f"From {start.year} to {end.year - 1}: {len(milestones.markers)} milestones (D diagnosis, "
        f"M metastatic diagnosis, R recurrence, P progression), {treatments} treatments in "
        f"{len(treatment_lanes)} lanes, and {len(lesion_lanes)} lesions with their measurements "
        f"(size in mm above each point). The events and lesions tables give the same information as text."
    )
    return Timeline(width=WIDTH, height=axis_y + AXIS_HEIGHT, plot_left=PLOT_LEFT, plot_right=PLOT_RIGHT,
                    start=start, end=end, today=today, today_x=today_x, axis_y=axis_y, ticks=ticks, lanes=lanes,
                    headings=headings, title=title, description=description, chart=chart, age=age,
                    primary=primary)

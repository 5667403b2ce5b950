"""Geometry of the drawn patient timeline: a pure function of a patient loaded with `for_record()`.

The template only draws what is computed here (coordinates, path strings, labels), so the page and
the PDF show the same picture. No queries: everything is read from the prefetched lists.

Long courses stay readable: consecutive cycles of one systemic regimen and line are one course bar
labelled with its cycle count (`group_events`, shared with the printed events table), labels that would
overlap are shortened or left out (the bar keeps its tooltip and the events table names it), and with
many lesions the lesion lanes get narrower and leave the sizes to the size chart.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from patients import drawing
from patients.charts import SizeChart, build_size_chart
from patients.drawing import PLOT_LEFT, PLOT_RIGHT, WIDTH, Tick, shape_path, time_range, year_ticks
from patients.models import EventType, Patient, PrimaryTumour, Removal

TOP = 34
AXIS_HEIGHT = 32
GROUP_GAP = 22
MILESTONE_ROW_HEIGHT = 17
TREATMENT_ROW_HEIGHT = 24
MAX_TREATMENT_ROWS = 3
# In a lane with more bars than this, a label that repeats the previous one is left out (not the two-letter
# RECIST responses of imaging: each is a result of its own).
BUSY_LANE_BARS = 8
LESION_LANE_HEIGHT = 30
COMPACT_LESION_LANE_HEIGHT = 16
# Above this many lesions, lanes are compact: the lesion's life and treatments only; its measurements are
# in the size chart's small panels, one per lesion.
COMPACT_LESIONS = 12
ONE_DAY_WIDTH = 6
# Font sizes in drawing units: the drawing is 1000 units wide, printed 180 mm wide (1 unit = 0.51 pt).
LABEL_FONT = 13.5
BAR_FONT = 13
SMALL_FONT = 12

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
# "FOLFOX cycle 12", "FOLFOX C3", "FOLFOX #4": the cycle number is not part of the regimen.
CYCLE_NUMBER = re.compile(r"[\s,;:-]*\b(?:cycles?|cyc\.?|c|#)\s*\d+\s*$|[\s,;:-]*#\d+\s*$", re.IGNORECASE)
# Cycles further apart than this are separate courses (a treatment break).
COURSE_GAP = timedelta(days=90)


def text_width(text: str, font_size: float = BAR_FONT) -> float:
    """Return the estimated width of a label in drawing units."""
    return drawing.text_width(text, font_size)


def ordinal(number: int) -> str:
    """Return 1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def regimen_without_cycle(regimen: str) -> str:
    """Return a regimen without a trailing cycle number ("FOLFOX cycle 12" -> "FOLFOX")."""
    return CYCLE_NUMBER.sub("", regimen).strip()


@dataclass
class EventGroup:
    """One event, or consecutive cycles of one systemic regimen and line drawn and printed as one course.

    Its texts are computed once, when first read: group_events has finished adding cycles by then.
    """

    events: list
    regimen: str  # as recorded for one event; without the cycle numbers for a course of cycles
    base_regimen: str = ""

    @property
    def first(self):
        return self.events[0]

    @property
    def last(self):
        return self.events[-1]

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def is_course(self) -> bool:
        return len(self.events) > 1

    @property
    def type(self) -> str:
        return self.first.type

    @property
    def line(self) -> int | None:
        return self.first.line

    @property
    def started_on(self) -> date:
        return self.first.started_on

    @property
    def open_ended(self) -> bool:
        return self.type in ONGOING_TYPES and self.last.ended_on is None

    @property
    def ended_on(self) -> date | None:
        """The last day of the course; None while it is ongoing or for a one-day event without an end."""
        if self.open_ended:
            return None
        ends = [event.ended_on for event in self.events if event.ended_on]
        return max(ends) if ends else None

    @cached_property
    def treated(self) -> list:
        """The lesions any event of the group treated, each once, by label."""
        lesions = {lesion.pk: lesion for event in self.events for lesion in event.treated}
        return sorted(lesions.values(), key=lambda lesion: lesion.label)

    @cached_property
    def label(self) -> str:
        """ "1st line · FOLFOX, 40 cycles"; the lane or the table column says what kind of event it is."""
        event = self.first
        text = self.regimen or event.get_type_display()
        if event.type == EventType.THERMAL_ABLATION and event.subtype:
            text = event.get_subtype_display()
        if event.type == EventType.IMAGING:
            text = event.recist_overall or ""
        if self.is_course:
            text = f"{text}, {self.count} cycles"
        if event.line:
            text = f"{ordinal(event.line)} line · {text}"
        return text

    @cached_property
    def details(self) -> str:
        """Regimen, line, intent, margin and RECIST response in one line ("FOLFOX; line 1; palliative")."""
        event = self.first
        parts = [self.regimen] if self.regimen else []
        if event.line:
            parts.append(f"line {event.line}")
        if event.intent:
            parts.append(event.get_intent_display().lower())
        if event.margin:
            parts.append(f"margin {event.margin}")
        if event.recist_overall:
            parts.append(f"RECIST {event.get_recist_overall_display().lower()}")
        return "; ".join(parts)

    @cached_property
    def notes(self) -> str:
        """The notes of the group's events, each once, in order."""
        return " ".join(dict.fromkeys(event.notes for event in self.events if event.notes))

    @cached_property
    def dates(self) -> str:
        """ "2016-06-27 – 2016-10-10", "2022-09-01 – ongoing", or the one day."""
        if self.open_ended:
            return f"{self.started_on.isoformat()} – ongoing"
        if self.ended_on and self.ended_on != self.started_on:
            return f"{self.started_on.isoformat()} – {self.ended_on.isoformat()}"
        return self.started_on.isoformat()

    @cached_property
    def description(self) -> str:
        """The group as one sentence for print: kind, cycles, details, notes and the lesions it treated."""
        event = self.first
        text = event.get_type_display()
        if event.subtype:
            text += f" ({event.get_subtype_display()})"
        if self.is_course:
            text += f", {self.count} cycles"
        if self.details:
            text += f": {self.details}"
        sentences = [text] + [note.strip().rstrip(".") for note in [self.notes] if note.strip()]
        if self.treated:
            sentences.append("Lesions treated: " + ", ".join(lesion.label for lesion in self.treated))
        return ". ".join(sentences)

    @cached_property
    def title(self) -> str:
        """A full description, for the tooltip on the page."""
        event = self.first
        parts = [event.get_type_display()]
        if event.subtype:
            parts.append(event.get_subtype_display())
        if self.regimen:
            parts.append(self.regimen)
        if event.line:
            parts.append(f"{ordinal(event.line)} line")
        if self.is_course:
            parts.append(f"{self.count} cycles")
        if event.recist_overall:
            parts.append(f"RECIST {event.recist_overall}")
        when = self.started_on.isoformat()
        if self.open_ended:
            when += " to today (ongoing)"
        elif self.ended_on and self.ended_on != self.started_on:
            when += f" to {self.ended_on.isoformat()}"
        return f"{', '.join(parts)}: {when}"


def group_events(events) -> list[EventGroup]:
    """Return the events in date order, consecutive cycles of one systemic regimen and line as one group.

    Cycles belong together when they have the same type, regimen (cycle number removed) and line, no other
    course of that type started in between, and the gap since the previous cycle is at most 90 days.
    """
    groups: list[EventGroup] = []
    latest_of_type: dict[str, EventGroup] = {}
    for event in events:
        regimen = regimen_without_cycle(event.regimen)
        group = latest_of_type.get(event.type)
        if (
            event.type in ONGOING_TYPES
            and group is not None
            and not group.open_ended
            and group.base_regimen.casefold() == regimen.casefold()
            and group.line == event.line
            and event.started_on - (group.last.ended_on or group.last.started_on) <= COURSE_GAP
        ):
            group.events.append(event)
            group.regimen = regimen
            continue
        group = EventGroup(events=[event], regimen=event.regimen, base_regimen=regimen)
        groups.append(group)
        latest_of_type[event.type] = group
    return groups


@dataclass(frozen=True)
class Marker:
    """A milestone, drawn as a shape with its letter to the right."""

    x: float
    y: float
    letter: str
    label_x: float
    label_y: float
    shape: str
    path: str
    title: str


@dataclass(frozen=True)
class Bar:
    """A treatment (or a course of cycles) from start to end; one-day treatments are narrow solid bars."""

    x: float
    y: float
    width: float
    height: float
    pattern: str
    group: "EventGroup"
    label: str
    label_x: float
    label_inside: bool
    label_width: float
    one_day: bool
    open_ended: bool
    arrow: str = ""
    cycles: int = 1
    label_anchor: str = "start"

    @property
    def title(self) -> str:
        """The tooltip (only the page shows it, so it is written only when asked for)."""
        return self.group.title

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + 4.5, 1)

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
class TreatedMarker:
    """▼ on a lesion's lane where a treatment of it started."""

    x: float
    y: float
    path: str
    group: "EventGroup"

    @property
    def title(self) -> str:
        return f"Treated by {self.group.title}"


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
        return self.y - 6

    @property
    def cap_bottom(self) -> float:
        return self.y + 6


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
    treated: list[TreatedMarker] = field(default_factory=list)
    span: Span | None = None
    unlabelled: int = 0  # bars whose label did not fit (the tooltip and the events table name them)
    repeats: int = 0  # bars of a busy lane not labelled again with the label of the bar before
    compact: bool = False  # a narrow lesion lane: no measurements (the size chart has them)

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    @property
    def label_y(self) -> float:
        return round(self.middle + 4.5, 1)

    # Print draws each kind of shape of a lane as one path: WeasyPrint's cost is per SVG node, and paper
    # has no tooltips that would need a node per bar or point.

    @property
    def bar_fills(self) -> list[dict]:
        """The lane's bars as one path per fill: [{"paint": "url(#tl-diagonal)", "path": "M… Z M… Z"}]."""
        paths: dict[str, list[str]] = {}
        for bar in self.bars:
            paint = "#1a1a1a" if bar.pattern == "solid" else f"url(#tl-{bar.pattern})"
            paths.setdefault(paint, []).append(f"M{bar.x},{bar.y} h{bar.width} v{bar.height} h{-bar.width} Z")
        return [{"paint": paint, "path": " ".join(parts)} for paint, parts in paths.items()]

    @property
    def arrows_path(self) -> str:
        return " ".join(bar.arrow for bar in self.bars if bar.arrow)

    @property
    def chips_path(self) -> str:
        """White backgrounds of the labels written inside their bars."""
        return " ".join(
            f"M{bar.chip_x},{bar.chip_y} h{bar.label_width} v{bar.chip_height} h{-bar.label_width} Z"
            for bar in self.bars
            if bar.label and bar.label_inside
        )

    @property
    def points_path(self) -> str:
        return " ".join(shape_path("circle", point.x, point.y, 3.5) for point in self.points)

    @property
    def treated_path(self) -> str:
        return " ".join(marker.path for marker in self.treated)


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
    chart: SizeChart | None  # None when built without it (the case review shows no size chart)
    age: int | None = None
    primary: PrimaryTumour | None = None
    compact_lesions: bool = False
    unlabelled_bars: int = 0
    repeated_labels: int = 0
    patterns: tuple[str, ...] = tuple(lane[3] for lane in TREATMENT_LANES)

    @property
    def is_empty(self) -> bool:
        return self.start is None

    @property
    def lesion_lanes(self) -> list[Lane]:
        return [lane for lane in self.lanes if lane.group == "lesions"]

    @property
    def grid_top(self) -> float:
        return TOP - 10

    @property
    def separators_path(self) -> str:
        return " ".join(f"M8,{lane.y} H{self.plot_right}" for lane in self.lanes)

    @property
    def milestones_path(self) -> str:
        return " ".join(marker.path for lane in self.lanes for marker in lane.markers)

    def _spans(self, open_ended: bool) -> list[Span]:
        return [lane.span for lane in self.lesion_lanes if lane.span and lane.span.open_ended == open_ended]

    @property
    def active_spans_path(self) -> str:
        return " ".join(f"M{span.x1},{span.y} H{span.x2}" for span in self._spans(True))

    @property
    def removed_spans_path(self) -> str:
        return " ".join(f"M{span.x1},{span.y} H{span.x2}" for span in self._spans(False))

    @property
    def span_ticks_path(self) -> str:
        spans = self._spans(True) + self._spans(False)
        return " ".join(f"M{span.x1},{span.tick_top} V{span.tick_bottom}" for span in spans)

    @property
    def span_caps_path(self) -> str:
        return " ".join(f"M{span.x2},{span.cap_top} V{span.cap_bottom}" for span in self._spans(False))

    @property
    def span_arrows_path(self) -> str:
        return " ".join(span.arrow for span in self._spans(True))

    @property
    def lesion_points_path(self) -> str:
        return " ".join(lane.points_path for lane in self.lesion_lanes if lane.points)

    @property
    def lesion_treated_path(self) -> str:
        return " ".join(lane.treated_path for lane in self.lesion_lanes if lane.treated)

    @property
    def grid_path(self) -> str:
        """Every year boundary as one dashed path from the top of the drawing to the axis."""
        return " ".join(f"M{tick.x},{self.grid_top} V{self.axis_y}" for tick in self.ticks)

    @property
    def today_label(self) -> str:
        return f"today {self.today.isoformat()}"

    @property
    def today_label_anchor(self) -> str:
        """The "today" label sits beside its dashed line, never across it: left of it unless there is no room."""
        room = text_width(self.today_label, SMALL_FONT) + 8
        return "end" if self.today_x is not None and self.today_x - room >= PLOT_LEFT else "start"

    @property
    def today_label_x(self) -> float:
        if self.today_x is None:
            return 0
        return round(self.today_x - 5 if self.today_label_anchor == "end" else self.today_x + 5, 1)


class _Scale:
    def __init__(self, start: date, end: date):
        self.start = start
        self.days = max((end - start).days, 1)

    def x(self, day: date) -> float:
        return round(PLOT_LEFT + (day - self.start).days / self.days * (PLOT_RIGHT - PLOT_LEFT), 1)


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


def _pack(intervals: list[tuple[float, float]], gap: float = 4) -> list[int]:
    """Return a row for each (x1, x2) interval, in order, so that no two overlap in a row."""
    row_ends: list[float] = []
    rows = []
    for x1, x2 in intervals:
        for row, end in enumerate(row_ends):
            if end + gap <= x1:
                row_ends[row] = x2
                rows.append(row)
                break
        else:
            row_ends.append(x2)
            rows.append(len(row_ends) - 1)
    return rows


def _milestone_lane(patient: Patient, primary, scale: _Scale, y: float) -> Lane:
    items = [
        (event.started_on, event.type, event.get_type_display())
        for event in patient.current_events
        if event.type in MILESTONES
    ]
    if primary is not None and not any(kind == EventType.DIAGNOSIS for _, kind, _ in items):
        items.append((primary.diagnosed_on, EventType.DIAGNOSIS, "Diagnosis"))
    items.sort(key=lambda item: item[0])
    # Shape and letter side by side; markers that would touch go to the next row, so none overlap.
    xs = [scale.x(day) for day, _, _ in items]
    rows = _pack([(x - 7, x + 9 + text_width("M", LABEL_FONT)) for x in xs], gap=2)
    row_count = max(rows, default=0) + 1
    lane = Lane(
        key="milestones", label="Milestones", y=y, height=row_count * MILESTONE_ROW_HEIGHT + 12, group="milestones"
    )
    for (day, kind, name), x, row in zip(items, xs, rows, strict=False):
        letter, shape = MILESTONES[kind]
        shape_y = y + 6 + (row_count - row) * MILESTONE_ROW_HEIGHT - MILESTONE_ROW_HEIGHT / 2
        lane.markers.append(
            Marker(
                x=x,
                y=shape_y,
                letter=letter,
                label_x=round(x + 8, 1),
                label_y=round(shape_y + 5, 1),
                shape=shape,
                path=shape_path(shape, x, shape_y),
                title=f"{name}: {day.isoformat()}",
            )
        )
    return lane


def _fitted_label(text: str, room: float) -> str:
    """Return the label as it fits the room: whole, short ("8th · EDP"), cut with an ellipsis when most of
    it still shows, the line alone ("8th"), cut shorter, or "" when not even that fits."""
    short = text.replace(" line · ", " · ", 1)
    line_only = text.split(" line · ", 1)[0] if " line · " in text else ""
    keep = int(room / (BAR_FONT * drawing.GLYPH_WIDTH)) - 1
    cut = f"{short[:keep].rstrip(' ,·')}…"
    for candidate in (text, short, cut if keep >= 14 else "", line_only, cut if keep >= 6 else ""):
        if candidate and text_width(candidate) <= room:
            return candidate
    return ""


def _treatment_lane(key, label, types, pattern, groups, scale, today_x, y) -> Lane | None:
    groups = [group for group in groups if group.type in types]
    if not groups:
        return None
    drafts = []
    for group in groups:
        x1 = scale.x(group.started_on)
        open_ended = group.open_ended
        end = group.ended_on
        if open_ended:
            x2 = max(today_x, x1 + ONE_DAY_WIDTH)
        elif end and end > group.started_on:
            x2 = max(scale.x(end), x1 + ONE_DAY_WIDTH)
        else:
            x2 = x1 + ONE_DAY_WIDTH
        drafts.append((x1, x2, group, open_ended))
    drafts.sort(key=lambda draft: draft[0])

    # Rows: a bar and its full label share a row with nothing else; when that would need more than
    # MAX_TREATMENT_ROWS rows, the bar goes where it fits alone and its label is shortened or left out.
    row_ends: list[float] = []
    placed = []
    for x1, x2, group, open_ended in drafts:
        text = group.label
        bar_end = x2 + (12 if open_ended else 0)
        inside = bool(text) and x2 - x1 >= text_width(text) + 12
        full_end = bar_end if inside or not text else bar_end + 4 + text_width(text)
        row = next((index for index, end in enumerate(row_ends) if end + 4 <= x1), None)
        if row is None and len(row_ends) < MAX_TREATMENT_ROWS:
            row_ends.append(-1e9)
            row = len(row_ends) - 1
        if row is None:
            row = min(range(len(row_ends)), key=lambda index: row_ends[index])
        placed.append([x1, x2, group, open_ended, text, inside, row])
        row_ends[row] = max(row_ends[row], full_end)
    # Second pass, in x order: a label outside its bar runs right until the next bar of its row (or the
    # drawing's edge); when it does not fit there but does fit left of its bar, it goes left. In a busy
    # lane a label that only repeats the one before ("Metastasectomy" again) is left out.
    # Where the next bar of the same row starts, for each bar (one pass from the right, not a scan per bar).
    next_in_row: list[float] = [WIDTH - 4] * len(placed)
    row_next: dict[int, float] = {}
    for index in range(len(placed) - 1, -1, -1):
        row = placed[index][6]
        if row in row_next:
            next_in_row[index] = row_next[row]
        row_next[row] = placed[index][0]
    unlabelled = 0
    row_right: dict[int, float] = {}
    previous_label = None
    repeats = 0
    for index, entry in enumerate(placed):
        x1, x2, group, open_ended, text, inside, row = entry
        if len(placed) > BUSY_LANE_BARS and len(text) > 4 and text == previous_label:
            entry[4] = text = ""
            repeats += 1
        elif text:
            previous_label = text
        bar_end = x2 + (12 if open_ended else 0)
        anchor, right = "start", bar_end
        if text and not inside:
            label_x = bar_end + 2 if open_ended else x2 + 4
            fitted = _fitted_label(text, next_in_row[index] - 7 - label_x)
            left_room = x1 - 6 - max(row_right.get(row, PLOT_LEFT + 2), PLOT_LEFT + 2)
            if fitted != text and text_width(text) <= left_room:
                fitted, anchor = text, "end"
            entry[4] = fitted
            unlabelled += not fitted
            if fitted and anchor == "start":
                right = label_x + text_width(fitted)
        entry.append(anchor)
        row_right[row] = max(row_right.get(row, -1e9), right)

    lane = Lane(
        key=key, label=label, y=y, height=TREATMENT_ROW_HEIGHT * len(row_ends) + 6, group="treatments", pattern=pattern
    )
    for x1, x2, group, open_ended, text, inside, row, anchor in placed:
        bar_y = y + 3 + row * TREATMENT_ROW_HEIGHT + 4
        height = TREATMENT_ROW_HEIGHT - 9
        one_day = x2 - x1 <= ONE_DAY_WIDTH and not open_ended
        if inside:
            label_x = x1 + 5
        elif anchor == "end":
            label_x = x1 - (ONE_DAY_WIDTH / 2 if one_day else 0) - 4
        else:
            label_x = x2 + (14 if open_ended else 4)
        lane.bars.append(
            Bar(
                x=x1 - (ONE_DAY_WIDTH / 2 if one_day else 0),
                y=bar_y,
                width=round(x2 - x1, 1),
                height=height,
                pattern="solid" if one_day else pattern,
                group=group,
                label=text,
                label_x=round(label_x, 1),
                label_anchor=anchor,
                label_inside=inside,
                label_width=round(text_width(text) + 4, 1),
                one_day=one_day,
                open_ended=open_ended,
                arrow=_arrow(x2, bar_y + height / 2, height / 2) if open_ended else "",
                cycles=group.count,
            )
        )
    lane.unlabelled, lane.repeats = unlabelled, repeats
    return lane


def _lesion_lane(lesion, treatments, scale, today_x, y, *, compact: bool) -> Lane:
    height = COMPACT_LESION_LANE_HEIGHT if compact else LESION_LANE_HEIGHT
    measurements = lesion.current_measurements
    label = f"{lesion.label} · {lesion.get_organ_display()}"
    if len(label) > 24:  # the lane label column's width
        label = label[:23].rstrip(" (·") + "…"
    lane = Lane(key=f"lesion-{lesion.public_id}", label=label, y=y, height=height, group="lesions", compact=compact)
    middle = y + height / 2 if compact else y + height - 9
    x1 = scale.x(lesion.detected_on)
    if lesion.removed_on:
        x2 = max(scale.x(lesion.removed_on), x1 + 2)
        end_label = REMOVAL_LETTERS.get(lesion.removal, lesion.removal)
        title = (
            f"{lesion} detected {lesion.detected_on.isoformat()}, "
            f"{lesion.get_removal_display().lower()} {lesion.removed_on.isoformat()}"
        )
    else:
        x2 = max(today_x, x1 + 2)
        end_label = ""
        title = f"{lesion} detected {lesion.detected_on.isoformat()}, active"
    lane.span = Span(
        x1=x1,
        x2=x2,
        y=middle,
        open_ended=not lesion.removed_on,
        arrow="" if lesion.removed_on else _arrow(x2, middle, 1),
        end_label="" if compact else end_label,
        title=title,
    )
    # Label the newest sizes first, dropping older labels that would overlap.
    points = []
    last_label_left = float("inf")
    for measurement in reversed([] if compact else measurements):
        x = scale.x(measurement.measured_on)
        size = f"{measurement.size_mm.normalize():f}"
        width = text_width(size, SMALL_FONT)
        text = size if x + width / 2 + 4 <= last_label_left else ""
        if text:
            last_label_left = x - width / 2
        points.append(
            Point(
                x=x, y=middle, label=text, title=f"{lesion.label}: {size} mm on {measurement.measured_on.isoformat()}"
            )
        )
    lane.points = points[::-1]
    # ▼ below the line in a full lane (sizes are above it), pointing down at the line in a compact one.
    marker_y = middle - 5 if compact else middle + 6
    for group in treatments:
        x = scale.x(group.started_on)
        lane.treated.append(
            TreatedMarker(x=x, y=marker_y, path=shape_path("down", x, marker_y, 3.5 if compact else 4), group=group)
        )
    return lane


def build_timeline(patient: Patient, *, today: date, with_chart: bool = True) -> Timeline:
    """Return the geometry of a patient's timeline drawing, for a patient loaded with `for_record()`, with the
    size chart on the same time axis (`chart`) unless `with_chart` is false."""
    primary = _current_primary(patient)
    age = patient.age_on(today)
    days = _dates_of(patient, primary)
    title = f"Timeline of {patient.name}"
    if not days:
        return Timeline(
            width=WIDTH,
            height=60,
            plot_left=PLOT_LEFT,
            plot_right=PLOT_RIGHT,
            start=None,
            end=None,
            today=today,
            today_x=None,
            axis_y=0,
            ticks=[],
            lanes=[],
            headings=[],
            title=title,
            description="Nothing dated has been recorded yet.",
            chart=build_size_chart(patient) if with_chart else None,
            age=age,
            primary=primary,
        )
    start, end = time_range(min(days), max(max(days), today))
    scale = _Scale(start, end)
    today_x = scale.x(min(today, end))
    groups = group_events(patient.current_events)

    lanes: list[Lane] = []
    headings: list[Heading] = []
    y = TOP
    milestones = _milestone_lane(patient, primary, scale, y)
    if milestones.markers:
        lanes.append(milestones)
        y += milestones.height + GROUP_GAP
    treatment_lanes = []
    for key, label, types, pattern in TREATMENT_LANES:
        lane = _treatment_lane(key, label, types, pattern, groups, scale, today_x, y)
        if lane is not None:
            treatment_lanes.append(lane)
            y += lane.height
    if treatment_lanes:
        headings.append(Heading("Treatments", treatment_lanes[0].y - 4))
        lanes += treatment_lanes
        y += GROUP_GAP
    treated_by: dict[int, list[EventGroup]] = {}
    for group in groups:
        for lesion in group.treated:
            treated_by.setdefault(lesion.pk, []).append(group)
    compact = len(patient.current_lesions) > COMPACT_LESIONS
    lane_height = COMPACT_LESION_LANE_HEIGHT if compact else LESION_LANE_HEIGHT
    lesion_lanes = [
        _lesion_lane(lesion, treated_by.get(lesion.pk, []), scale, today_x, y + index * lane_height, compact=compact)
        for index, lesion in enumerate(patient.current_lesions)
    ]
    if lesion_lanes:
        headings.append(Heading("Lesions", lesion_lanes[0].y - 4))
        lanes += lesion_lanes
        y += len(lesion_lanes) * lane_height
    axis_y = y + 8

    ticks = year_ticks(start, end, scale.x, PLOT_RIGHT - PLOT_LEFT)
    treatments = sum(len(group.events) for group in groups if any(group.type in lane[2] for lane in TREATMENT_LANES))
    courses = sum(1 for group in groups if group.is_course)
    unlabelled = sum(lane.unlabelled for lane in treatment_lanes)
    repeated = sum(lane.repeats for lane in treatment_lanes)
    description = (
        f"From {start:%B %Y} to {today:%B %Y}: {len(milestones.markers)} milestones (D diagnosis, "
        f"M metastatic diagnosis, R recurrence, P progression), {treatments} treatments in "
        f"{len(treatment_lanes)} lanes"
        + (f" ({courses} courses of consecutive cycles drawn as one bar each)" if courses else "")
        + f", and {len(lesion_lanes)} lesions"
        + (
            " (their measurements are in the size chart)"
            if compact
            else " with their measurements (size in mm above each point)"
        )
        + ". The events and lesions tables give the same information as text."
    )
    chart = build_size_chart(patient, start=start, end=end) if with_chart else None
    return Timeline(
        width=WIDTH,
        height=axis_y + AXIS_HEIGHT,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        start=start,
        end=end,
        today=today,
        today_x=today_x,
        axis_y=axis_y,
        ticks=ticks,
        lanes=lanes,
        headings=headings,
        title=title,
        description=description,
        chart=chart,
        age=age,
        primary=primary,
        compact_lesions=compact,
        unlabelled_bars=unlabelled,
        repeated_labels=repeated,
    )

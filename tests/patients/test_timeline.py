import dataclasses
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from patients import svg
from patients.charts import MAX_LINES, _panel_axis, build_size_chart
from patients.drawing import Tick, text_width
from patients.models import EventType, Organ, Patient, Removal
from patients.timeline import BAR_FONT, build_timeline, group_events, ordinal, regimen_without_cycle
from tests.factories import (
    EventFactory,
    LesionFactory,
    MeasurementFactory,
    PatientFactory,
    PrimaryTumourFactory,
)

TODAY = dt.date(2025, 11, 1)


def acc_course(**patient_fields) -> Patient:
    """Create the demo-like ACC course 2016-2025 and return the patient loaded with for_record()."""
    patient = PatientFactory(**patient_fields)
    PrimaryTumourFactory(
        patient=patient, diagnosed_on=dt.date(2016, 5, 10), resected_on=dt.date(2017, 2, 14), resection_margin="R0"
    )
    lung = [
        LesionFactory(patient=patient, label=f"LU{n}", organ=Organ.LUNG, detected_on=dt.date(2016, 5, 10))
        for n in (1, 2)
    ]
    for lesion, sizes in zip(lung, ([8, 11, 14, 9], [6, 6, 5, 4]), strict=False):
        for year, size in zip((2016, 2018, 2020, 2022), sizes, strict=False):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(year, 6, 1), size_mm=Decimal(size))
    retrocaval = LesionFactory(
        patient=patient,
        label="RC1",
        organ=Organ.RETROPERITONEUM,
        detected_on=dt.date(2022, 3, 3),
        removed_on=dt.date(2022, 9, 1),
        removal=Removal.RESECTION,
    )
    MeasurementFactory(lesion=retrocaval, measured_on=dt.date(2022, 3, 3), size_mm=Decimal(27))
    brain = [
        LesionFactory(patient=patient, label=f"BR{n}", organ=Organ.BRAIN, detected_on=dt.date(2025, 4, 2))
        for n in (1, 2)
    ]
    MeasurementFactory(lesion=brain[0], measured_on=dt.date(2025, 4, 2), size_mm=Decimal(12))
    events = [
        EventFactory(
            patient=patient,
            type=EventType.DIAGNOSIS,
            started_on=dt.date(2016, 5, 10),
            ended_on=None,
            regimen="",
            line=None,
        ),
        EventFactory(
            patient=patient,
            type=EventType.METASTATIC_DIAGNOSIS,
            started_on=dt.date(2016, 5, 10),
            ended_on=None,
            regimen="",
            line=None,
        ),
        EventFactory(
            patient=patient,
            type=EventType.PRIMARY_RESECTION,
            started_on=dt.date(2017, 2, 14),
            ended_on=None,
            regimen="adrenalectomy",
            line=None,
            margin="R0",
        ),
        EventFactory(
            patient=patient,
            type=EventType.MITOTANE,
            started_on=dt.date(2017, 3, 1),
            ended_on=None,
            regimen="mitotane",
            line=1,
        ),
        EventFactory(
            patient=patient,
            type=EventType.IMMUNOTHERAPY,
            started_on=dt.date(2021, 2, 1),
            ended_on=dt.date(2022, 1, 15),
            regimen="pembrolizumab",
            line=2,
        ),
        EventFactory(
            patient=patient,
            type=EventType.PROGRESSION,
            started_on=dt.date(2022, 3, 3),
            ended_on=None,
            regimen="",
            line=None,
        ),
        EventFactory(
            patient=patient,
            type=EventType.METASTASECTOMY,
            started_on=dt.date(2022, 9, 1),
            ended_on=None,
            regimen="",
            line=None,
        ),
        EventFactory(
            patient=patient,
            type=EventType.PROGRESSION,
            started_on=dt.date(2025, 4, 2),
            ended_on=None,
            regimen="",
            line=None,
        ),
        EventFactory(
            patient=patient,
            type=EventType.SBRT,
            started_on=dt.date(2025, 5, 12),
            ended_on=dt.date(2025, 5, 20),
            regimen="",
            line=None,
        ),
    ]
    events[6].lesions.set([retrocaval])
    events[8].lesions.set(brain)
    return Patient.objects.for_record().get(pk=patient.pk)


def with_record(patient) -> Patient:
    return Patient.objects.for_record().get(pk=patient.pk)


def cycles(patient, count, *, start=dt.date(2020, 1, 6), every=21, regimen="FOLFOX cycle {n}", line=1):
    for n in range(count):
        begin = start + dt.timedelta(days=every * n)
        EventFactory(
            patient=patient,
            started_on=begin,
            ended_on=begin + dt.timedelta(days=2),
            regimen=regimen.format(n=n + 1),
            line=line,
        )


def boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture
def course(db):
    return acc_course()


def test_build_timeline_has_a_lane_for_every_lesion(course):
    timeline = build_timeline(course, today=TODAY)

    labels = [lane.label.split(" ")[0] for lane in timeline.lesion_lanes]
    assert labels == ["LU1", "LU2", "RC1", "BR1", "BR2"]
    assert (timeline.start, timeline.end) == (dt.date(2016, 1, 1), dt.date(2026, 1, 1))


def test_build_timeline_draws_a_bar_per_treatment_and_marks_milestones(course):
    timeline = build_timeline(course, today=TODAY)

    lanes = {lane.key: lane for lane in timeline.lanes}
    assert set(lanes) >= {"milestones", "surgery", "mitotane", "immunotherapy", "radiotherapy"}
    assert [marker.letter for marker in lanes["milestones"].markers] == ["D", "M", "P", "P"]
    assert len(lanes["surgery"].bars) == 2
    mitotane = lanes["mitotane"].bars[0]
    assert mitotane.open_ended and mitotane.arrow
    assert mitotane.x + mitotane.width == pytest.approx(timeline.today_x)
    immunotherapy = lanes["immunotherapy"].bars[0]
    assert not immunotherapy.open_ended and not immunotherapy.arrow
    assert immunotherapy.x < immunotherapy.x + immunotherapy.width < timeline.today_x


def test_build_timeline_names_therapy_lines_so_they_do_not_read_as_lesions(course):
    timeline = build_timeline(course, today=TODAY)

    lanes = {lane.key: lane for lane in timeline.lanes}
    assert lanes["mitotane"].bars[0].label == "1st line · mitotane"
    assert lanes["immunotherapy"].bars[0].label.startswith("2nd line · pembrolizumab")
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]


def test_build_timeline_milestones_on_one_day_do_not_overlap(course):
    markers = next(lane for lane in build_timeline(course, today=TODAY).lanes if lane.key == "milestones").markers

    diagnosis, metastatic = markers[0], markers[1]
    assert diagnosis.x == metastatic.x
    assert abs(diagnosis.y - metastatic.y) >= 14
    assert diagnosis.label_x > diagnosis.x


def test_build_timeline_puts_the_today_label_beside_its_line(course):
    timeline = build_timeline(course, today=TODAY)

    assert timeline.today_label_anchor == "end"
    assert timeline.today_label_x < timeline.today_x


def test_build_timeline_lesion_lane_spans_detection_to_removal(course):
    timeline = build_timeline(course, today=TODAY)

    retrocaval = next(lane for lane in timeline.lesion_lanes if lane.label.startswith("RC1"))
    lung = next(lane for lane in timeline.lesion_lanes if lane.label.startswith("LU1"))
    assert not retrocaval.span.open_ended and retrocaval.span.end_label == "resected"
    assert lung.span.open_ended and lung.span.x2 == timeline.today_x
    assert [point.label for point in lung.points] == ["8", "11", "14", "9"]
    assert len(retrocaval.treated) == 1


def test_build_timeline_drops_overlapping_size_labels_but_keeps_the_latest(db):
    patient = PatientFactory()
    lesion = LesionFactory(patient=patient, detected_on=dt.date(2015, 1, 1))
    for month in range(1, 13):
        MeasurementFactory(lesion=lesion, measured_on=dt.date(2024, month, 1), size_mm=Decimal("10.5"))

    lane = build_timeline(with_record(patient), today=TODAY).lesion_lanes[0]

    labels = [point.label for point in lane.points]
    assert labels[-1] == "10.5"
    assert 0 < labels.count("10.5") < 12
    assert len(lane.points) == 12


def test_build_timeline_overlapping_treatments_get_separate_rows(db):
    patient = PatientFactory()
    EventFactory(patient=patient, started_on=dt.date(2020, 1, 1), ended_on=dt.date(2021, 1, 1))
    EventFactory(patient=patient, started_on=dt.date(2020, 6, 1), ended_on=dt.date(2020, 9, 1), line=2)

    lane = build_timeline(with_record(patient), today=TODAY).lanes[0]

    assert lane.key == "chemotherapy"
    assert len({bar.y for bar in lane.bars}) == 2


def test_group_events_makes_one_course_of_consecutive_cycles(db):
    patient = PatientFactory()
    cycles(patient, 12)
    cycles(patient, 4, start=dt.date(2021, 1, 4), line=2)

    groups = group_events(with_record(patient).current_events)

    assert [(group.count, group.line, group.regimen) for group in groups] == [(12, 1, "FOLFOX"), (4, 2, "FOLFOX")]
    first = groups[0]
    assert first.started_on == dt.date(2020, 1, 6)
    assert first.ended_on == dt.date(2020, 1, 6) + dt.timedelta(days=21 * 11 + 2)
    assert first.label == "1st line · FOLFOX, 12 cycles"
    assert first.details == "FOLFOX; line 1"


@pytest.mark.parametrize(
    ("regimen", "base"),
    [
        ("FOLFOX cycle 12", "FOLFOX"),
        ("FOLFOX C3", "FOLFOX"),
        ("CAPOX #4", "CAPOX"),
        ("FOLFOX", "FOLFOX"),
        (
            "EDP-M (etoposide, doxorubicin, cisplatin + mitotane), 6 cycles",
            "EDP-M (etoposide, doxorubicin, cisplatin + mitotane), 6 cycles",
        ),
    ],
)
def test_regimen_without_cycle_number(regimen, base):
    assert regimen_without_cycle(regimen) == base


def test_group_events_keeps_courses_apart_after_a_break_or_another_regimen(db):
    patient = PatientFactory()
    cycles(patient, 3)
    cycles(patient, 3, start=dt.date(2020, 9, 1))  # four months later: a new course
    EventFactory(patient=patient, started_on=dt.date(2020, 11, 1), ended_on=dt.date(2020, 11, 3), regimen="CAPOX")
    cycles(patient, 2, start=dt.date(2020, 11, 20))
    EventFactory(
        patient=patient, type=EventType.SBRT, started_on=dt.date(2020, 9, 2), ended_on=None, regimen="", line=None
    )

    groups = group_events(with_record(patient).current_events)

    assert [(group.type, group.count) for group in groups] == [
        ("chemotherapy", 3),
        ("chemotherapy", 3),
        ("sbrt", 1),
        ("chemotherapy", 1),
        ("chemotherapy", 2),
    ]


def test_group_events_never_merges_an_ongoing_treatment(db):
    patient = PatientFactory()
    EventFactory(patient=patient, started_on=dt.date(2024, 1, 1), ended_on=None, regimen="FOLFOX")
    EventFactory(patient=patient, started_on=dt.date(2024, 1, 22), ended_on=None, regimen="FOLFOX")

    groups = group_events(with_record(patient).current_events)

    assert [group.count for group in groups] == [1, 1]
    assert all(group.open_ended for group in groups)


def test_build_timeline_draws_a_heavy_course_as_a_few_labelled_bars(db):
    patient = PatientFactory()
    cycles(patient, 110, start=dt.date(2014, 5, 2), every=31, regimen="FOLFOX cycle {n}", line=1)

    lane = build_timeline(with_record(patient), today=TODAY).lanes[0]

    assert len(lane.bars) == 1
    assert lane.bars[0].cycles == 110
    assert lane.bars[0].label == "1st line · FOLFOX, 110 cycles"


def test_build_timeline_labels_never_overlap_bars_or_each_other(db):
    patient = PatientFactory()
    for n in range(40):
        EventFactory(
            patient=patient,
            started_on=dt.date(2015, 1, 1) + dt.timedelta(days=61 * n),
            ended_on=None,
            type=EventType.METASTASECTOMY,
            regimen="",
            line=None,
        )
        EventFactory(
            patient=patient,
            started_on=dt.date(2015, 1, 1) + dt.timedelta(days=61 * n + 20),
            ended_on=dt.date(2015, 1, 1) + dt.timedelta(days=61 * n + 30),
            regimen="EDP",
            line=n + 1,
        )

    timeline = build_timeline(with_record(patient), today=TODAY)

    for lane in timeline.lanes:
        assert len({bar.y for bar in lane.bars}) <= 3
        bars = [(bar.x, bar.y, bar.x + bar.width, bar.y + bar.height) for bar in lane.bars]
        labels = []
        for bar in lane.bars:
            if bar.label and not bar.label_inside:
                width = text_width(bar.label, BAR_FONT)
                left = bar.label_x - width if bar.label_anchor == "end" else bar.label_x
                labels.append((left, bar.y, left + width, bar.y + bar.height))
        for index, label in enumerate(labels):
            assert not any(boxes_overlap(label, other) for other in labels[index + 1 :])
            assert not any(boxes_overlap(label, box) for box in bars)
        assert all(bar.label_x <= timeline.width for bar in lane.bars)
    assert timeline.unlabelled_bars > 0
    assert "too close to their neighbours for a label" in render_to_string(
        "patients/_timeline.html#timeline_drawing", {"timeline": timeline}
    )


def test_build_timeline_of_an_empty_record_is_empty(db):
    patient = with_record(PatientFactory())

    timeline = build_timeline(patient, today=TODAY)

    assert timeline.is_empty
    assert timeline.chart.is_empty
    assert timeline.age == 61


def heavy_record() -> Patient:
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient, diagnosed_on=dt.date(2012, 1, 1))
    for n in range(40):
        lesion = LesionFactory(patient=patient, label=f"X{n}", detected_on=dt.date(2012 + n % 12, 1 + n % 12, 1))
        for scan in range(8):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(2013 + n % 12, 1 + scan, 1), size_mm=Decimal(5 + n))
    for n in range(150):
        EventFactory(
            patient=patient,
            type=[EventType.CHEMOTHERAPY, EventType.SBRT, EventType.IMAGING][n % 3],
            started_on=dt.date(2012 + n % 13, 1 + n % 12, 1),
            ended_on=None,
            line=n // 3 + 1,
        )
    return with_record(patient)


def test_build_timeline_of_a_heavy_record_stays_readable_on_one_page(db):
    timeline = build_timeline(heavy_record(), today=TODAY)

    assert len(timeline.lesion_lanes) == 40
    assert timeline.compact_lesions
    assert not any(lane.points for lane in timeline.lesion_lanes)
    assert sum(len(lane.bars) for lane in timeline.lanes) == 150
    xs = [bar.x for lane in timeline.lanes for bar in lane.bars] + [p.x for lane in timeline.lanes for p in lane.points]
    assert all(timeline.plot_left <= x <= timeline.plot_right for x in xs)
    ys = [lane.y + lane.height for lane in timeline.lanes]
    assert max(ys) < timeline.axis_y < timeline.height
    # Printed 180 mm wide, the drawing fits the 230 mm a page gives it without shrinking its text.
    assert timeline.height * 180 / timeline.width <= 230


def test_timeline_and_size_chart_share_their_time_axis(course):
    timeline = build_timeline(course, today=TODAY)

    chart_years = {tick.label: tick.position for tick in timeline.chart.x_ticks}
    timeline_years = {tick.label: tick.x for tick in timeline.ticks if tick.labelled}
    assert chart_years == timeline_years
    assert timeline_years["2016"] == timeline.plot_left
    assert timeline_years["2026"] == timeline.plot_right


def test_size_chart_lines_are_told_apart_by_marker_and_legend(course):
    chart = build_timeline(course, today=TODAY).chart

    styles = [(series.shape, series.fill) for series in chart.series]
    assert len(set(styles)) == len(styles) == 4
    assert [series.legend_label.split(" ")[0] for series in chart.series] == ["LU1", "LU2", "RC1", "BR1"]


def test_size_chart_end_labels_touch_no_point_and_no_other_label(db):
    patient = PatientFactory()
    for n in range(MAX_LINES):
        lesion = LesionFactory(patient=patient, label=f"L{n + 1}", detected_on=dt.date(2020, 1, 1))
        for year in (2020, 2022, 2024):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(year, 6, 1), size_mm=Decimal(10 + n % 3))

    chart = build_size_chart(with_record(patient))

    assert not chart.is_panels
    assert len({(series.shape, series.fill) for series in chart.series}) == MAX_LINES
    boxes = []
    for series in chart.series:
        if series.has_end_label:
            width = text_width(series.label, 13)
            left = {"start": series.label_x, "middle": series.label_x - width / 2, "end": series.label_x - width}
            boxes.append(
                (left[series.label_anchor], series.label_y - 10, left[series.label_anchor] + width, series.label_y)
            )
    points = [(p.x - 4, p.y - 4, p.x + 4, p.y + 4) for series in chart.series for p in series.points]
    for index, box in enumerate(boxes):
        assert not any(boxes_overlap(box, other) for other in boxes[index + 1 :])
        assert not any(boxes_overlap(box, point) for point in points)


def test_size_chart_of_many_lesions_draws_a_panel_per_lesion(db):
    chart = build_timeline(heavy_record(), today=TODAY).chart

    assert chart.is_panels and not chart.series
    assert len(chart.panels) == 40
    assert chart.panels[0].title.startswith("X0 · 5 mm")
    assert "0–50 mm" in chart.scale_note
    assert all(panel.x + panel.width <= chart.width for panel in chart.panels)


def test_timeline_partial_renders_accessible_svg_with_a_lane_per_lesion(course):
    timeline = build_timeline(course, today=TODAY)

    html = render_to_string("patients/_record.html#timeline", {"patient": course, "timeline": timeline})

    assert 'role="img"' in html and '<title id="timeline-title">' in html and '<desc id="timeline-desc">' in html
    for label in ("LU1", "LU2", "RC1", "BR1", "BR2"):
        assert (
            f'data-lane="lesion-{next(row.public_id for row in course.current_lesions if row.label == label)}"' in html
        )
    for key in ("surgery", "mitotane", "immunotherapy", "radiotherapy", "milestones"):
        assert f'data-lane="{key}"' in html
    assert html.count('class="bar ongoing"') == 1
    assert "<title>Mitotane, mitotane, 1st line: 2017-03-01 to today (ongoing)</title>" in html
    assert "2016" in html and "2025" in html


def test_timeline_print_drawing_has_no_tooltips_and_one_path_per_kind_of_shape(course):
    timeline = build_timeline(course, today=TODAY)

    svg = render_to_string("patients/_timeline.html#timeline_svg", {"timeline": timeline, "printing": True})

    assert svg.count("<title") == 1  # the drawing's own title
    assert 'class="measurement"' not in svg and 'class="lane' not in svg
    assert svg.count("<path") < 25
    for label in ("LU1 · Lung", "1st line · mitotane", "today 2025-11-01"):
        assert label in svg


def test_a_short_course_is_drawn_from_quarter_to_quarter(db):
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient, diagnosed_on=dt.date(2025, 8, 11))
    lesion = LesionFactory(patient=patient, label="S2", detected_on=dt.date(2025, 8, 17))
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2025, 8, 17), size_mm=Decimal(32))
    MeasurementFactory(lesion=lesion, measured_on=dt.date(2025, 10, 23), size_mm=Decimal(21))

    timeline = build_timeline(with_record(patient), today=TODAY)

    assert (timeline.start, timeline.end) == (dt.date(2025, 7, 1), dt.date(2026, 1, 1))
    assert [tick.label for tick in timeline.ticks if tick.labelled] == ["Jul 2025", "Oct", "2026"]
    assert [tick.label for tick in timeline.chart.x_ticks] == ["Jul 2025", "Oct", "2026"]


def test_build_timeline_without_the_size_chart_draws_the_same_timeline(course):
    """The case review shows the timeline alone: its chart is not computed, the drawing is the same."""
    with_chart = build_timeline(course, today=TODAY)
    alone = build_timeline(course, today=TODAY, with_chart=False)
    assert with_chart.chart is not None and not with_chart.chart.is_empty
    assert alone.chart is None
    assert dataclasses.replace(alone, chart=with_chart.chart) == with_chart


# The size chart's panels as the template wrote them before patients/svg.py took them over (issue 7).
PANELS_TEMPLATE = """{% load l10n %}{% localize off %}{% for panel in chart.panels %}
    <g class="panel" data-lesion="{{ panel.label }}"><title>{{ panel.tooltip }}</title>
      <rect x="{{ panel.x }}" y="{{ panel.plot_top }}" width="{{ panel.width }}" height="{{ panel.plot_height }}" fill="none" stroke="#999" stroke-width="0.8"/>
      {% if panel.grid_path %}<path d="{{ panel.grid_path }}" fill="none" stroke="#ddd" stroke-width="1"/>{% endif %}
      <path d="{{ panel.line }}" fill="none" stroke="#1a1a1a" stroke-width="1.6"/>
      <path d="{{ panel.points_path }}" fill="#fff" stroke="#1a1a1a" stroke-width="1.2"/>
      <text x="{{ panel.x }}" y="{{ panel.title_y }}" font-size="12.5" font-weight="700">{{ panel.title }}</text>
    </g>
    {% endfor %}{% endlocalize %}"""


def test_size_chart_panels_are_the_markup_the_template_wrote(db):
    patient = heavy_record()
    lesion = patient.current_lesions[0]
    type(lesion).objects.filter(pk=lesion.pk).update(label='<X0 & "a">')
    chart = build_timeline(with_record(patient), today=TODAY).chart
    assert chart.is_panels and any(panel.grid_path for panel in chart.panels)
    chart.panels[1].grid_path = ""  # a panel without grid lines
    expected = Template(PANELS_TEMPLATE).render(Context({"chart": chart}))

    assert svg.size_chart_panels(chart) == expected
    assert "&lt;X0 &amp; &quot;a&quot;&gt;" in expected and "<X0" not in expected


def test_size_chart_panels_year_labels_never_touch_and_keep_the_axis_ends(db):
    """Under each column of panels: first and last year kept, a label too near an edge label left out."""
    chart = build_timeline(heavy_record(), today=TODAY).chart

    def extent(tick):
        width = text_width(tick.label, 12)
        low = {"start": tick.position, "end": tick.position - width, "middle": tick.position - width / 2}[tick.anchor]
        return low, low + width

    columns: dict[float, list] = {}
    for tick in chart.panel_axes:
        column = next(panel.x for panel in chart.panels if panel.x - 1 <= tick.position <= panel.x + panel.width + 1)
        columns.setdefault(column, []).append(tick)
    assert len(columns) == 5
    for ticks in columns.values():
        assert ticks[0].anchor == "start"
        extents = [extent(tick) for tick in ticks]
        assert all(right + 8 <= left for (_, right), (left, _) in itertools.pairwise(extents))


def test_a_year_label_beside_an_edge_label_is_left_out_not_the_edge():
    """Eight years in a panel 185 wide, every other year labelled: 2021 and 2025 would touch 2019 and 2027."""
    left, width = 4.0, 185.3
    ticks = [Tick(x=round(left + 3 + n * 45.3, 1), label=str(2019 + 2 * n), labelled=True) for n in range(5)]

    axis = _panel_axis(ticks, left, width)

    assert [(tick.label, tick.anchor) for tick in axis] == [("2019", "start"), ("2023", "middle"), ("2027", "end")]

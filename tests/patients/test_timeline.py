import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from patients.models import EventType, Organ, Patient, Removal
from patients.timeline import build_timeline
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
    PrimaryTumourFactory(patient=patient, diagnosed_on=dt.date(2016, 5, 10), resected_on=dt.date(2017, 2, 14),
                         resection_margin="R0")
    lung = [
        LesionFactory(patient=patient, label=f"LU{n}", organ=Organ.LUNG, detected_on=dt.date(2016, 5, 10))
        for n in (1, 2)
    ]
    for lesion, sizes in zip(lung, ([8, 11, 14, 9], [6, 6, 5, 4])):
        for year, size in zip((2016, 2018, 2020, 2022), sizes):
            MeasurementFactory(lesion=lesion, measured_on=dt.date(year, 6, 1), size_mm=Decimal(size))
    retrocaval = LesionFactory(patient=patient, label="RC1", organ=Organ.RETROPERITONEUM,
                               detected_on=dt.date(2022, 3, 3), removed_on=dt.date(2022, 9, 1),
                               removal=Removal.RESECTION)
    MeasurementFactory(lesion=retrocaval, measured_on=dt.date(2022, 3, 3), size_mm=Decimal(27))
    brain = [
        LesionFactory(patient=patient, label=f"BR{n}", organ=Organ.BRAIN, detected_on=dt.date(2025, 4, 2))
        for n in (1, 2)
    ]
    MeasurementFactory(lesion=brain[0], measured_on=dt.date(2025, 4, 2), size_mm=Decimal(12))
    events = [
        EventFactory(patient=patient, type=EventType.DIAGNOSIS, started_on=dt.date(2016, 5, 10), ended_on=None,
                     regimen="", line=None),
        EventFactory(patient=patient, type=EventType.METASTATIC_DIAGNOSIS, started_on=dt.date(2016, 5, 10),
                     ended_on=None, regimen="", line=None),
        EventFactory(patient=patient, type=EventType.PRIMARY_RESECTION, started_on=dt.date(2017, 2, 14),
                     ended_on=None, regimen="adrenalectomy", line=None, margin="R0"),
        EventFactory(patient=patient, type=EventType.MITOTANE, started_on=dt.date(2017, 3, 1), ended_on=None,
                     regimen="mitotane", line=1),
        EventFactory(patient=patient, type=EventType.IMMUNOTHERAPY, started_on=dt.date(2021, 2, 1),
                     ended_on=dt.date(2022, 1, 15), regimen="pembrolizumab", line=2),
        EventFactory(patient=patient, type=EventType.PROGRESSION, started_on=dt.date(2022, 3, 3), ended_on=None,
                     regimen="", line=None),
        EventFactory(patient=patient, type=EventType.METASTASECTOMY, started_on=dt.date(2022, 9, 1),
                     ended_on=None, regimen="", line=None),
        EventFactory(patient=patient, type=EventType.PROGRESSION, started_on=dt.date(2025, 4, 2), ended_on=None,
                     regimen="", line=None),
        EventFactory(patient=patient, type=EventType.SBRT, started_on=dt.date(2025, 5, 12),
                     ended_on=dt.date(2025, 5, 20), regimen="", line=None),
    ]
    events[6].lesions.set([retrocaval])
    events[8].lesions.set(brain)
    return Patient.objects.for_record().get(pk=patient.pk)


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
    patient = Patient.objects.for_record().get(pk=patient.pk)

    lane = build_timeline(patient, today=TODAY).lesion_lanes[0]

    labels = [point.label for point in lane.points]
    assert labels[-1] == "10.5"
    assert 0 < labels.count("10.5") < 12
    assert len(lane.points) == 12


def test_build_timeline_overlapping_treatments_get_separate_rows(db):
    patient = PatientFactory()
    EventFactory(patient=patient, started_on=dt.date(2020, 1, 1), ended_on=dt.date(2021, 1, 1))
    EventFactory(patient=patient, started_on=dt.date(2020, 6, 1), ended_on=dt.date(2020, 9, 1), line=2)
    patient = Patient.objects.for_record().get(pk=patient.pk)

    lane = build_timeline(patient, today=TODAY).lanes[0]

    assert lane.key == "chemotherapy"
    assert len({bar.y for bar in lane.bars}) == 2


def test_build_timeline_of_an_empty_record_is_empty(db):
    patient = Patient.objects.for_record().get(pk=PatientFactory().pk)

    timeline = build_timeline(patient, today=TODAY)

    assert timeline.is_empty
    assert timeline.chart.is_empty
    assert timeline.age == 61


def test_build_timeline_stays_within_the_drawing_for_a_heavy_record(db):
    patient = PatientFactory()
    PrimaryTumourFactory(patient=patient, diagnosed_on=dt.date(2012, 1, 1))
    for n in range(40):
        lesion = LesionFactory(patient=patient, label=f"X{n}", detected_on=dt.date(2012 + n % 12, 1 + n % 12, 1))
        MeasurementFactory(lesion=lesion, size_mm=Decimal(5 + n))
    for n in range(150):
        EventFactory(patient=patient, type=[EventType.CHEMOTHERAPY, EventType.SBRT, EventType.IMAGING][n % 3],
                     started_on=dt.date(2012 + n % 13, 1 + n % 12, 1), ended_on=None, line=None)
    patient = Patient.objects.for_record().get(pk=patient.pk)

    timeline = build_timeline(patient, today=TODAY)

    assert len(timeline.lesion_lanes) == 40
    assert sum(len(lane.bars) for lane in timeline.lanes) == 150
    xs = [bar.x for lane in timeline.lanes for bar in lane.bars] + [p.x for lane in timeline.lanes for p in lane.points]
    assert all(timeline.plot_left <= x <= timeline.plot_right for x in xs)
    ys = [lane.y + lane.height for lane in timeline.lanes]
    assert max(ys) < timeline.axis_y < timeline.height
    margin_labels = sorted(series.label_y for series in timeline.chart.series if not series.beside_point)
    assert all(b - a >= 13.9 for a, b in zip(margin_labels, margin_labels[1:]))
    assert all(label_y <= timeline.chart.height for label_y in margin_labels)
    assert all(s.label_x > s.end_x for s in timeline.chart.series)


def test_timeline_partial_renders_accessible_svg_with_a_lane_per_lesion(course):
    timeline = build_timeline(course, today=TODAY)

    html = render_to_string("patients/_record.html#timeline", {"patient": course, "timeline": timeline})

    assert 'role="img"' in html and "<title id=\"timeline-title\">" in html and "<desc id=\"timeline-desc\">" in html
    for label in ("LU1", "LU2", "RC1", "BR1", "BR2"):
        assert f'data-lane="lesion-{next(l.public_id for l in course.current_lesions if l.label == label)}"' in html
    for key in ("surgery", "mitotane", "immunotherapy", "radiotherapy", "milestones"):
        assert f'data-lane="{key}"' in html
    assert html.count('class="bar ongoing"') == 1
    assert "2016" in html and "2025" in html

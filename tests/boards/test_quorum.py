import datetime as dt
from types import SimpleNamespace

from boards.quorum import quorum_at

START = dt.datetime(2024, 5, 14, 16, 0, tzinfo=dt.UTC)
REQUIRED = ["medical_oncology", "surgery", "radiology"]


def presence(specialty, arrived_minutes, left_minutes=None):
    left_at = START + dt.timedelta(minutes=left_minutes) if left_minutes is not None else None
    return SimpleNamespace(
        specialty=specialty, arrived_at=START + dt.timedelta(minutes=arrived_minutes), left_at=left_at
    )


def test_quorum_at_met_when_every_required_specialty_present():
    attendances = [presence("medical_oncology", 0), presence("surgery", 0), presence("radiology", 0)]

    quorum = quorum_at(REQUIRED, attendances, START + dt.timedelta(minutes=5))

    assert quorum.is_met
    assert quorum.missing == ()


def test_quorum_at_names_missing_specialties_in_rule_order():
    attendances = [presence("surgery", 0), presence("nursing", 0)]

    quorum = quorum_at(REQUIRED, attendances, START)

    assert quorum.missing == ("medical_oncology", "radiology")
    assert not quorum.is_met


def test_quorum_at_counts_late_arrival_only_from_arrival():
    attendances = [presence("medical_oncology", 0), presence("surgery", 0), presence("radiology", 30)]

    before = quorum_at(REQUIRED, attendances, START + dt.timedelta(minutes=29))
    at_arrival = quorum_at(REQUIRED, attendances, START + dt.timedelta(minutes=30))

    assert before.missing == ("radiology",)
    assert at_arrival.is_met


def test_quorum_at_drops_early_leaver_from_leaving_time():
    attendances = [presence("medical_oncology", 0), presence("surgery", 0, left_minutes=45), presence("radiology", 0)]

    before = quorum_at(REQUIRED, attendances, START + dt.timedelta(minutes=44))
    at_leaving = quorum_at(REQUIRED, attendances, START + dt.timedelta(minutes=45))

    assert before.is_met
    assert at_leaving.missing == ("surgery",)


def test_quorum_at_one_of_two_same_specialty_leaving_keeps_quorum():
    attendances = [
        presence("medical_oncology", 0),
        presence("surgery", 0, left_minutes=10),
        presence("surgery", 5),
        presence("radiology", 0),
    ]

    quorum = quorum_at(REQUIRED, attendances, START + dt.timedelta(minutes=20))

    assert quorum.is_met


def test_quorum_at_with_empty_rule_is_met_without_anyone():
    assert quorum_at([], [], START).is_met

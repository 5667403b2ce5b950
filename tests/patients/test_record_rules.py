import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from patients.services import record_save
from tests.factories import EventFactory, LesionFactory, UserFactory


def test_event_end_in_the_future_is_refused_like_in_case_files(db):
    event = EventFactory.build(
        patient=LesionFactory().patient, started_on=dt.date(2024, 1, 1), ended_on=dt.date(2999, 1, 1)
    )

    with pytest.raises(ValidationError) as refused:
        record_save(record=event, by=UserFactory())

    assert refused.value.message_dict["ended_on"] == ["This date is in the future."]

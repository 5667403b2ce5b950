"""A small world for the security tests: one board with a listed patient, another board, a loner.

Hypothesis runs derandomized and keeps no example database, so CI runs are repeatable and nothing
is written into the repository. Select a profile with HYPOTHESIS_PROFILE (default "ci").
"""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, settings

from boards.models import Role, Specialty
from reports.models import PdfExport
from tests.boards.factories import (
    AgendaItemFactory,
    BoardFactory,
    BoardMembershipFactory,
    DecisionFactory,
    MeetingFactory,
)
from tests.factories import (
    ComorbidityFactory,
    EcogAssessmentFactory,
    EventFactory,
    FrailtyAssessmentFactory,
    Ki67ResultFactory,
    LabResultFactory,
    LesionFactory,
    MeasurementFactory,
    PatientFactory,
    PrimaryTumourFactory,
    UserFactory,
)

_SHARED = {
    "deadline": None,
    "database": None,
    # Function-scoped fixtures (client, database rows) are set up once per test, not per example;
    # each example restores what it touched (its transaction is rolled back or its rows counted).
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=25, derandomize=True, **_SHARED)
settings.register_profile("dev", max_examples=100, **_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class World:
    """Everything the URL walk and the fuzzing need, built once per test."""

    def __init__(self):
        self.author = UserFactory(username="author")
        self.board = BoardFactory(name="Endocrine board")
        self.member = UserFactory(username="member")
        BoardMembershipFactory(board=self.board, user=self.member, role=Role.MEMBER, specialty=Specialty.SURGERY)
        self.chair = UserFactory(username="chair")
        BoardMembershipFactory(board=self.board, user=self.chair, role=Role.CHAIR, specialty=Specialty.MEDICAL_ONCOLOGY)
        self.other_board = BoardFactory(name="Thoracic board")
        self.other_member = UserFactory(username="othermember")
        BoardMembershipFactory(board=self.other_board, user=self.other_member, role=Role.MEMBER)
        self.coordinator = UserFactory(username="coordinator")
        BoardMembershipFactory(
            board=self.board, user=self.coordinator, role=Role.COORDINATOR, specialty=Specialty.NURSING
        )
        self.loner = UserFactory(username="loner")

        self.patient = PatientFactory(name="Secret Patientname", mrn="SECRET0001", created_by=self.author)
        self.primary = PrimaryTumourFactory(patient=self.patient)
        self.lesion = LesionFactory(patient=self.patient, label="L1")
        self.measurement = MeasurementFactory(lesion=self.lesion)
        self.event = EventFactory(patient=self.patient)
        self.ki67 = Ki67ResultFactory(patient=self.patient)
        self.ecog = EcogAssessmentFactory(patient=self.patient)
        self.frailty = FrailtyAssessmentFactory(patient=self.patient)
        self.comorbidity = ComorbidityFactory(patient=self.patient)
        self.lab = LabResultFactory(patient=self.patient, value=Decimal("3.1"))

        self.meeting = MeetingFactory(board=self.board, created_by=self.chair)
        self.agenda_item = AgendaItemFactory(meeting=self.meeting, patient=self.patient, position=1)
        self.decision = DecisionFactory(agenda_item=self.agenda_item, created_by=self.chair)
        self.export = PdfExport.objects.create(
            kind=PdfExport.Kind.MEETING_PACK,
            meeting=self.meeting,
            requested_by=self.member,
            status=PdfExport.Status.DONE,
            finished_at=dt.datetime(2024, 5, 14, 17, 0, tzinfo=dt.UTC),
        )
        self.export.file.save("pack.pdf", ContentFile(b"%PDF-1.7 test"), save=True)

    def record(self, kind: str):
        """Return the patient's current row of a kind of the record."""
        return {
            "patient": self.patient,
            "primary": self.primary,
            "ki67": self.ki67,
            "lesion": self.lesion,
            "measurement": self.measurement,
            "event": self.event,
            "lab": self.lab,
            "ecog": self.ecog,
            "frailty": self.frailty,
            "comorbidity": self.comorbidity,
        }[kind]


@pytest.fixture
def world(db) -> World:
    return World()

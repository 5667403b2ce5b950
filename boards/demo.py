"""Demo boards for the demo-data command: an endocrine and a hepatobiliary board with a planned meeting each."""

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from boards import services
from boards.models import AgendaItemStatus, Board, BoardMembership, DiseaseFocus, Meeting, MeetingStatus, Role
from patients.models import Disease, Patient, PrimaryTumour

DEMO_BOARDS = {
    "Endocrine tumours": {
        "disease_focus": DiseaseFocus.ACC,
        "disease": Disease.ACC,
        "description": "Adrenocortical carcinoma and other endocrine tumours.",
        "required_specialties": ["medical_oncology", "endocrinology", "surgery", "radiology"],
        "members": {
            "coordinator": ("nursing", Role.COORDINATOR),
            "chair": ("endocrinology", Role.CHAIR),
            "oncologist": ("medical_oncology", Role.MEMBER),
            "surgeon": ("surgery", Role.MEMBER),
            "editor": ("radiology", Role.MEMBER),
        },
        "question": "Is local treatment of the metastases an option, and should systemic therapy continue?",
    },
    "Hepatobiliary": {
        "disease_focus": DiseaseFocus.CRC,
        "disease": Disease.CRC,
        "description": "Colorectal liver metastases and other hepatobiliary tumours.",
        "required_specialties": ["liver_surgery", "medical_oncology", "radiology", "interventional_radiology"],
        "members": {
            "coordinator": ("nursing", Role.COORDINATOR),
            "chair": ("interventional_radiology", Role.CHAIR),
            "oncologist": ("medical_oncology", Role.MEMBER),
            "surgeon": ("liver_surgery", Role.MEMBER),
            "editor": ("radiology", Role.MEMBER),
        },
        "question": "Are the liver metastases resectable or ablatable now, or after conversion therapy?",
    },
}
MEETING_DAYS_AHEAD = 3
MEETING_TIME = dt.time(16, 0)


def _disease(patient: Patient) -> str | None:
    try:
        return patient.primary.disease
    except PrimaryTumour.DoesNotExist:
        return None


@transaction.atomic
def create_demo_boards(*, users: dict[str, AbstractBaseUser], patients: list[Patient], today: dt.date) -> None:
    """Create (or complete) the demo boards, their members and a planned meeting with the matching patients."""
    coordinator = users["coordinator"]
    starts_at = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=MEETING_DAYS_AHEAD), MEETING_TIME))
    for name, spec in DEMO_BOARDS.items():
        board = Board.objects.filter(name=name).first() or services.board_create(
            name=name,
            disease_focus=spec["disease_focus"],
            description=spec["description"],
            required_specialties=spec["required_specialties"],
            by=None,
        )
        for key, (specialty, role) in spec["members"].items():
            if key in users and not BoardMembership.objects.filter(board=board, user=users[key]).exists():
                services.board_membership_add(board=board, user=users[key], specialty=specialty, role=role, by=None)
        # Any planned meeting will do, so a run on a later day changes nothing (the demo patients' records are
        # dated for that meeting); a fresh database gets a fresh demo.
        meeting = Meeting.objects.filter(board=board, status=MeetingStatus.PLANNED).order_by("-starts_at").first()
        if meeting is None:
            meeting = services.meeting_create(
                board=board, starts_at=starts_at, place="Tumour board room, level 2", by=coordinator
            )
        listed = set(
            meeting.agenda_items.exclude(status=AgendaItemStatus.WITHDRAWN).values_list("patient_id", flat=True)
        )
        for patient in patients:
            if patient.pk not in listed and _disease(patient) == spec["disease"]:
                services.agenda_item_add(meeting=meeting, patient=patient, question=spec["question"], by=coordinator)

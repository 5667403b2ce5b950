"""Boards, their members and quorum rule, meetings, agenda items, attendance, decisions and follow-up.

Writes go through boards/services.py; reads through the QuerySet methods named for their page.
Signed decisions are never edited: a correction is a new addendum decision that `amends` the original.
"""

import uuid
from datetime import datetime
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from boards.readiness import ReadinessProfile
from patients.models import Lesion, Patient, RecordQuerySet


class Specialty(models.TextChoices):
    MEDICAL_ONCOLOGY = "medical_oncology", "Medical oncology"
    SURGERY = "surgery", "Surgery"
    LIVER_SURGERY = "liver_surgery", "Liver surgery"
    ENDOCRINE_SURGERY = "endocrine_surgery", "Endocrine surgery"
    RADIOLOGY = "radiology", "Radiology"
    INTERVENTIONAL_RADIOLOGY = "interventional_radiology", "Interventional radiology"
    RADIATION_ONCOLOGY = "radiation_oncology", "Radiation oncology"
    PATHOLOGY = "pathology", "Pathology"
    ENDOCRINOLOGY = "endocrinology", "Endocrinology"
    NURSING = "nursing", "Nursing"
    OTHER = "other", "Other"


SPECIALTY_LABELS = dict(Specialty.choices)


class DiseaseFocus(models.TextChoices):
    ACC = "acc", "Adrenocortical carcinoma"
    CRC = "crc", "Colorectal cancer (liver metastases)"
    MIXED = "mixed", "Mixed"


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    MEMBER = "member", "Member"
    CHAIR = "chair", "Chair"


def validate_specialties(value: list) -> None:
    """Refuse a quorum rule that is not a list of known specialties."""
    if not isinstance(value, list) or any(item not in SPECIALTY_LABELS for item in value):
        raise ValidationError("Choose specialties from the list.", code="specialty")


class BoardQuerySet(models.QuerySet):
    def visible_to(self, user) -> Self:
        """Boards the user sits on (every board for a superuser)."""
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()


class Board(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    disease_focus = models.CharField(max_length=5, choices=DiseaseFocus.choices)
    description = models.TextField(blank=True)
    required_specialties = models.JSONField(
        "quorum rule",
        default=list,
        blank=True,
        validators=[validate_specialties],
        help_text="Specialties that must be present for the board to decide.",
    )
    # Readiness profile: what every case must have, and how fresh (empty = not required).
    imaging_max_age_days = models.PositiveSmallIntegerField(
        "imaging within (days)",
        null=True,
        blank=True,
        default=42,
        help_text="Latest lesion measurement or imaging event; empty = not required",
    )
    ecog_max_age_days = models.PositiveSmallIntegerField("ECOG within (days)", null=True, blank=True, default=90)
    cea_max_age_days = models.PositiveSmallIntegerField(
        "CEA within (days)", null=True, blank=True, default=90, help_text="Colorectal cancer patients only"
    )
    requires_ki67 = models.BooleanField(
        "Ki-67 required", default=True, help_text="Adrenocortical carcinoma patients only"
    )
    requires_primary_pathology = models.BooleanField(
        "primary pathology required", default=True, help_text="T stage, N status and, after resection, margin"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BoardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("boards:board-detail", args=[self.public_id])

    @property
    def required_specialty_labels(self) -> list[str]:
        return [SPECIALTY_LABELS[code] for code in self.required_specialties if code in SPECIALTY_LABELS]

    @property
    def readiness_profile(self) -> ReadinessProfile:
        return ReadinessProfile(
            imaging_max_age_days=self.imaging_max_age_days,
            ecog_max_age_days=self.ecog_max_age_days,
            cea_max_age_days=self.cea_max_age_days,
            requires_ki67=self.requires_ki67,
            requires_primary_pathology=self.requires_primary_pathology,
        )


class BoardMembershipQuerySet(models.QuerySet):
    def for_board_page(self, board: Board) -> Self:
        """Members of a board with their user, chair and coordinators first."""
        role_order = models.Case(
            models.When(role=Role.CHAIR, then=0), models.When(role=Role.COORDINATOR, then=1), default=2
        )
        return self.filter(board=board).select_related("user").order_by(role_order, "user__last_name", "user__username")


class BoardMembership(models.Model):
    board = models.ForeignKey(Board, models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="board_memberships")
    specialty = models.CharField(max_length=30, choices=Specialty.choices)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)

    objects = BoardMembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "user"], name="board_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} on {self.board} ({self.get_role_display()}, {self.get_specialty_display()})"

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_chair(self) -> bool:
        return self.role == Role.CHAIR


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> Self:
        """Meetings of boards the user sits on (every meeting for a superuser)."""
        if user.is_superuser:
            return self
        return self.filter(board__memberships__user=user)

    def for_dashboard(self, board: Board) -> Self:
        """A board's held meetings with their agenda items, decisions and follow-ups, for the dashboard."""
        return (
            self.filter(board=board)
            .exclude(status=MeetingStatus.PLANNED)
            .prefetch_related(
                Prefetch(
                    "agenda_items",
                    queryset=AgendaItem.objects.prefetch_related(
                        Prefetch("decisions", queryset=Decision.objects.prefetch_related("followups"))
                    ),
                )
            )
            .order_by("-starts_at")
        )


class Meeting(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    board = models.ForeignKey(Board, models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField("date and time")
    place = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.board.name}, {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("boards:meeting-detail", args=[self.public_id])

    def clean(self) -> None:
        if not self.place.strip() and not self.video_link.strip():
            raise ValidationError({"place": "Give a place or a video link."})

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED

    @property
    def is_in_progress(self) -> bool:
        return self.status == MeetingStatus.IN_PROGRESS


class AgendaItemStatus(models.TextChoices):
    LISTED = "listed", "Listed"
    DISCUSSED = "discussed", "Discussed"
    DEFERRED = "deferred", "Deferred"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AgendaItemQuerySet(RecordQuerySet):
    def for_agenda(self, meeting: Meeting) -> Self:
        """A meeting's agenda items with each patient's whole record, for the meeting page."""
        return (
            self.filter(meeting=meeting)
            .select_related("presenter", "patient__primary")
            .with_record("patient")
            .prefetch_related(Prefetch("decisions", queryset=Decision.objects.order_by("created_at", "id")))
            .order_by("position", "id")
        )

    def for_outcomes(self, meeting: Meeting) -> Self:
        """A meeting's agenda items with patient, decisions, their lesions and follow-ups, for the outcomes."""
        return (
            self.filter(meeting=meeting)
            .select_related("patient", "presenter")
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=Decision.objects.select_related("signed_by", "created_by")
                    .prefetch_related(
                        Prefetch("lesions", queryset=Lesion.objects.order_by("label")),
                        Prefetch(
                            "followups",
                            queryset=FollowUp.objects.select_related("recorded_by").order_by("recorded_on", "id"),
                        ),
                    )
                    .order_by("created_at", "id"),
                )
            )
            .order_by("position", "id")
        )

    def place_on_agenda(self, meeting: Meeting, position: int) -> dict:
        """Where the case at `position` stands: count, its index (1-based), previous and next positions or None.

        One query of the agenda's positions: cheaper to build and run than four subqueries of the item's own.
        """
        positions = list(self.filter(meeting=meeting).order_by("position").values_list("position", flat=True))
        earlier = [other for other in positions if other < position]
        later = [other for other in positions if other > position]
        return {
            "count": len(positions),
            "index": len(earlier) + (position in positions),
            "previous_position": earlier[-1] if earlier else None,
            "next_position": later[0] if later else None,
        }

    def for_review(self, meeting: Meeting, position: int) -> Self:
        """The agenda item at a position with its record, decisions and evaluation, for the case review."""
        return (
            self.filter(meeting=meeting, position=position)
            .select_related("presenter", "evaluation__release", "evaluation__created_by", "patient__primary")
            .defer("evaluation__facts")  # the record the evaluation read: stored, never shown
            .with_record("patient")
            .prefetch_related(
                Prefetch(
                    "decisions",
                    queryset=Decision.objects.select_related("signed_by", "created_by", "updated_by")
                    .prefetch_related(Prefetch("lesions", queryset=Lesion.objects.order_by("label")))
                    .order_by("created_at", "id"),
                ),
            )
        )


class AgendaItem(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="agenda_items")
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField()
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="presenting clinician",
    )
    question = models.TextField("question for the board")
    status = models.CharField(max_length=10, choices=AgendaItemStatus.choices, default=AgendaItemStatus.LISTED)
    status_reason = models.CharField(max_length=500, blank=True)
    # Readiness when the case was listed, kept for the dashboard ("readiness at listing").
    readiness_problems_at_listing = models.PositiveSmallIntegerField(default=0, editable=False)
    # The guidance evaluation shown at the meeting, kept so the board's advice can be explained later.
    evaluation = models.ForeignKey("guidance.Evaluation", models.PROTECT, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # Optimistic locking of the question and presenter: a save carries the version it was edited from.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "patient"],
                condition=~Q(status="withdrawn"),
                name="agenda_item_patient_once_per_meeting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("boards:meeting-review", args=[self.meeting.public_id, self.position])

    @property
    def is_open(self) -> bool:
        """Still to be (or being) discussed: neither deferred nor withdrawn."""
        return self.status in (AgendaItemStatus.LISTED, AgendaItemStatus.DISCUSSED)


class AttendanceQuerySet(models.QuerySet):
    def current(self) -> Self:
        """Attendance entries that have not been withdrawn as erroneous."""
        return self.filter(withdrawn_at__isnull=True)


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    specialty = models.CharField(max_length=30, choices=Specialty.choices)
    arrived_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # A wrong entry is withdrawn with who, when and why (never deleted) and no longer counts for quorum.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    withdrawn_reason = models.CharField(max_length=500, blank=True, editable=False)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["arrived_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_specialty_display()})"

    def clean(self) -> None:
        if self.left_at and self.arrived_at and self.left_at < self.arrived_at:
            raise ValidationError({"left_at": "Leaving cannot be before arriving."})

    def is_present_at(self, moment: datetime) -> bool:
        """Arrived by the moment and not yet left (a withdrawn entry never counts)."""
        return (
            self.withdrawn_at is None and self.arrived_at <= moment and (self.left_at is None or moment < self.left_at)
        )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class DecisionCategory(models.TextChoices):
    SURGERY = "surgery", "Surgery"
    THERMAL_ABLATION = "thermal_ablation", "Thermal ablation"
    RADIOTHERAPY = "radiotherapy", "SBRT / radiotherapy"
    TACE_TARE = "tace_tare", "TACE / TARE"
    SYSTEMIC = "systemic", "Systemic therapy"
    COMBINED = "combined", "Combined local + systemic"
    SURVEILLANCE = "surveillance", "Surveillance"
    TRIAL = "trial", "Clinical trial"
    INVESTIGATIONS = "investigations", "Further investigations"
    SUPPORTIVE = "supportive", "Best supportive care"
    OTHER = "other", "Other"


class Consensus(models.TextChoices):
    UNANIMOUS = "unanimous", "Unanimous"
    MAJORITY = "majority", "Majority, with dissent recorded"
    NONE = "none", "No consensus"


class Decision(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agenda_item = models.ForeignKey(AgendaItem, models.PROTECT, related_name="decisions")
    # An addendum corrects a signed decision; the original is never edited.
    amends = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="addenda")
    category = models.CharField(max_length=20, choices=DecisionCategory.choices)
    lesions = models.ManyToManyField(Lesion, blank=True, related_name="+", verbose_name="lesions concerned")
    recommendation = models.TextField()
    consensus = models.CharField(max_length=10, choices=Consensus.choices)
    dissent = models.TextField("dissent", blank=True, help_text="Who disagreed and why")
    departs_from_guidance = models.BooleanField("departs from the guidance", default=False)
    departure_reason = models.TextField("why it departs from the guidance", blank=True)
    # Optimistic locking: a save carries the version it was edited from.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item"], condition=Q(amends__isnull=True), name="decision_one_original_per_item"
            )
        ]

    def __str__(self) -> str:
        prefix = "Addendum: " if self.amends_id else ""
        return f"{prefix}{self.get_category_display()}"

    def clean(self) -> None:
        errors = {}
        if not self.recommendation.strip():
            errors["recommendation"] = "Write the board's recommendation."
        if self.consensus == Consensus.MAJORITY and not self.dissent.strip():
            errors["dissent"] = "Record the dissent: who disagreed and why."
        if self.departs_from_guidance and not self.departure_reason.strip():
            errors["departure_reason"] = "Say why the recommendation departs from the guidance."
        if errors:
            raise ValidationError(errors)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_addendum(self) -> bool:
        return self.amends_id is not None


class FollowUpStatus(models.TextChoices):
    IMPLEMENTED = "implemented", "Implemented"
    PARTLY = "partly", "Partly implemented"
    NOT_IMPLEMENTED = "not_implemented", "Not implemented"
    PENDING = "pending", "Pending"


class FollowUpReason(models.TextChoices):
    PATIENT_WISH = "patient_wish", "Patient wish"
    CLINICAL_CHANGE = "clinical_change", "Clinical change"
    NOT_FIT = "not_fit", "Not fit"
    LOGISTICS = "logistics", "Logistics"
    OTHER = "other", "Other"


class FollowUp(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(Decision, models.PROTECT, related_name="followups")
    status = models.CharField(max_length=16, choices=FollowUpStatus.choices)
    reason = models.CharField(max_length=16, choices=FollowUpReason.choices, blank=True)
    note = models.TextField(blank=True)
    recorded_on = models.DateField("date")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.recorded_on})"

    def clean(self) -> None:
        errors = {}
        if self.status in (FollowUpStatus.PARTLY, FollowUpStatus.NOT_IMPLEMENTED) and not self.reason:
            errors["reason"] = "Give the reason it was not (fully) implemented."
        if self.reason == FollowUpReason.OTHER and not self.note.strip():
            errors["note"] = "Describe the other reason."
        if self.recorded_on and self.recorded_on > timezone.localdate():
            errors["recorded_on"] = "This date is in the future."
        if errors:
            raise ValidationError(errors)

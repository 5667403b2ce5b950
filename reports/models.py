"""Stored PDF exports: who asked for which document when, how far rendering got, and the file."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


def export_upload_to(export: "PdfExport", filename: str) -> str:
    """Store exports under exports/ with a name free of patient identifiers."""
    return f"exports/{export.kind}-{export.public_id}.pdf"


class PdfExport(models.Model):
    class Kind(models.TextChoices):
        CASE_SUMMARY = "case-summary", "Case summary"
        MEETING_PACK = "meeting-pack", "Meeting pack"
        OUTCOMES = "outcomes", "Outcomes"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    meeting = models.ForeignKey("boards.Meeting", models.PROTECT, null=True, blank=True, related_name="pdf_exports")
    patient = models.ForeignKey("patients.Patient", models.PROTECT, null=True, blank=True, related_name="pdf_exports")
    # Every patient the rendered file names (cover, case summaries, outcomes), so that each download is
    # audited against each of them.
    patients = models.ManyToManyField("patients.Patient", blank=True, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_stage = models.CharField(max_length=20, blank=True, help_text="Preparing or Printing")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_upload_to, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("reports:export-detail", args=[self.public_id])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def download_filename(self) -> str:
        """A neutral file name for the browser: document kind and date, no patient identifiers."""
        return f"oligoboard-{self.kind}-{timezone.localtime(self.requested_at):%Y%m%d-%H%M}.pdf"

"""Guideline releases (versioned rules and parameters) and the evaluations made with them.

A release is edited only while it is a draft. Once published it never changes; publishing the
next one retires it. Evaluations are appended, never updated or deleted, so past advice stays
explainable from its input record, board inputs and release.
"""

import uuid
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from guidance import labels
from guidance.modalities import SIZE_NOT_MEASURED
from patients.models import Disease


class ReleaseLocked(ValidationError):
    """A published or retired release, or one of its parameters or rules, was about to change."""


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class RuleScope(models.TextChoices):
    GENERAL = "general", "General (both diseases)"
    ACC = "acc", "Adrenocortical carcinoma"
    CRC = "crc", "Colorectal liver metastases"


class RuleCategory(models.TextChoices):
    CLASSIFICATION = "classification", "Classification"
    LOCAL_THERAPY = "local-therapy option", "Local-therapy option"
    SYSTEMIC_THERAPY = "systemic-therapy consideration", "Systemic-therapy consideration"
    CAUTION = "caution", "Caution"
    MISSING_DATA = "missing-data", "Missing data"


# Fields of a release that are its content: frozen once the release leaves the draft state.
RELEASE_CONTENT_FIELDS = (
    "disease",
    "version",
    "effective_on",
    "change_note",
    "cloned_from_id",
    "created_by_id",
    "published_at",
    "published_by_id",
)


# A published release may only be retired: these are the fields a bulk update may set on it.
RETIREMENT_FIELDS = frozenset({"status", "retired_at"})


class GuidelineReleaseQuerySet(models.QuerySet):
    """Bulk writes are refused when they would change a published or retired release.

    save() and delete() check one row; these overrides close the queryset paths (update, delete,
    bulk_create, bulk_update) that bypass them. On PostgreSQL database triggers refuse the same.
    """

    def _locked(self) -> Self:
        return self.exclude(status=ReleaseStatus.DRAFT)

    def update(self, **kwargs: Any) -> int:
        locked = self._locked()
        if locked.exists():
            retiring = (
                set(kwargs) <= RETIREMENT_FIELDS
                and kwargs.get("status") == ReleaseStatus.RETIRED
                and not locked.filter(status=ReleaseStatus.RETIRED).exists()
            )
            if not retiring:
                raise ReleaseLocked(
                    "Published and retired releases can no longer be edited (a published one may only be retired)."
                )
        return super().update(**kwargs)

    def delete(self):
        if self._locked().exists():
            raise ReleaseLocked("Only a draft release can be deleted.")
        return super().delete()

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        objs = list(objs)
        if any(release.status != ReleaseStatus.DRAFT for release in objs):
            raise ReleaseLocked("A release is created as a draft and published with release_publish().")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any):
        objs = list(objs)
        if type(self)(self.model, using=self._db).filter(pk__in=[release.pk for release in objs])._locked().exists():
            raise ReleaseLocked("Published and retired releases can no longer be edited.")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def published(self) -> Self:
        return self.filter(status=ReleaseStatus.PUBLISHED)

    def for_list(self) -> Self:
        """Releases with their rule and parameter counts, for the admin list and the command."""
        return self.annotate(
            rule_count=models.Count("rules", distinct=True),
            parameter_count=models.Count("parameters", distinct=True),
        ).order_by("disease", "-created_at", "-id")

    def for_evaluation(self) -> Self:
        """Releases with parameters and rules loaded, ready to hand to the engine."""
        return self.prefetch_related(
            models.Prefetch("parameters", queryset=Parameter.objects.order_by("name")),
            models.Prefetch("rules", queryset=Rule.objects.order_by("order", "code")),
        )


class GuidelineRelease(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    disease = models.CharField(max_length=3, choices=Disease.choices)
    version = models.CharField(max_length=20, help_text="e.g. 2026.2")
    status = models.CharField(max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT, editable=False)
    effective_on = models.DateField("effective date", null=True, blank=True)
    change_note = models.TextField(blank=True, help_text="What changed compared with the release it was cloned from")
    cloned_from = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="clones", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = GuidelineReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["disease", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["disease", "version"], name="guideline_release_version_unique"),
            models.UniqueConstraint(
                fields=["disease"], condition=Q(status="published"), name="one_published_release_per_disease"
            ),
        ]
        permissions = [("publish_guidelinerelease", "Can publish a guideline release")]

    def __str__(self) -> str:
        return f"{self.get_disease_display()} {self.version} ({self.get_status_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.status == ReleaseStatus.DRAFT

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*RELEASE_CONTENT_FIELDS, "status").first()
            if stored is not None:
                _check_release_change(stored, self)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exclude(status=ReleaseStatus.DRAFT).exists():
            raise ReleaseLocked("Only a draft release can be deleted.")
        return super().delete(*args, **kwargs)


def _check_release_change(stored: dict, release: GuidelineRelease) -> None:
    """Refuse changes to a published or retired release other than retiring a published one."""
    if stored["status"] == ReleaseStatus.DRAFT:
        return
    changed = [name for name in RELEASE_CONTENT_FIELDS if getattr(release, name) != stored[name]]
    if changed:
        raise ReleaseLocked(f"Release is {stored['status']}; it can no longer be edited ({', '.join(changed)}).")
    allowed = {
        ReleaseStatus.PUBLISHED: {ReleaseStatus.PUBLISHED, ReleaseStatus.RETIRED},
        ReleaseStatus.RETIRED: {ReleaseStatus.RETIRED},
    }[stored["status"]]
    if release.status not in allowed:
        raise ReleaseLocked(f"A {stored['status']} release cannot become {release.status}.")


def _check_releases_are_drafts(release_ids) -> None:
    """Refuse content written into (or moved to) a release that is not a draft."""
    release_ids = {release_id for release_id in release_ids if release_id is not None}
    drafts = GuidelineRelease.objects.filter(pk__in=release_ids, status=ReleaseStatus.DRAFT).count()
    if drafts != len(release_ids):
        raise ReleaseLocked("Parameters and rules can only be added to, or moved into, a draft release.")


class ReleaseContentQuerySet(models.QuerySet):
    """Parameters and rules: bulk changes are refused when any row belongs to a non-draft release."""

    def _check_all_draft(self) -> None:
        if self.exclude(release__status=ReleaseStatus.DRAFT).exists():
            raise ReleaseLocked("Only parameters and rules of a draft release can be changed.")

    def update(self, **kwargs: Any) -> int:
        self._check_all_draft()
        if "release" in kwargs or "release_id" in kwargs:
            raise ReleaseLocked("A parameter or rule cannot move to another release.")
        return super().update(**kwargs)

    def delete(self):
        self._check_all_draft()
        return super().delete()

    def bulk_create(self, objs, *args: Any, **kwargs: Any):
        objs = list(objs)
        _check_releases_are_drafts(row.release_id for row in objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any):
        objs = list(objs)
        if {"release", "release_id"} & set(fields):
            raise ReleaseLocked("A parameter or rule cannot move to another release.")
        type(self)(self.model, using=self._db).filter(pk__in=[row.pk for row in objs])._check_all_draft()
        return super().bulk_update(objs, fields, *args, **kwargs)


class ReleaseContent(models.Model):
    """A parameter or rule: editable only while its release is a draft."""

    objects = ReleaseContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def release_is_draft(self) -> bool:
        # Read the status from the database: an in-memory release may be stale.
        return GuidelineRelease.objects.filter(pk=self.release_id, status=ReleaseStatus.DRAFT).exists()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.release_is_draft():
            raise ReleaseLocked("This release is not a draft; its parameters and rules cannot be changed.")
        if self.pk is not None:
            previous = type(self).objects.filter(pk=self.pk).values_list("release_id", flat=True).first()
            if previous is not None and previous != self.release_id:
                raise ReleaseLocked("A parameter or rule cannot move to another release.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        if not self.release_is_draft():
            raise ReleaseLocked("This release is not a draft; its parameters and rules cannot be deleted.")
        return super().delete(*args, **kwargs)


class Parameter(ReleaseContent):
    release = models.ForeignKey(GuidelineRelease, models.CASCADE, related_name="parameters")
    name = models.CharField(max_length=60)
    value = models.DecimalField(max_digits=12, decimal_places=4)
    unit = models.CharField(max_length=30, blank=True)
    source = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["release", "name"], name="parameter_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} = {self.display_value}"

    @property
    def number(self) -> int | float:
        """The value as the engine reads it: an int when whole, else a float."""
        value = Decimal(self.value)
        return int(value) if value == value.to_integral_value() else float(value)

    @property
    def display_value(self) -> str:
        return f"{self.number}{' ' + self.unit if self.unit else ''}"


class Rule(ReleaseContent):
    release = models.ForeignKey(GuidelineRelease, models.CASCADE, related_name="rules")
    code = models.CharField(max_length=20)
    scope = models.CharField(max_length=8, choices=RuleScope.choices)
    category = models.CharField(max_length=40, choices=RuleCategory.choices)
    order = models.PositiveIntegerField(help_text="Findings are listed in this order")
    condition = models.TextField(help_text="An expression over named facts, board inputs and parameters")
    text = models.TextField("finding text")
    evidence = models.TextField(blank=True)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["release", "code"], name="rule_code_unique")]

    def __str__(self) -> str:
        return self.code


VERDICT_LABELS = {"true": "Oligometastatic", "false": "Not oligometastatic", "undetermined": "Undetermined"}
MODALITIES = [
    ("surgery", "Surgery"),
    ("thermal_ablation", "Thermal ablation"),
    ("sbrt", "SBRT"),
    ("conventional_rt", "Conventional RT"),
    ("tace", "TACE"),
    ("tare", "TARE"),
]
RATING_LABELS = {
    "option": "Option",
    "option_with_caution": "Option with caution",
    "not_suitable": "Not suitable",
    "not_applicable": "Not applicable",
    "no_evidence_in_sources": "No evidence in sources",
}


class EvaluationQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("Evaluations are append-only.")

    def delete(self):
        raise RuntimeError("Evaluations are append-only.")

    def bulk_update(self, objs, fields, *args: Any, **kwargs: Any):
        raise RuntimeError("Evaluations are append-only.")

    def for_patient(self, patient) -> Self:
        """A patient's evaluations with their release, newest first (without the stored record, which is not shown)."""
        return (
            self.filter(patient=patient)
            .select_related("release", "created_by")
            .defer("facts")
            .order_by("-created_at", "-id")
        )


class Evaluation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey("patients.Patient", models.PROTECT, related_name="evaluations")
    as_of = models.DateField()
    release = models.ForeignKey(GuidelineRelease, models.PROTECT, related_name="evaluations")
    board_inputs = models.JSONField(default=dict)
    # The case-file record the engine read, so the evaluation can be replayed and explained.
    facts = models.JSONField()
    # Hash of (record, as_of, board inputs): an unchanged input reuses the evaluation instead of adding one.
    input_hash = models.CharField(max_length=64)
    output = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "release", "input_hash"])]

    def __str__(self) -> str:
        return f"Evaluation of {self.as_of} with {self.release.version}"

    @property
    def is_superseded(self) -> bool:
        """True when the evaluation's release is no longer the published one."""
        return self.release.status != ReleaseStatus.PUBLISHED

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.output.get("is_oligometastatic"), "Undetermined")

    @property
    def state_label(self) -> str:
        """The OMD state as the board says it, e.g. "repeat oligoprogression"; empty when the verdict says it all.

        "not oligometastatic" and "undetermined" repeat the verdict, so they are not said twice.
        """
        omd_state = self.output.get("omd_state") or {}
        if omd_state.get("state"):
            if omd_state["state"] in ("not_oligometastatic", "undetermined"):
                return ""
            return omd_state["state"].replace("_", " ")
        parts = [omd_state.get("genesis"), omd_state.get("timing"), omd_state.get("course")]
        if omd_state.get("genesis") == "de_novo" and omd_state.get("timing") == "synchronous":
            parts = ["de_novo", "synchronous", "OMD"]
        elif omd_state.get("genesis") == "de_novo":
            parts = [omd_state.get("timing"), omd_state.get("course")]
        return " ".join(part.replace("_", " ") for part in parts if part)

    @property
    def episode_label(self) -> str:
        omd_state = self.output.get("omd_state") or {}
        episode = (omd_state.get("episode_event") or "").replace("_", " ")
        return f"{episode} {omd_state.get('episode_date') or ''}".strip()

    @property
    def crlm_presentation_label(self) -> str:
        presentation = (self.output.get("scores") or {}).get("crlm_presentation")
        return presentation.replace("_", " ") if presentation else "not determined"

    # The views below are built once per evaluation object (a template reads each several times); an
    # evaluation never changes after it is stored.
    @cached_property
    def findings_by_category(self) -> list[tuple[str, list[dict]]]:
        """Findings grouped by category in the categories' fixed order, empty groups left out.

        Each finding also carries `facts_used_rows`: the facts it used with clinician-readable labels
        and values (guidance/labels.py), the fact's code kept beside them.
        """
        parameters = self.output.get("parameters") or {}
        findings = [
            {**finding, "facts_used_rows": labels.facts_used_rows(finding.get("facts_used") or {}, parameters)}
            for finding in self.output.get("findings", [])
        ]
        groups = []
        for category, label in RuleCategory.choices:
            in_category = [finding for finding in findings if finding.get("category") == category]
            if in_category:
                groups.append((label, in_category))
        known = set(RuleCategory.values)
        others = [finding for finding in findings if finding.get("category") not in known]
        if others:
            groups.append(("Other", others))
        return groups

    @cached_property
    def undetermined_entries(self) -> list[dict]:
        """Undetermined rules with, for each missing name, its label and where it is entered (labels.missing_entry)."""
        return [
            {"code": entry.get("code"), "missing": [labels.missing_entry(name) for name in entry.get("missing", [])]}
            for entry in self.output.get("undetermined", [])
        ]

    @cached_property
    def modality_rows(self) -> list[dict]:
        """One row per lesion: each modality's rating with its label and reasons, in a fixed column order.

        A lesion without a size is marked (`size_unknown`), and a rating that depends on the size it lacks
        carries that reason as `size_note`, shown in the grid itself rather than only on expanding.
        """
        unsized = set((self.output.get("facts") or {}).get("unsized_metastases") or [])
        rows = []
        for lesion_id, modalities in (self.output.get("lesion_modalities") or {}).items():
            cells = []
            for modality, label in MODALITIES:
                rating = (modalities.get(modality) or {}).get("rating") or "no_evidence_in_sources"
                reasons = (modalities.get(modality) or {}).get("reasons", [])
                size_note = next((reason for reason in reasons if reason.startswith(SIZE_NOT_MEASURED)), "")
                cells.append(
                    {
                        "modality": label,
                        "rating": rating,
                        "rating_label": RATING_LABELS.get(rating, rating),
                        "reasons": reasons,
                        "size_note": size_note,
                    }
                )
            rows.append({"lesion": lesion_id, "cells": cells, "size_unknown": lesion_id in unsized})
        return rows

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Evaluations are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise RuntimeError("Evaluations are append-only.")

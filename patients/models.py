"""The patient record: patient, primary tumour, lesions with measurements, timeline events, labs.

Vocabularies follow decision-logic §2.1-2.4. Clinical rows are never deleted: they are withdrawn
with who, when and why, and `.current()` leaves withdrawn rows out.
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import Cast
from django.db.models.query import ModelIterable
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from django.utils.hashable import make_hashable
from simple_history.models import HistoricalRecords

MAX_LESION_MM = 400
# The permission that lets coordinators and administrators find and open every patient (accounts groups).
VIEW_ANY_PATIENT = "view_any_patient"


def not_in_future(value: date) -> None:
    """Refuse a clinical date after today."""
    if value and value > timezone.localdate():
        raise ValidationError("This date is in the future.", code="future")


class Disease(models.TextChoices):
    ACC = "acc", "Adrenocortical carcinoma"
    CRC = "crc", "Colorectal cancer"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other"
    UNKNOWN = "U", "Unknown"


class NStatus(models.TextChoices):
    N0 = "N0", "N0"
    N1 = "N1", "N1"
    N2 = "N2", "N2"
    NX = "Nx", "Nx (cannot be assessed)"


class Margin(models.TextChoices):
    R0 = "R0", "R0"
    R1 = "R1", "R1"
    R2 = "R2", "R2"


class Organ(models.TextChoices):
    LIVER = "liver", "Liver"
    LUNG = "lung", "Lung"
    BONE = "bone", "Bone"
    BRAIN = "brain", "Brain"
    PERITONEUM = "peritoneum", "Peritoneum"
    RETROPERITONEUM = "retroperitoneum", "Retroperitoneum"
    LOCAL_RECURRENCE = "local_recurrence", "Local recurrence (tumour bed / anastomosis)"
    LYMPH_NODE = "lymph_node", "Lymph node"
    PLEURA = "pleura", "Pleura"
    SOFT_TISSUE = "soft_tissue", "Soft tissue"
    OTHER = "other", "Other"


class Removal(models.TextChoices):
    RESECTION = "resection", "Resection"
    ABLATION = "ablation", "Ablation"
    DISAPPEARED = "disappeared", "Disappeared on imaging"


class ImagingModality(models.TextChoices):
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    ULTRASOUND = "us", "Ultrasound"
    XRAY = "xray", "X-ray"
    OTHER = "other", "Other"


class EventType(models.TextChoices):
    DIAGNOSIS = "diagnosis", "Diagnosis"
    METASTATIC_DIAGNOSIS = "metastatic_diagnosis", "Metastatic diagnosis"
    RECURRENCE = "recurrence", "Recurrence"
    PROGRESSION = "progression", "Progression"
    PRIMARY_RESECTION = "primary_resection", "Primary resection"
    METASTASECTOMY = "metastasectomy", "Metastasectomy"
    THERMAL_ABLATION = "thermal_ablation", "Thermal ablation"
    SBRT = "sbrt", "SBRT"
    RADIOTHERAPY = "radiotherapy", "Radiotherapy"
    TACE = "tace", "TACE"
    TARE = "tare", "TARE"
    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    MITOTANE = "mitotane", "Mitotane"
    IMMUNOTHERAPY = "immunotherapy", "Immunotherapy"
    TARGETED_THERAPY = "targeted_therapy", "Targeted therapy"
    IMAGING = "imaging", "Imaging"


SYSTEMIC_EVENT_TYPES = frozenset({"chemotherapy", "mitotane", "immunotherapy", "targeted_therapy"})
LOCAL_EVENT_TYPES = frozenset(
    {"primary_resection", "metastasectomy", "thermal_ablation", "sbrt", "radiotherapy", "tace", "tare"}
)
MARKER_EVENT_TYPES = frozenset({"diagnosis", "metastatic_diagnosis", "recurrence", "progression", "imaging"})


class Intent(models.TextChoices):
    CURATIVE = "curative", "Curative"
    ADJUVANT = "adjuvant", "Adjuvant"
    NEOADJUVANT = "neoadjuvant", "Neoadjuvant"
    PERIOPERATIVE = "perioperative", "Perioperative"
    INDUCTION = "induction", "Induction / conversion"
    PALLIATIVE = "palliative", "Palliative"
    MAINTENANCE = "maintenance", "Maintenance"
    LOCAL_CONTROL = "local_control", "Local control"


class AblationSubtype(models.TextChoices):
    RFA = "rfa", "RFA"
    MWA = "mwa", "MWA"
    CRYO = "cryo", "Cryoablation"


class RecistResponse(models.TextChoices):
    CR = "CR", "Complete response"
    PR = "PR", "Partial response"
    SD = "SD", "Stable disease"
    PD = "PD", "Progressive disease"
    NE = "NE", "Not evaluable"


# Primary sites are free text; case files and demo data use these codes, shown by their labels.
PRIMARY_SITE_LABELS = {
    "left_adrenal": "Left adrenal",
    "right_adrenal": "Right adrenal",
    "caecum": "Caecum",
    "appendix": "Appendix",
    "ascending_colon": "Ascending colon",
    "hepatic_flexure": "Hepatic flexure",
    "transverse_colon": "Transverse colon",
    "splenic_flexure": "Splenic flexure",
    "descending_colon": "Descending colon",
    "sigmoid_colon": "Sigmoid colon",
    "rectosigmoid": "Rectosigmoid junction",
    "rectum": "Rectum",
}


def primary_site_label(site: str) -> str:
    """Return the human label of a primary site: the known label of a code, else the text made readable."""
    if site in PRIMARY_SITE_LABELS:
        return PRIMARY_SITE_LABELS[site]
    readable = site.replace("_", " ").strip()
    return readable[:1].upper() + readable[1:]


class Analyte(models.TextChoices):
    CEA = "cea", "CEA"


ANALYTE_UNITS = {Analyte.CEA: "ng/mL"}


# Who wrote a row and who last changed it, when: shown in its history and edit form, not with the record.
AUTHORSHIP_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")


class ClinicalQuerySet(models.QuerySet):
    def current(self) -> Self:
        """Rows that have not been withdrawn."""
        return self.filter(withdrawn_at__isnull=True)

    def current_in_record(self) -> Self:
        """Current rows as the record reads them: without their authorship, which is read for all the rows at once
        if one of them needs it (issue 7: a heavy record's thousand timestamps were a tenth of reading it)."""
        return self.current().defer(*AUTHORSHIP_FIELDS).fetch_mode(models.FETCH_PEERS)


class ClinicalRecord(models.Model):
    """Who wrote a clinical row, its edit version, and its withdrawal (never a delete)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # Optimistic locking: a save carries the version it was edited from (see services).
    version = models.PositiveIntegerField(default=1, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    withdrawn_reason = models.CharField(max_length=500, blank=True, editable=False)

    objects = ClinicalQuerySet.as_manager()
    # Before/after values of every saved change, shown as the record's history.
    history = HistoricalRecords(inherit=True, excluded_fields=["updated_at", "record_version"])

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        """Django's Model.from_db, without the per-field work of Model.__init__.

        A heavy record reads some five hundred clinical rows per page; building them through __init__ (a
        setattr per field, two init signals per row) was a sixth of reading the record (issue 7). The row's
        columns (`field_names` are attribute names, as Django passes them) go into the instance's __dict__,
        as __init__ would put them; a field left out by only()/defer() stays deferred. Models with a field
        whose descriptor must see the value, and any model when init signals have receivers, take Django's path.
        """
        if not _plain_fields(cls) or pre_init.receivers or post_init.receivers:
            return super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        row = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        row.__dict__.update(zip(field_names, values, strict=False), _state=state)
        return row

    def _get_FIELD_display(self, field) -> str:
        """Django's get_<field>_display, with each field's labels built once per process, not once per call.

        A heavy record's page shows about a thousand labels (event types, intents, organs); Django rebuilds the
        field's whole choice dict for each of them.
        """
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


# Model field → {value: label}, filled on first use (choices are fixed for the life of the process).
_CHOICE_LABELS: dict = {}
# Model → whether ClinicalRecord.from_db may fill its instances' __dict__ directly.
_PLAIN_FIELDS: dict = {}


def _plain_fields(model) -> bool:
    """True when every concrete field's attribute is Django's plain (deferred or foreign-key) descriptor."""
    try:
        return _PLAIN_FIELDS[model]
    except KeyError:
        _PLAIN_FIELDS[model] = all(
            type(getattr(model, field.attname, None)) in (DeferredAttribute, ForeignKeyDeferredAttribute)
            for field in model._meta.concrete_fields
        )
        return _PLAIN_FIELDS[model]


def view_any_patient_permissions(user) -> models.QuerySet:
    """The permission patients.view_any_patient, if the user holds it through a group or directly."""
    return Permission.objects.filter(content_type__app_label="patients", codename=VIEW_ANY_PATIENT).filter(
        Q(group__user=user) | Q(user=user)
    )


class RecordQuerySet(models.QuerySet):
    """A queryset that reads, with the patients it returns, their whole current record (`with_record`)."""

    _record_path: str | None = None

    def with_record(self, path: str = "") -> Self:
        """Load each result's record (`load_records`) when the results are read; `path` names the result's
        patient (e.g. "patient" for agenda items), "" the result itself. Not for `iterator()`."""
        clone = self._chain()
        clone._record_path = path
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._record_path = self._record_path
        return clone

    def _fetch_all(self):
        loading = (
            self._result_cache is None
            and self._record_path is not None
            and issubclass(self._iterable_class, ModelIterable)
        )
        super()._fetch_all()
        if loading and self._result_cache:
            path = self._record_path
            load_records([getattr(row, path) if path else row for row in self._result_cache], using=self.db)


class PatientQuerySet(RecordQuerySet, ClinicalQuerySet):
    def visible_to(self, user) -> Self:
        """Patients the user may see (issue 6, "Access"); everyone else gets 404.

        - anyone with the permission patients.view_any_patient (the Coordinators and Administrators groups)
          and superusers: every patient;
        - patients listed at a meeting of one of the user's boards;
        - patients the user entered;
        - a staff user's active emergency-access grants (accounts.BreakGlassGrant, BREAK_GLASS_HOURS).

        Relations are named, not imported, because the boards and accounts apps sit above this one; one
        SQL condition, so the check costs no query of its own.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        may_view_any = Exists(view_any_patient_permissions(user))
        listed_at_my_boards = Patient.objects.filter(agenda_items__meeting__board__memberships__user=user)
        visible = may_view_any | Q(pk__in=listed_at_my_boards.values("pk")) | Q(created_by=user)
        if user.is_staff:
            granted = Patient.objects.filter(
                break_glass_grants__user=user, break_glass_grants__expires_at__gt=timezone.now()
            )
            visible |= Q(pk__in=granted.values("pk"))
        return self.filter(visible)

    def withdrawn_for_review(self) -> Self:
        """Withdrawn patients with who withdrew them, newest withdrawal first (coordinators' "show withdrawn")."""
        return (
            self.filter(withdrawn_at__isnull=False)
            .select_related("primary", "withdrawn_by")
            .order_by("-withdrawn_at", "id")
        )

    def search(self, query: str) -> Self:
        """Patients whose name or hospital number contains the query."""
        query = query.strip()
        if not query:
            return self
        return self.filter(Q(mrn__icontains=query) | Q(name__icontains=query))

    def for_list(self) -> Self:
        """Patients with their primary tumour, for the patient list."""
        return self.select_related("primary").order_by("name", "mrn")

    def for_record(self) -> Self:
        """Patients with every current part of the record, for the patient page, case files and PDFs."""
        return self.select_related("primary").with_record()


@dataclass(frozen=True)
class RecordTable:
    """One table of a patient's current record as the record reads it (see `load_records`)."""

    attr: str  # where the rows go: an attribute of the patient, or (measurements) of each lesion
    model: type
    ordering: tuple[str, ...]
    parent: str = "patient"  # the rows' foreign key to what holds them: the patient or the lesion

    def queryset(self, patient_ids) -> models.QuerySet:
        """The current rows of these patients, in the record's order: what the record's SQL is compiled from."""
        rows = self.model.objects.current_in_record()
        if self.parent == "lesion":
            rows = rows.filter(lesion__withdrawn_at__isnull=True, lesion__patient_id__in=patient_ids)
        else:
            rows = rows.filter(patient_id__in=patient_ids)
        if self.model is Event:
            rows = rows.annotate(treated_ids=treated_lesion_ids())
        return rows.order_by(*self.ordering)

    def rows(self, patient_ids: list[int], using: str) -> list:
        compiled = _compiled_record_sql(self, len(patient_ids), using)
        if compiled is None:
            return list(self.queryset(patient_ids).using(using))
        sql, params, slots = compiled
        params = list(params)
        for slot, patient_id in zip(slots, patient_ids, strict=False):
            params[slot] = patient_id
        return list(self.model.objects.fetch_mode(models.FETCH_PEERS).raw(sql, params, using=using))


@functools.cache
def record_tables() -> tuple[RecordTable, ...]:
    """The record's tables, lesions before their measurements."""
    return (
        RecordTable("current_lesions", Lesion, ("detected_on", "label", "id")),
        RecordTable("current_measurements", Measurement, ("measured_on", "id"), parent="lesion"),
        RecordTable("current_events", Event, ("started_on", "id")),
        RecordTable("current_ki67", Ki67Result, ("measured_on", "id")),
        RecordTable("current_ecog", EcogAssessment, ("assessed_on", "id")),
        RecordTable("current_frailty", FrailtyAssessment, ("assessed_on", "id")),
        RecordTable("current_comorbidities", Comorbidity, ("name", "id")),
        RecordTable("current_labs", LabResult, ("taken_on", "id")),
    )


@functools.lru_cache(maxsize=512)
def _compiled_record_sql(table: RecordTable, count: int, using: str) -> tuple[str, tuple, tuple[int, ...]] | None:
    """The SQL of `table.queryset()` for `count` patients on a database, compiled by the ORM once per process.

    Returns the SQL, its parameters and the positions of the patient ids among them; None (read through the
    ORM each time) if the compiled parameters do not hold each id once, as they do for Django's `IN (...)`.
    """
    placeholders = [-n for n in range(1, count + 1)]  # no patient has a negative id
    sql, params = table.queryset(placeholders).query.get_compiler(using=using).as_sql()
    params = list(params)
    if any(params.count(placeholder) != 1 for placeholder in placeholders):
        return None
    return sql, tuple(params), tuple(params.index(placeholder) for placeholder in placeholders)


def load_records(patients: list["Patient"], using: str) -> None:
    """Read the current record of each patient: eight queries for any number of patients and rows.

    Sets what `Patient.objects.for_record()` promises: `current_lesions` (each with `current_measurements`),
    `current_events` (with the treated_ids annotation), `current_ki67`, `current_ecog`, `current_frailty`,
    `current_comorbidities` and `current_labs`, every list in the record's order, each row's patient (or lesion)
    set to the instance read. Rows are read without their authorship (`current_in_record`).

    Prefetching the same querysets cost a heavy case review a third of its time (issue 7): Django compiles
    each prefetch's SQL again for every page; here each table's SQL is compiled once per process and number of
    patients (`_compiled_record_sql`) and read as a raw queryset of the model (the same instances, converters
    and deferred fields as the queryset).
    """
    holders: dict[int, list] = {}
    for patient in patients:
        holders.setdefault(patient.pk, []).append(patient)
    if not holders:
        return
    patient_ids = list(holders)
    lesions: dict[int, list] = {}
    for table in record_tables():
        owners = lesions if table.parent == "lesion" else holders
        groups: dict[int, list] = {key: [] for key in owners}
        parent = table.model._meta.get_field(table.parent)
        for row in table.rows(patient_ids, using):
            key = getattr(row, parent.attname)
            group = groups.get(key)
            if group is None:  # a measurement of a lesion withdrawn since the lesions were read
                continue
            group.append(row)
            parent.set_cached_value(row, owners[key][-1])
        for key, group in groups.items():
            for owner in owners[key]:
                setattr(owner, table.attr, group)
        if table.model is Lesion:
            lesions = {lesion.pk: [lesion] for group in groups.values() for lesion in group}


# Event.treated without the treated_ids annotation (an event not read with its record).
_NOT_ANNOTATED = object()


def treated_lesion_ids() -> Subquery:
    """The ids of an event's treated lesions, comma-separated, as an annotation of events (see Event.treated).

    One column of the events' own query: prefetching the many-to-many relation instead cost a heavy record
    more than loading all its events (a related manager per event and a lesion instance per link; issue 7).
    """
    links = Event.lesions.through.objects.filter(event_id=OuterRef("pk")).order_by().values("event_id")
    return Subquery(links.annotate(ids=StringAgg(Cast("lesion_id", models.CharField()), Value(","))).values("ids"))


class Patient(ClinicalRecord):
    mrn = models.CharField("hospital number (MRN)", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    birth_date = models.DateField(validators=[not_in_future])
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    # Raised by every write to any row of the record, in the write's transaction: what is drawn or printed
    # from the record is kept (fragment cache, case PDFs) under this number and never shown for another.
    record_version = models.PositiveIntegerField(default=1, editable=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["name"])]
        permissions = [(VIEW_ANY_PATIENT, "Can find and open any patient (coordinators, administrators)")]

    def __str__(self) -> str:
        return f"{self.name} ({self.mrn})"

    def get_absolute_url(self) -> str:
        return reverse("patients:patient-detail", args=[self.public_id])

    def age_on(self, day: date) -> int:
        """Completed years of age on a day."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class PrimaryTumour(ClinicalRecord):
    patient = models.OneToOneField(Patient, models.PROTECT, related_name="primary")
    disease = models.CharField(max_length=3, choices=Disease.choices)
    site = models.CharField(max_length=100, help_text="e.g. left adrenal, sigmoid_colon")
    diagnosed_on = models.DateField("diagnosis date", validators=[not_in_future])
    t_stage = models.CharField("T stage", max_length=10, blank=True)
    n_status = models.CharField("N status", max_length=2, choices=NStatus.choices, blank=True)
    resected_on = models.DateField("resection date", null=True, blank=True, validators=[not_in_future])
    resection_margin = models.CharField(max_length=2, choices=Margin.choices, blank=True)
    hormone_excess = models.BooleanField(null=True, blank=True, help_text="ACC only; empty = unknown")
    glucocorticoid_excess = models.BooleanField(null=True, blank=True, help_text="ACC only; empty = unknown")
    hormone_excess_uncontrolled = models.BooleanField(null=True, blank=True, help_text="ACC only; empty = unknown")
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_disease_display()}, {self.site_label.lower()} ({self.diagnosed_on:%Y})"

    @property
    def site_label(self) -> str:
        """The site as people read it ("Sigmoid colon"); case files keep the code ("sigmoid_colon")."""
        return primary_site_label(self.site)

    def clean(self) -> None:
        errors = {}
        if self.resected_on and self.diagnosed_on and self.resected_on < self.diagnosed_on:
            errors["resected_on"] = "The resection cannot be before the diagnosis."
        if self.resection_margin and not self.resected_on:
            errors["resection_margin"] = "A margin needs a resection date."
        if self.disease == Disease.CRC and any(
            value is not None
            for value in (self.hormone_excess, self.glucocorticoid_excess, self.hormone_excess_uncontrolled)
        ):
            errors["hormone_excess"] = "Hormone status applies to adrenocortical carcinoma only."
        if self.hormone_excess is False and self.glucocorticoid_excess:
            errors["glucocorticoid_excess"] = "Glucocorticoid excess is a hormone excess."
        if errors:
            raise ValidationError(errors)


class Ki67Result(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="ki67_results")
    measured_on = models.DateField("date", validators=[not_in_future])
    value_pct = models.DecimalField(
        "Ki-67 %",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    low_pct = models.DecimalField(
        "range from %",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    high_pct = models.DecimalField(
        "range to %",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    specimen = models.CharField(max_length=200, blank=True, help_text="e.g. adrenal biopsy, adrenalectomy")

    def __str__(self) -> str:
        return f"Ki-67 {self.display_value} ({self.measured_on})"

    @property
    def display_value(self) -> str:
        if self.value_pct is not None:
            return f"{self.value_pct.normalize():f}%"
        return f"{self.low_pct.normalize():f}–{self.high_pct.normalize():f}%"

    def clean(self) -> None:
        has_value = self.value_pct is not None
        has_range = self.low_pct is not None or self.high_pct is not None
        if has_value and has_range:
            raise ValidationError("Give either one value or a range, not both.")
        if not has_value and not has_range:
            raise ValidationError({"value_pct": "Give a value or a range."})
        if has_range:
            if self.low_pct is None or self.high_pct is None:
                raise ValidationError({"high_pct": "A range needs both ends."})
            if self.low_pct > self.high_pct:
                raise ValidationError({"high_pct": "The upper end is below the lower end."})


class EcogAssessment(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="ecog_assessments")
    assessed_on = models.DateField("date", validators=[not_in_future])
    value = models.PositiveSmallIntegerField("ECOG", validators=[MaxValueValidator(4)])

    def __str__(self) -> str:
        return f"ECOG {self.value} ({self.assessed_on})"


class FrailtyAssessment(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="frailty_assessments")
    assessed_on = models.DateField("date", validators=[not_in_future])
    frail = models.BooleanField(help_text="Clinician's or geriatric judgement")
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{'Frail' if self.frail else 'Not frail'} ({self.assessed_on})"


class Comorbidity(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="comorbidities")
    name = models.CharField(max_length=200)

    class Meta:
        verbose_name_plural = "comorbidities"

    def __str__(self) -> str:
        return self.name


class Lesion(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="lesions")
    label = models.CharField(
        max_length=40, help_text="Short name unique for the patient, e.g. S7 or L1 (the case-file id)"
    )
    organ = models.CharField(max_length=20, choices=Organ.choices)
    regional_node = models.BooleanField(default=False, help_text="Regional lymph node of the primary")
    detected_on = models.DateField(validators=[not_in_future])
    note = models.CharField(max_length=500, blank=True)
    removed_on = models.DateField(null=True, blank=True, validators=[not_in_future])
    removal = models.CharField(max_length=12, choices=Removal.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "label"], name="lesion_label_unique")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_organ_display().lower()})"

    def clean(self) -> None:
        errors = {}
        if self.removed_on and self.detected_on and self.removed_on < self.detected_on:
            errors["removed_on"] = "The removal cannot be before the detection."
        if bool(self.removed_on) != bool(self.removal):
            errors["removal"] = "Give both the removal date and how it was removed, or neither."
        if self.pk is not None:
            # A saved lesion's dates must still frame its measurements (Measurement.clean checks new ones).
            span = (
                Measurement.objects.current()
                .filter(lesion_id=self.pk)
                .aggregate(first=models.Min("measured_on"), last=models.Max("measured_on"))
            )
            if self.detected_on and span["first"] and self.detected_on > span["first"]:
                errors["detected_on"] = (
                    f"This lesion has a measurement on {span['first']:%Y-%m-%d}; "
                    "the detection cannot be after its first measurement."
                )
            if self.removed_on and span["last"] and self.removed_on < span["last"] and "removed_on" not in errors:
                errors["removed_on"] = (
                    f"This lesion has a measurement on {span['last']:%Y-%m-%d}; "
                    "the removal cannot be before its last measurement."
                )
        if errors:
            raise ValidationError(errors)

    def is_active_on(self, day: date) -> bool:
        """Detected by the day and not removed on or before it (decision-logic §1.4)."""
        return self.detected_on <= day and not (self.removed_on and self.removed_on <= day)


class Measurement(ClinicalRecord):
    lesion = models.ForeignKey(Lesion, models.PROTECT, related_name="measurements")
    measured_on = models.DateField("date", validators=[not_in_future])
    size_mm = models.DecimalField(
        "longest diameter (mm)",
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal("0.1"), "A size must be greater than 0 mm."),
            MaxValueValidator(MAX_LESION_MM, f"A size above {MAX_LESION_MM} mm is not plausible."),
        ],
    )
    modality = models.CharField(max_length=10, choices=ImagingModality.choices, blank=True)

    def __str__(self) -> str:
        return f"{self.size_mm.normalize():f} mm ({self.measured_on})"

    def clean(self) -> None:
        lesion = self.lesion if self.lesion_id else None
        if lesion and self.measured_on and self.measured_on < lesion.detected_on:
            raise ValidationError({"measured_on": "A measurement cannot be before the lesion was detected."})
        if lesion and self.measured_on and lesion.removed_on and self.measured_on > lesion.removed_on:
            raise ValidationError(
                {
                    "measured_on": f"The lesion was removed on {lesion.removed_on:%Y-%m-%d}; "
                    "a measurement cannot be after its removal."
                }
            )


class Event(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="events")
    type = models.CharField(max_length=24, choices=EventType.choices)
    started_on = models.DateField("start", validators=[not_in_future])
    ended_on = models.DateField(
        "end", null=True, blank=True, validators=[not_in_future], help_text="Empty = ongoing or a one-day event"
    )
    regimen = models.CharField(max_length=200, blank=True)
    line = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Line of systemic therapy for metastatic disease; empty for (neo)adjuvant therapy",
    )
    intent = models.CharField(max_length=16, choices=Intent.choices, blank=True)
    margin = models.CharField(max_length=2, choices=Margin.choices, blank=True)
    subtype = models.CharField(max_length=4, choices=AblationSubtype.choices, blank=True)
    recist_overall = models.CharField(
        "RECIST overall response", max_length=2, choices=RecistResponse.choices, blank=True
    )
    notes = models.TextField(blank=True)
    lesions = models.ManyToManyField(Lesion, blank=True, related_name="events")

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.started_on})"

    def clean(self) -> None:
        errors = {}
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = "The end cannot be before the start."
        if self.subtype and self.type != EventType.THERMAL_ABLATION:
            errors["subtype"] = "A subtype applies to thermal ablation only."
        if self.recist_overall and self.type != EventType.IMAGING:
            errors["recist_overall"] = "A RECIST response belongs to an imaging event."
        if self.line is not None and self.type not in SYSTEMIC_EVENT_TYPES:
            errors["line"] = "A line applies to systemic therapy only."
        if errors:
            raise ValidationError(errors)

    @property
    def is_systemic(self) -> bool:
        return self.type in SYSTEMIC_EVENT_TYPES

    @cached_property
    def treated(self) -> list[Lesion]:
        """The current lesions this event treated, by label.

        Loaded with `Patient.objects.for_record()`, these are the record's own lesion objects, found through the
        `treated_ids` annotation without a query; otherwise they are read.
        """
        ids = getattr(self, "treated_ids", _NOT_ANNOTATED)
        loaded = ids is not _NOT_ANNOTATED and Event._meta.get_field("patient").is_cached(self)
        if not loaded or not hasattr(self.patient, "current_lesions"):
            return list(self.lesions.current().order_by("label"))
        if not ids:
            return []
        wanted = {int(lesion_id) for lesion_id in ids.split(",")}
        return sorted(
            (lesion for lesion in self.patient.current_lesions if lesion.pk in wanted), key=lambda lesion: lesion.label
        )


class LabResult(ClinicalRecord):
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="lab_results")
    analyte = models.CharField(max_length=10, choices=Analyte.choices, default=Analyte.CEA)
    taken_on = models.DateField("date", validators=[not_in_future])
    value = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0, "A value cannot be negative.")]
    )

    def __str__(self) -> str:
        return f"{self.get_analyte_display()} {self.value.normalize():f} {self.unit} ({self.taken_on})"

    @property
    def unit(self) -> str:
        return ANALYTE_UNITS[self.analyte]

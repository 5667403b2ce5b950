"""`manage.py generate_load_data`: many valid patient records, a board and meetings, for benchmarks and load tests.

Example: `python manage.py generate_load_data --patients 10000 --lesions 5 --measurements 3 --events 20 --meetings 4`

Every patient has a primary tumour (ACC and colorectal alternate), an ECOG, a comorbidity, Ki-67 (ACC) or
CEA every quarter (colorectal), L lesions with M measurements each, and E timeline events: diagnosis, primary
resection, metastatic diagnosis, then imaging, systemic lines, local treatments of detected lesions and
progressions, all dated in the past. Rows go in with plain bulk inserts, a few queries per batch of
patients (no change-history rows: generated records have no edits to show). The same --seed gives the same records; hospital numbers carry the seed, so
a second run with the same seed is refused rather than duplicating patients.

It also creates a board "Load test board <seed>" with a coordinator, a chair and --members members (user
names load<seed>-coordinator, load<seed>-chair, load<seed>-member-NN, password $LOAD_PASSWORD or
"oligoboard-load"), and K meetings a week apart with --cases-per-meeting cases each; the latest meeting is in
progress (decisions can be recorded), the others are planned.
"""

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.services import user_role_groups_sync
from boards.models import AgendaItem, Board, BoardMembership, DiseaseFocus, Meeting, MeetingStatus, Role, Specialty
from patients.models import (
    AblationSubtype,
    Comorbidity,
    Disease,
    EcogAssessment,
    Event,
    EventType,
    Intent,
    Ki67Result,
    LabResult,
    Lesion,
    Margin,
    Measurement,
    Organ,
    Patient,
    PrimaryTumour,
    RecistResponse,
    Removal,
    Sex,
)

DEFAULT_PASSWORD = "oligoboard-load"
BATCH = 500
LIMITS = {
    "patients": (1, 200_000),
    "lesions": (0, 200),
    "measurements": (0, 60),
    "events": (3, 1000),
    "meetings": (0, 500),
    "cases_per_meeting": (1, 100),
    "members": (0, 200),
}
FIRST_NAMES = (
    "Anna",
    "Marco",
    "Sofia",
    "Henrik",
    "Elena",
    "Thomas",
    "Maria",
    "Jonas",
    "Lucia",
    "Arthur",
    "Claire",
    "Olivia",
    "Pieter",
    "Ingrid",
    "Rafael",
    "Nadia",
    "Karim",
    "Yuki",
    "Aoife",
    "Mateo",
)
LAST_NAMES = (
    "Rossi",
    "Larsen",
    "Marino",
    "Weber",
    "García",
    "Bennett",
    "Keller",
    "Berg",
    "Dubois",
    "Ferrari",
    "Novak",
    "Jansen",
    "Silva",
    "Kowalski",
    "Nielsen",
    "Moreau",
    "Fischer",
    "Costa",
    "Murphy",
    "Sato",
)
ORGANS = {
    Disease.ACC: (Organ.LUNG, Organ.LIVER, Organ.RETROPERITONEUM, Organ.LOCAL_RECURRENCE, Organ.BONE, Organ.PERITONEUM),
    Disease.CRC: (Organ.LIVER, Organ.LIVER, Organ.LUNG, Organ.LIVER, Organ.PERITONEUM, Organ.LYMPH_NODE),
}
# After the diagnosis, resection and metastatic diagnosis, events follow this cycle (local treatments name a lesion).
EVENT_CYCLE = {
    Disease.ACC: (
        EventType.IMAGING,
        EventType.MITOTANE,
        EventType.IMAGING,
        EventType.METASTASECTOMY,
        EventType.IMAGING,
        EventType.CHEMOTHERAPY,
        EventType.IMAGING,
        EventType.SBRT,
        EventType.PROGRESSION,
        EventType.THERMAL_ABLATION,
    ),
    Disease.CRC: (
        EventType.IMAGING,
        EventType.CHEMOTHERAPY,
        EventType.IMAGING,
        EventType.METASTASECTOMY,
        EventType.IMAGING,
        EventType.THERMAL_ABLATION,
        EventType.CHEMOTHERAPY,
        EventType.SBRT,
        EventType.PROGRESSION,
        EventType.IMAGING,
    ),
}
REGIMENS = {
    (Disease.ACC, EventType.MITOTANE): "mitotane",
    (Disease.ACC, EventType.CHEMOTHERAPY): "EDP",
    (Disease.CRC, EventType.CHEMOTHERAPY): "FOLFOX + bevacizumab",
}
COMORBIDITIES = ("Hypertension", "Type 2 diabetes", "COPD", "Atrial fibrillation", "Chronic kidney disease stage 3")
QUESTIONS = ("Local treatment of the new lesions?", "Continue systemic therapy?", "Oligometastatic: resection or SBRT?")
SPECIALTIES = (
    Specialty.MEDICAL_ONCOLOGY,
    Specialty.SURGERY,
    Specialty.RADIOLOGY,
    Specialty.RADIATION_ONCOLOGY,
    Specialty.PATHOLOGY,
    Specialty.ENDOCRINOLOGY,
    Specialty.LIVER_SURGERY,
)


@dataclass
class LoadData:
    """What one run created (patients in creation order; meetings oldest first)."""

    patients: list[Patient] = field(default_factory=list)
    board: Board | None = None
    meetings: list[Meeting] = field(default_factory=list)
    users: dict[str, object] = field(default_factory=dict)


def mrn_for(seed: int, number: int) -> str:
    return f"LOAD{seed}-{number:06d}"


def _check(name: str, value: int) -> None:
    low, high = LIMITS[name]
    if not low <= value <= high:
        option = "--" + name.replace("_", "-")
        reason = (
            " (a full timeline has at least diagnosis, primary resection and metastatic diagnosis)"
            if name == "events"
            else ""
        )
        raise CommandError(f"{option} must be between {low} and {high}, not {value}{reason}.")


def generate(
    *,
    patients: int,
    lesions: int,
    measurements: int,
    events: int,
    meetings: int = 0,
    seed: int = 1,
    cases_per_meeting: int = 20,
    members: int = 3,
    today: dt.date | None = None,
    stdout=None,
) -> LoadData:
    """Create the records and return them; raise CommandError on bad arguments (nothing is written then)."""
    for name, value in (
        ("patients", patients),
        ("lesions", lesions),
        ("measurements", measurements),
        ("events", events),
        ("meetings", meetings),
        ("cases_per_meeting", cases_per_meeting),
        ("members", members),
    ):
        _check(name, value)
    if seed < 0:
        raise CommandError(f"--seed must be 0 or more, not {seed}.")
    if meetings and cases_per_meeting > patients:
        raise CommandError(f"--cases-per-meeting ({cases_per_meeting}) cannot exceed --patients ({patients}).")
    if Patient.objects.filter(mrn__startswith=f"LOAD{seed}-").exists():
        raise CommandError(f"Load data with seed {seed} already exists; use another --seed.")
    today = min(today or timezone.localdate(), timezone.localdate())
    rng = random.Random(seed)
    result = LoadData()
    with transaction.atomic():
        result.users = _users(seed, members)
        by = result.users["coordinator"]
        for start in range(0, patients, BATCH):
            numbers = range(start + 1, min(start + BATCH, patients) + 1)
            result.patients += _patients(rng, seed, numbers, lesions, measurements, events, today, by)
            if stdout is not None and patients > BATCH:
                stdout.write(f"  {len(result.patients)} / {patients} patients")
        if meetings:
            result.board, result.meetings = _board_and_meetings(
                rng, seed, result.users, result.patients, meetings, cases_per_meeting, today
            )
    return result


def _users(seed: int, members: int) -> dict:
    User = get_user_model()
    password = make_password(os.environ.get("LOAD_PASSWORD") or DEFAULT_PASSWORD)  # hashed once, shared
    names = ["coordinator", "chair"] + [f"member-{number:02d}" for number in range(1, members + 1)]
    users = User.objects.bulk_create(
        User(
            username=f"load{seed}-{name}",
            first_name=name.split("-")[0].title(),
            last_name=f"Load {seed}",
            password=password,
        )
        for name in names
    )
    if users[0].pk is None:  # backends that do not return keys from bulk inserts
        users = list(User.objects.filter(username__in=[f"load{seed}-{name}" for name in names]).order_by("id"))
    return dict(zip(names, users, strict=True))


def _patients(rng, seed, numbers, lesion_count, measurement_count, event_count, today, by) -> list[Patient]:
    plans = []
    for number in numbers:
        disease = Disease.ACC if number % 2 else Disease.CRC
        diagnosed = today - dt.timedelta(days=rng.randint(4 * 365, 11 * 365))
        plans.append(
            {
                "number": number,
                "disease": disease,
                "diagnosed": diagnosed,
                "metastatic": diagnosed + dt.timedelta(days=rng.randint(120, 720)),
            }
        )
    patients = Patient.objects.bulk_create(
        [
            Patient(
                mrn=mrn_for(seed, plan["number"]),
                created_by=by,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                birth_date=plan["diagnosed"] - dt.timedelta(days=rng.randint(35 * 365, 75 * 365)),
                sex=rng.choice((Sex.FEMALE, Sex.MALE)),
            )
            for plan in plans
        ]
    )
    if patients[0].pk is None:
        by_mrn = {row.mrn: row for row in Patient.objects.filter(mrn__in=[row.mrn for row in patients])}
        patients = [by_mrn[row.mrn] for row in patients]
    rows = {model: [] for model in (PrimaryTumour, Ki67Result, EcogAssessment, Comorbidity, LabResult, Lesion)}
    for patient, plan in zip(patients, plans, strict=True):
        stamp = {"patient": patient, "created_by": by}
        disease, diagnosed = plan["disease"], plan["diagnosed"]
        acc = disease == Disease.ACC
        rows[PrimaryTumour].append(
            PrimaryTumour(
                **stamp,
                disease=disease,
                site="left_adrenal" if acc else rng.choice(("sigmoid_colon", "rectum", "caecum")),
                diagnosed_on=diagnosed,
                t_stage=rng.choice(("T2", "T3", "T4")),
                n_status=rng.choice(("N0", "N1")),
                resected_on=diagnosed + dt.timedelta(days=20),
                resection_margin=rng.choice((Margin.R0, Margin.R0, Margin.R1)),
                hormone_excess=rng.choice((True, False)) if acc else None,
                glucocorticoid_excess=None,
                hormone_excess_uncontrolled=None,
            )
        )
        if acc:
            rows[Ki67Result].append(
                Ki67Result(
                    **stamp,
                    measured_on=diagnosed + dt.timedelta(days=20),
                    value_pct=Decimal(rng.randint(2, 40)),
                    specimen="adrenalectomy",
                )
            )
        else:
            quarter = max(diagnosed, today - dt.timedelta(days=91 * 8))
            while quarter <= today:
                rows[LabResult].append(
                    LabResult(
                        **stamp,
                        taken_on=quarter,
                        value=Decimal(rng.randint(10, 900)) / 10,
                    )
                )
                quarter += dt.timedelta(days=91)
        rows[EcogAssessment].append(
            EcogAssessment(
                **stamp,
                assessed_on=today - dt.timedelta(days=rng.randint(5, 60)),
                value=rng.choice((0, 1, 1, 2)),
            )
        )
        if rng.random() < 0.5:
            rows[Comorbidity].append(Comorbidity(**stamp, name=rng.choice(COMORBIDITIES)))
        span = max((today - plan["metastatic"]).days, 1)
        for index in range(lesion_count):
            detected = plan["metastatic"] + dt.timedelta(days=(span * index) // (2 * max(lesion_count, 1)))
            removed = None
            if index % 5 == 4:
                removed = detected + dt.timedelta(days=max((today - detected).days // 2, 1))
            rows[Lesion].append(
                Lesion(
                    **stamp,
                    label=f"M{index + 1:02d}",
                    organ=rng.choice(ORGANS[disease]),
                    detected_on=detected,
                    removed_on=removed,
                    removal=rng.choice((Removal.RESECTION, Removal.ABLATION)) if removed else "",
                )
            )
    for model in (PrimaryTumour, Ki67Result, EcogAssessment, Comorbidity, LabResult):
        if rows[model]:
            model.objects.bulk_create(rows[model])
    lesions = _with_keys(Lesion.objects.bulk_create(rows[Lesion]), Lesion) if rows[Lesion] else []
    measurements = []
    lesions_of = {}
    for lesion in lesions:
        lesions_of.setdefault(lesion.patient_id, []).append(lesion)
        last = lesion.removed_on or today
        gap = max((last - lesion.detected_on).days, 0)
        size = rng.randint(6, 30)
        for step in range(measurement_count):
            size = min(max(size + rng.randint(-4, 6), 3), 150)
            measurements.append(
                Measurement(
                    lesion=lesion,
                    created_by=by,
                    measured_on=lesion.detected_on + dt.timedelta(days=(gap * step) // max(measurement_count, 1)),
                    size_mm=Decimal(size),
                    modality=rng.choice(("ct", "ct", "mri", "pet_ct")),
                )
            )
    if measurements:
        Measurement.objects.bulk_create(measurements)
    event_rows, treats = [], []
    for patient, plan in zip(patients, plans, strict=True):
        event_rows += _timeline(
            rng, patient, plan, lesions_of.get(patient.pk, []), event_count, today, by, treats, offset=len(event_rows)
        )
    events = _with_keys(Event.objects.bulk_create(event_rows), Event)
    Event.lesions.through.objects.bulk_create(
        Event.lesions.through(event_id=events[index].pk, lesion_id=lesion.pk) for index, lesion in treats
    )
    return patients


def _with_keys(rows: list, model) -> list:
    """Rows with primary keys (bulk inserts return them on SQLite and PostgreSQL; look them up otherwise)."""
    if not rows or rows[0].pk is not None:
        return rows
    raise CommandError(f"This database does not return keys from bulk inserts of {model.__name__}.")


def _timeline(rng, patient, plan, lesions, event_count, today, by, treats, *, offset: int) -> list[Event]:
    """Return the patient's events; add (position in the batch, lesion) to treats for each treated lesion."""
    disease, diagnosed, metastatic = plan["disease"], plan["diagnosed"], plan["metastatic"]
    stamp = {"patient": patient, "created_by": by}
    rows = [
        Event(**stamp, type=EventType.DIAGNOSIS, started_on=diagnosed),
        Event(
            **stamp,
            type=EventType.PRIMARY_RESECTION,
            started_on=diagnosed + dt.timedelta(days=20),
            margin=Margin.R0,
            intent=Intent.CURATIVE,
        ),
        Event(**stamp, type=EventType.METASTATIC_DIAGNOSIS, started_on=metastatic),
    ]
    span = max((today - metastatic).days - 1, 1)
    line = 1
    for index in range(event_count - 3):
        kind = EVENT_CYCLE[disease][index % len(EVENT_CYCLE[disease])]
        started = metastatic + dt.timedelta(days=1 + (span * index) // max(event_count - 3, 1))
        treatable = [lesion for lesion in lesions if lesion.detected_on <= started]
        if kind in (EventType.METASTASECTOMY, EventType.THERMAL_ABLATION, EventType.SBRT) and not treatable:
            kind = EventType.IMAGING
        event = Event(**stamp, type=kind, started_on=started)
        if kind == EventType.IMAGING:
            event.recist_overall = rng.choice((RecistResponse.SD, RecistResponse.PR, RecistResponse.PD))
        elif kind in (EventType.CHEMOTHERAPY, EventType.MITOTANE):
            event.regimen = REGIMENS[(disease, kind)]
            event.line, event.intent = line, Intent.PALLIATIVE
            event.ended_on = min(started + dt.timedelta(days=rng.randint(14, 120)), today)
            line = min(line + 1, 20)
        elif kind == EventType.PROGRESSION:
            pass
        else:
            event.intent = Intent.LOCAL_CONTROL
            if kind == EventType.METASTASECTOMY:
                event.margin = rng.choice((Margin.R0, Margin.R1))
            elif kind == EventType.THERMAL_ABLATION:
                event.subtype = rng.choice((AblationSubtype.MWA, AblationSubtype.RFA))
            for lesion in rng.sample(treatable, min(len(treatable), rng.randint(1, 2))):
                treats.append((offset + len(rows), lesion))
        rows.append(event)
    return rows


def _board_and_meetings(rng, seed, users, patients, count, cases, today) -> tuple[Board, list[Meeting]]:
    coordinator = users["coordinator"]
    board = Board.objects.create(
        name=f"Load test board {seed}",
        disease_focus=DiseaseFocus.MIXED,
        required_specialties=[Specialty.MEDICAL_ONCOLOGY, Specialty.SURGERY, Specialty.RADIOLOGY],
    )
    BoardMembership.objects.bulk_create(
        BoardMembership(
            board=board,
            user=user,
            role=Role.COORDINATOR if name == "coordinator" else Role.CHAIR if name == "chair" else Role.MEMBER,
            specialty=Specialty.OTHER if name == "coordinator" else SPECIALTIES[index % len(SPECIALTIES)],
        )
        for index, (name, user) in enumerate(users.items())
    )
    for user in users.values():  # role groups follow board roles, as when memberships are added in the app
        user_role_groups_sync(user=user, by=None)
    now = timezone.now()
    first = timezone.make_aware(dt.datetime.combine(today, dt.time(16, 0))) - dt.timedelta(weeks=count - 1)
    meetings = []
    for number in range(count):
        latest = number == count - 1
        meetings.append(
            Meeting(
                board=board,
                starts_at=first + dt.timedelta(weeks=number),
                place="Tumour board room 2",
                status=MeetingStatus.IN_PROGRESS if latest else MeetingStatus.PLANNED,
                started_at=now if latest else None,
                created_by=coordinator,
            )
        )
    meetings = Meeting.objects.bulk_create(meetings)
    if meetings and meetings[0].pk is None:
        meetings = list(Meeting.objects.filter(board=board).order_by("starts_at"))
    items = []
    for number, meeting in enumerate(meetings):
        offset = (number * cases) % len(patients)
        chosen = [patients[(offset + index) % len(patients)] for index in range(cases)]
        items += [
            AgendaItem(
                meeting=meeting,
                patient=patient,
                position=position,
                question=rng.choice(QUESTIONS),
                presenter=users["chair"],
                added_by=coordinator,
            )
            for position, patient in enumerate(chosen, start=1)
        ]
    AgendaItem.objects.bulk_create(items)
    return board, meetings


class Command(BaseCommand):
    help = "Create many valid patient records, a board and meetings for benchmarks and load tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="number of patients")
        parser.add_argument("--lesions", type=int, default=5, help="lesions per patient (default 5)")
        parser.add_argument("--measurements", type=int, default=3, help="measurements per lesion (default 3)")
        parser.add_argument(
            "--events", type=int, default=20, help="timeline events per patient, at least 3 (default 20)"
        )
        parser.add_argument("--meetings", type=int, default=0, help="meetings of the load test board (default 0)")
        parser.add_argument("--cases-per-meeting", type=int, default=20, help="agenda items per meeting (default 20)")
        parser.add_argument("--members", type=int, default=3, help="board members besides coordinator and chair")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same records")

    def handle(self, *args, **options) -> None:
        started = timezone.now()
        result = generate(
            patients=options["patients"],
            lesions=options["lesions"],
            measurements=options["measurements"],
            events=options["events"],
            meetings=options["meetings"],
            seed=options["seed"],
            cases_per_meeting=options["cases_per_meeting"],
            members=options["members"],
            stdout=self.stdout,
        )
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(result.patients)} patients and {len(result.meetings)} meetings in {seconds:.1f} s "
                f"(seed {options['seed']}; users load{options['seed']}-coordinator, -chair, -member-NN)."
            )
        )

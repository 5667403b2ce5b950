"""`manage.py loaddemo`: demo users and demo patients for trying Oligoboard. Safe to run again."""

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from boards.demo import MEETING_DAYS_AHEAD, create_demo_boards
from boards.models import AgendaItem, Board, BoardMembership, Meeting
from demo.dates import dated_for_meeting
from patients.casefile import case_import, parse_case_file, system_user
from patients.models import Patient

DEFAULT_PASSWORD = "oligoboard-demo"
GUIDELINE_EDITORS = "Guideline editors"

# username, first name, last name, staff, superuser
DEMO_USERS = (
    ("coordinator", "Claire", "Dubois", False, False),
    ("oncologist", "Marco", "Bianchi", False, False),
    ("surgeon", "Anna", "Keller", False, False),
    ("chair", "Lucia", "Ferrari", False, False),
    ("editor", "Jonas", "Berg", True, False),
    ("outsider", "Olivia", "Grant", False, False),
    ("admin", "Site", "Administrator", True, True),
)

DEMO_USERNAMES = [username for username, *_ in DEMO_USERS]

# case file, hospital number, name. A file in patients/demo_cases/ wins over demo/cases/.
DEMO_PATIENTS = (
    ("acc-seed.json", "ACC-0001", "Maria Rossi"),
    ("crlm-metachronous.json", "CRC-0002", "Henrik Larsen"),
    ("crlm-synchronous.json", "CRC-0003", "Sofia Marino"),
    ("crlm-progression-second-line.json", "CRC-0004", "Thomas Weber"),
    ("acc-late-recurrence.json", "ACC-0005", "Elena García"),
    ("crlm-frail.json", "CRC-0006", "Arthur Bennett"),
)
# How many days before the demo meeting each case's latest record lies (moved in whole weeks, intervals kept).
# The seed case keeps its own dates (2016-2025). Against the boards' readiness profile (imaging 42 days,
# ECOG and CEA 90 days) Larsen, Weber and García come out ready; Marino's ECOG and CEA are three months older
# than her imaging, and Bennett's restaging is overdue.
DAYS_BEFORE_MEETING = {
    "CRC-0002": 12,
    "CRC-0003": 10,
    "CRC-0004": 20,
    "ACC-0005": 8,
    "CRC-0006": 60,
}

CASE_DIRECTORIES = (
    Path(settings.BASE_DIR) / "patients" / "demo_cases",
    Path(__file__).resolve().parents[2] / "cases",
)


def demo_case_path(file_name: str) -> Path:
    """Return the demo case file, preferring patients/demo_cases/ over demo/cases/."""
    for directory in CASE_DIRECTORIES:
        if (directory / file_name).is_file():
            return directory / file_name
    raise FileNotFoundError(f"Demo case file {file_name} is in neither {' nor '.join(map(str, CASE_DIRECTORIES))}.")


class Command(BaseCommand):
    help = "Create the demo users and demo patients (idempotent: existing ones are left unchanged)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help="Date the demo is built for (default: today); the meeting is three days later.",
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        today = options.get("today") or timezone.localdate()
        if today > timezone.localdate():
            raise CommandError("--today cannot be in the future: the demo records would be dated after today.")
        created_users = self._create_users(password)
        created_patients = self._create_patients(meeting_day=today + dt.timedelta(days=MEETING_DAYS_AHEAD))
        boards_changed = self._create_boards(today)
        if not created_users and not created_patients and not boards_changed:
            self.stdout.write("Demo data is already loaded; nothing changed.")
            self.stdout.write(f"Demo users: {', '.join(DEMO_USERNAMES)}.")
            return
        if created_users:
            self.stdout.write(f"Created demo users: {', '.join(created_users)}.")
            self.stdout.write(f"Password for all of them: {password}")
        if created_patients:
            self.stdout.write(f"Created demo patients: {', '.join(created_patients)}.")
        if boards_changed:
            self.stdout.write("Created the demo boards with their members and a planned meeting each.")

    def _create_users(self, password: str) -> list[str]:
        User = get_user_model()
        editors, _ = Group.objects.get_or_create(name=GUIDELINE_EDITORS)
        created = []
        for username, first_name, last_name, is_staff, is_superuser in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                first_name=first_name,
                last_name=last_name,
                is_staff=is_staff,
                is_superuser=is_superuser,
                email=f"{username}@oligoboard.invalid",
            )
            user.set_password(password)
            user.save()
            if username == "editor":
                user.groups.add(editors)
            created.append(username)
        return created

    def _create_boards(self, today: dt.date) -> bool:
        """Create the demo boards (boards/demo.py) and return whether anything was added."""
        models = (Board, BoardMembership, Meeting, AgendaItem)
        before = [model.objects.count() for model in models]
        users = {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
        mrns = [mrn for _, mrn, _ in DEMO_PATIENTS]
        patients = sorted(
            Patient.objects.filter(mrn__in=mrns).select_related("primary"), key=lambda patient: mrns.index(patient.mrn)
        )
        create_demo_boards(users=users, patients=patients, today=today)
        return [model.objects.count() for model in models] != before

    def _create_patients(self, *, meeting_day: dt.date) -> list[str]:
        by = system_user()
        created = []
        for file_name, mrn, name in DEMO_PATIENTS:
            if Patient.objects.filter(mrn=mrn).exists():
                continue
            case = parse_case_file(demo_case_path(file_name).read_bytes())
            if mrn in DAYS_BEFORE_MEETING:
                # Validated again: the moved dates must still make a valid case file (none in the future).
                case = parse_case_file(
                    dated_for_meeting(case, meeting_day=meeting_day, days_before=DAYS_BEFORE_MEETING[mrn])
                )
            case_import(case=case, mrn=mrn, name=name, by=by)
            created.append(f"{name} ({mrn})")
        return created

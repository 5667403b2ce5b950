"""Benchmark the printed documents: a seed-like case summary and a 20-case meeting pack of heavy patients.

Run: .venv/bin/python benchmarks/pdfs.py   (uses a throwaway SQLite database in a temporary folder)
Targets (issue 5, 2-core machine): case summary < 1.5 s, 20-case meeting pack < 15 s.
"""

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="oligoboard-bench-pdfs-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ["MEDIA_ROOT"] = str(WORKDIR / "media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from boards.models import Role, Specialty  # noqa: E402
from reports import services  # noqa: E402
from tests.boards.factories import (  # noqa: E402
    AgendaItemFactory,
    BoardFactory,
    BoardMembershipFactory,
    MeetingFactory,
)
from tests.factories import UserFactory  # noqa: E402
from tests.reports.records import acc_patient, heavy_patient, pdf_text  # noqa: E402

CASE_TARGET_S = 1.5
PACK_TARGET_S = 15.0
PACK_CASES = 20


def timed(label: str, function, target: float) -> bytes:
    started = time.perf_counter()
    pdf = function()
    elapsed = time.perf_counter() - started
    pages = pdf_text(pdf).count("\f")
    verdict = "OK" if elapsed < target else "SLOWER THAN TARGET"
    print(f"{label:<48} {elapsed:6.2f} s  {pages:4d} pages  {len(pdf) // 1024:6d} KiB  target < {target} s  {verdict}")
    return pdf


def main() -> None:
    call_command("migrate", verbosity=0)
    chair = UserFactory(username="bench-chair", first_name="Bench", last_name="Chair")
    board = BoardFactory(name="Benchmark board")
    BoardMembershipFactory(board=board, user=chair, role=Role.CHAIR, specialty=Specialty.MEDICAL_ONCOLOGY)
    meeting = MeetingFactory(board=board, created_by=chair, starts_at=dt.datetime(2024, 5, 14, 16, tzinfo=dt.UTC))

    seed = acc_patient(name="Seed Patient", mrn="SEED0001", lesions=2)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, database {os.environ['DATABASE_URL']}")
    timed("case summary, seed-like ACC patient (first)", lambda: services.case_summary_print(
        patient=seed, meeting=None, by=chair), CASE_TARGET_S)
    timed("case summary, seed-like ACC patient (again)", lambda: services.case_summary_print(
        patient=seed, meeting=None, by=chair), CASE_TARGET_S)
    heavy = heavy_patient(name="Heavy Single", mrn="HEAVY0000")
    timed("case summary, heavy patient (40 lesions)", lambda: services.case_summary_print(
        patient=heavy, meeting=None, by=chair), CASE_TARGET_S * 2)

    for number in range(1, PACK_CASES + 1):
        patient = heavy_patient(name=f"Heavy Patient {number:02d}", mrn=f"HEAVY{number:04d}")
        AgendaItemFactory(meeting=meeting, patient=patient, position=number, added_by=chair)
    progress = []
    timed(f"meeting pack, {PACK_CASES} heavy cases", lambda: services.meeting_document_print(
        kind="meeting-pack", meeting=meeting, by=chair,
        progress=lambda stage, done, total: progress.append((stage, done))), PACK_TARGET_S)
    timed(f"outcomes, {PACK_CASES} cases", lambda: services.meeting_document_print(
        kind="outcomes", meeting=meeting, by=chair), PACK_TARGET_S)


if __name__ == "__main__":
    main()

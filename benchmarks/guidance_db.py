"""Benchmark guidance with fact extraction: case export from the database, engine, stored evaluation.

Run: .venv/bin/python benchmarks/guidance_db.py   (uses a throwaway SQLite database in a temporary folder)
Prints, for a typical patient and a heavy one (40 lesions x 8 measurements, 150 events), the median time
of fact extraction alone, of extraction plus engine, and of evaluation_create, with query counts.
"""

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="oligoboard-bench-guidance-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from guidance import facts, services  # noqa: E402
from tests.factories import UserFactory  # noqa: E402
from tests.guidance.db_factories import CRC_CASE, heavy_patient, patient_from_case  # noqa: E402

AS_OF = dt.date(2026, 10, 1)
ROUNDS = 20


def _timed(function, rounds: int = ROUNDS) -> tuple[float, int]:
    """Return the median milliseconds of a call and the number of queries of one call."""
    with CaptureQueriesContext(connection) as captured:
        function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(captured.captured_queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    user = UserFactory(username="bench")
    patients = {"typical": patient_from_case(CRC_CASE, by=user, mrn="BENCH1"), "heavy": heavy_patient()}
    print(f"{'patient':10}{'step':34}{'median ms':>10}{'queries':>9}")
    for label, patient in patients.items():
        release = services.release_current(facts.disease_of(facts.case_dict_for(patient)))

        def extract(patient=patient):
            return facts.record_for(facts.case_dict_for(patient))

        def extract_and_evaluate(patient=patient, release=release):
            return services.release_evaluate(release, facts.case_dict_for(patient), as_of=AS_OF, board_inputs={})

        def evaluation_create(patient=patient):
            return services.evaluation_create(patient=patient, by=user, as_of=AS_OF, board_inputs={})

        for step, function in (
            ("fact extraction", extract),
            ("extraction + engine", extract_and_evaluate),
            ("evaluation_create (stored)", evaluation_create),
        ):
            median, queries = _timed(function)
            print(f"{label:10}{step:34}{median:10.1f}{queries:9}")


if __name__ == "__main__":
    main()

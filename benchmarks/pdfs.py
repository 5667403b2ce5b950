"""Benchmark the printed documents: the seed patient's case summary, a heavy one, a 20-case meeting pack.

Run: .venv/bin/python benchmarks/pdfs.py [--runs N]   (a throwaway SQLite database in a temporary folder)
The seed patient is ACC-0001 as `loaddemo` creates it; heavy patients are generate_load_data's
40 lesions x 8 measurements, 150 events (issue 7). Each figure is the median of N runs (default 5; the
pack 3 more), "cold" is the first document of a new process (fonts, stylesheet, templates load then; the
first pack also starts the layout processes).
Targets (issues 5 and 7, 2-core machine): case summary < 1.5 s, 20-case meeting pack < 15 s.
Prints one line per figure; scripts/bench.sh runs the same figures through benchmarks/pages.py.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent

CASE_TARGET_S = 1.5
PACK_TARGET_S = 15.0
PACK_CASES = 20
HEAVY = {"lesions": 40, "measurements": 8, "events": 150}


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def timed(function) -> tuple[float, bytes]:
    started = time.perf_counter()
    pdf = function()
    return time.perf_counter() - started, pdf


def report(label: str, seconds: list[float], pdf: bytes, target: float) -> None:
    median = statistics.median(seconds)
    verdict = "OK" if median < target else "SLOWER THAN TARGET"
    runs = ", ".join(f"{value:.2f}" for value in seconds)
    print(
        f"{label:<44} {median:6.2f} s  ({runs})  {len(pdf) // 1024:5d} KiB  target < {target} s  {verdict}", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case summary figure (default 5)")
    options = parser.parse_args()
    # Here, not at import: the pack's layout processes import this module again (multiprocessing "spawn").
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="oligoboard-bench-pdfs-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from demo.management.commands.generate_load_data import generate
    from patients.models import Patient
    from reports import services

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("loaddemo", verbosity=0, stdout=io.StringIO())
    chair = get_user_model().objects.get(username="chair")
    seed = Patient.objects.get(mrn="ACC-0001")
    heavy = generate(patients=1, meetings=0, seed=9101, **HEAVY).patients[0]
    pack = generate(patients=PACK_CASES, meetings=1, cases_per_meeting=PACK_CASES, seed=9102, **HEAVY)
    load = os.getloadavg()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}, setup {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    def seed_summary():
        return services.case_summary_print(patient=seed, meeting=None, by=chair)

    cold, pdf = timed(seed_summary)
    report(f"case summary, seed ACC-0001 cold ({pdf_pages(pdf)} pages)", [cold], pdf, CASE_TARGET_S)
    warm = [timed(seed_summary)[0] for _ in range(options.runs)]
    report(f"case summary, seed ACC-0001 ({pdf_pages(pdf)} pages)", warm, pdf, CASE_TARGET_S)

    def heavy_summary():
        return services.case_summary_print(patient=heavy, meeting=None, by=chair)

    runs = [timed(heavy_summary) for _ in range(options.runs)]
    pdf = runs[-1][1]
    report(
        f"case summary, heavy 40x8, 150 events ({pdf_pages(pdf)} pages)", [run[0] for run in runs], pdf, CASE_TARGET_S
    )

    def meeting_pack():
        return services.meeting_document_print(kind="meeting-pack", meeting=pack.meetings[0], by=pack.users["chair"])

    # The first pack of the process also starts its layout processes (reports.rendering.render_processes()).
    cold, pdf = timed(meeting_pack)
    report(f"meeting pack, {PACK_CASES} heavy cases cold ({pdf_pages(pdf)} pages)", [cold], pdf, PACK_TARGET_S)
    runs = [timed(meeting_pack) for _ in range(max(1, min(options.runs, 3)))]
    report(
        f"meeting pack, {PACK_CASES} heavy cases ({pdf_pages(pdf)} pages)", [run[0] for run in runs], pdf, PACK_TARGET_S
    )
    runs = [
        timed(
            lambda: services.meeting_document_print(kind="outcomes", meeting=pack.meetings[0], by=pack.users["chair"])
        )
        for _ in range(3)
    ]
    report(f"outcomes, {PACK_CASES} cases", [run[0] for run in runs], runs[-1][1], PACK_TARGET_S)


if __name__ == "__main__":
    main()

"""Turn locust's statistics into the load test's figures: one line each, `name value unit`, and JSON.

Run by scripts/loadtest.sh: `python benchmarks/loadtest_figures.py LOAD_stats.csv MEETING.json OUT.json`.
Per request name from locust's CSV (`loadtest_<name>_*`, `loadtest_all_*` with the logins); the meeting's
requests together (`loadtest_meeting_*`: case review, guidance fragment, decisions) from the locustfile.
Targets (issue 7): no errors, p95 under 500 ms at 25 users (judged on the meeting's requests).
"""

import csv
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

P95_TARGET_MS = 500
COLUMNS = {
    "requests": ("Request Count", "requests"),
    "failures": ("Failure Count", "errors"),
    "throughput": ("Requests/s", "req/s"),
    "p50": ("50%", "ms"),
    "p95": ("95%", "ms"),
    "p99": ("99%", "ms"),
}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def main(stats_path: str, meeting_path: str, out_path: str) -> None:
    figures = {}
    with open(stats_path, newline="") as stats:
        for row in csv.DictReader(stats):
            prefix = "loadtest_all" if row["Name"] == "Aggregated" else f"loadtest_{slug(row['Name'])}"
            for key, (column, unit) in COLUMNS.items():
                value = float(row[column] or 0)
                figures[f"{prefix}_{key}"] = {"value": round(value, 2), "unit": unit}
    meeting = json.loads(Path(meeting_path).read_text())
    for key, (_, unit) in COLUMNS.items():
        figures[f"loadtest_meeting_{key}"] = {"value": round(float(meeting[key]), 2), "unit": unit}
    for name, figure in figures.items():
        print(f"{name} {figure['value']:.2f} {figure['unit']}")
    aggregated_p95 = figures["loadtest_meeting_p95"]["value"]
    errors = figures["loadtest_meeting_failures"]["value"] + figures["loadtest_all_failures"]["value"]
    verdict = "OK" if errors == 0 and aggregated_p95 < P95_TARGET_MS else "TARGET MISSED"
    print(
        f"# target: no errors and p95 < {P95_TARGET_MS} ms: {verdict} ({errors:.0f} errors, p95 {aggregated_p95:.0f} ms)"
    )
    Path(out_path).write_text(
        json.dumps(
            {
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "load_average_after": [round(value, 2) for value in os.getloadavg()],
                "figures": figures,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Load test of a meeting (scripts/loadtest.sh): 25 members read the case review and its guidance panel while
the chair records decisions. Environment: MEETING (public id of a meeting in progress), PATIENTS (the public
ids of its agenda's patients, comma-separated, in agenda order), USER_PREFIX (e.g. load1-), LOAD_PASSWORD.
Users log in while they are started; scripts/loadtest.sh resets the statistics once all have started, so
the figures are those of the meeting.
"""

import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

MEETING = os.environ["MEETING"]
PATIENTS = os.environ["PATIENTS"].split(",")
CASES = len(PATIENTS)
PREFIX = os.environ.get("USER_PREFIX", "load1-")
PASSWORD = os.environ.get("LOAD_PASSWORD", "oligoboard-load")
MEMBER_NUMBERS = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


# The meeting's requests, measured together (logging in is not part of the meeting): written as JSON to
# $LOAD_FIGURES when locust stops, for benchmarks/loadtest_figures.py.
MEETING_REQUESTS = {"case review", "guidance fragment", "case review (chair)", "record decision"}
meeting_times: list[float] = []
meeting_failures = [0]
meeting_span: list[float] = []


@events.request.add_listener
def _measure(name, response_time, exception=None, **kwargs) -> None:
    if name in MEETING_REQUESTS:
        meeting_times.append(response_time)
        meeting_failures[0] += exception is not None
        now = time.monotonic()
        meeting_span[:] = [meeting_span[0] if meeting_span else now, now]


@events.quitting.add_listener
def _write_figures(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_FIGURES")
    if not path or not meeting_times:
        return
    times = sorted(meeting_times)

    def percentile(share: float) -> float:
        return times[min(len(times) - 1, round(share * (len(times) - 1)))]

    seconds = max(meeting_span[1] - meeting_span[0], 1e-9)
    with open(path, "w") as output:
        json.dump(
            {
                "requests": len(times),
                "failures": meeting_failures[0],
                "throughput": len(times) / seconds,
                "p50": percentile(0.50),
                "p95": percentile(0.95),
                "p99": percentile(0.99),
            },
            output,
        )


class Member(HttpUser):
    """Reads the case under discussion and its guidance, as the meeting moves through the agenda."""

    weight = 25
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        self.username = self.username or f"{PREFIX}member-{next(MEMBER_NUMBERS):02d}"
        login(self, self.username)

    @task
    def review_case(self) -> None:
        position = random.randint(1, CASES)
        self.client.get(f"/boards/meetings/{MEETING}/review/{position}/", name="case review")
        self.client.get(
            f"/guidance/patients/{PATIENTS[position - 1]}/", headers={"HX-Request": "true"}, name="guidance fragment"
        )


class Chair(Member):
    """Records (and revises) the board's decision on each case in turn."""

    weight = 1
    fixed_count = 1
    username = f"{PREFIX}chair"
    positions = itertools.cycle(range(1, CASES + 1))

    @task
    def record_decision(self) -> None:
        position = next(self.positions)
        url = f"/boards/meetings/{MEETING}/review/{position}/"
        page = self.client.get(url, name="case review (chair)")
        version = VERSION.search(page.text)
        token = CSRF.search(page.text)
        if not (version and token):
            return
        with self.client.post(
            url,
            name="record decision",
            headers={"HX-Request": "true", "Referer": self.host + url},
            data={
                "csrfmiddlewaretoken": token.group(1),
                "action": "decision",
                "version": version.group(1),
                "category": "surgery",
                "recommendation": f"Resection of the liver lesions (round {version.group(1)}).",
                "consensus": "unanimous",
            },
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "Decision saved" not in response.text:
                response.failure(f"decision not saved ({response.status_code})")


def login(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/", name="login page")
    token = CSRF.search(page.text).group(1)
    with user.client.post(
        "/accounts/login/",
        name="login",
        allow_redirects=False,
        catch_response=True,
        headers={"Referer": user.host + "/accounts/login/"},
        data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
    ) as response:
        if response.status_code != 302:
            response.failure(f"login of {username} failed ({response.status_code})")

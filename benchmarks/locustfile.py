"""Load test of a meeting (scripts/loadtest.sh): 25 members read the case review and its guidance panel while
the chair records decisions. Environment: MEETING (public id of a meeting in progress), CASES (its agenda
length), USER_PREFIX (e.g. load1-), LOAD_PASSWORD.
"""

import itertools
import os
import random
import re

from locust import HttpUser, between, task

MEETING = os.environ["MEETING"]
CASES = int(os.environ.get("CASES", "20"))
PREFIX = os.environ.get("USER_PREFIX", "load1-")
PASSWORD = os.environ.get("LOAD_PASSWORD", "oligoboard-load")
MEMBER_NUMBERS = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
PATIENT = re.compile(r'/guidance/patients/([0-9a-f-]{36})/')


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
        response = self.client.get(f"/boards/meetings/{MEETING}/review/{position}/", name="case review")
        found = PATIENT.search(response.text)
        if found:
            self.client.get(f"/guidance/patients/{found.group(1)}/", headers={"HX-Request": "true"},
                            name="guidance fragment")


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
        with self.client.post(url, name="record decision", headers={"HX-Request": "true", "Referer": self.host + url},
                              data={"csrfmiddlewaretoken": token.group(1), "action": "decision",
                                    "version": version.group(1), "category": "surgery",
                                    "recommendation": f"Resection of the liver lesions (round {version.group(1)}).",
                                    "consensus": "unanimous"},
                              catch_response=True) as response:
            if response.status_code != 200 or "Decision saved" not in response.text:
                response.failure(f"decision not saved ({response.status_code})")


def login(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/", name="login page")
    token = CSRF.search(page.text).group(1)
    with user.client.post("/accounts/login/", name="login", allow_redirects=False, catch_response=True,
                          headers={"Referer": user.host + "/accounts/login/"},
                          data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}) as response:
        if response.status_code != 302:
            response.failure(f"login of {username} failed ({response.status_code})")

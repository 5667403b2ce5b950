"""Patient names and hospital numbers never appear in a URL, a redirect or a log line.

The flows of the patient list (search by name and by number, pages of results, opening a result,
adding a patient, importing a case file, the withdrawn list) are walked as a coordinator and as a
board member, the way a browser would: every URL requested, every link and htmx URL in the pages and
every redirect header is checked. A URL is what ends in browser history, in proxy and access logs
(runserver's django.server and gunicorn's request lines) and in Referer headers; POST bodies are not.
"""

import logging
import re
from html import unescape
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.casefile import case_export_json

pytestmark = pytest.mark.django_db

NAME, MRN = "Secret Patientname", "SECRET0001"
URL_ATTRIBUTES = re.compile(r'\b(?:href|action|hx-get|hx-post|hx-put|hx-patch|hx-delete|hx-push-url|src)="([^"]*)"')
REDIRECT_HEADERS = ("Location", "HX-Redirect", "HX-Location", "HX-Push-Url", "HX-Replace-Url")


def _forms_of(value: str) -> set[str]:
    """The ways a value can appear in a URL: as is, percent- or plus-encoded, lower case."""
    parts = {value, quote(value), quote_plus(value), *value.split()}
    return {part.lower() for part in parts if len(part) >= 5}


class Walker:
    """A browser of sorts: requests pages and records every URL it requested, was shown or sent to."""

    def __init__(self, client):
        self.client = client
        self.urls: list[str] = []

    def get(self, url: str, **kwargs):
        self.urls.append(url)
        return self._seen(self.client.get(url, **kwargs))

    def post(self, url: str, data: dict, **kwargs):
        self.urls.append(url)
        return self._seen(self.client.post(url, data, **kwargs))

    def _seen(self, response):
        for header in REDIRECT_HEADERS:
            if header in response:
                self.urls.append(response[header])
        if response.get("Content-Type", "").startswith("text/html"):
            self.urls += [unescape(url) for url in URL_ATTRIBUTES.findall(response.content.decode())]
        return response

    def links(self) -> list[str]:
        """Same-site GET links seen so far (no external links, no fragments-only)."""
        return sorted({url for url in self.urls if url.startswith("/") and not url.startswith("/static/")})

    def leaks(self) -> list[str]:
        forbidden = _forms_of(NAME) | _forms_of(MRN)
        return [
            url
            for url in self.urls
            if any(value in unquote_plus(url).lower() or value in url.lower() for value in forbidden)
        ]


def _walk_patient_list(walker: Walker, world) -> None:
    list_url = reverse("patients:patient-list")
    walker.get(list_url)
    for query in (NAME, "Patientname", MRN, "secret0"):
        walker.post(list_url, {"action": "search", "q": query})
        walker.post(list_url, {"action": "search", "q": query}, headers={"HX-Request": "true"})
        walker.post(list_url, {"action": "search", "q": query, "page": "2"}, headers={"HX-Request": "true"})
    walker.get(f"{list_url}?withdrawn=1")
    walker.post(f"{list_url}?withdrawn=1", {"action": "search", "q": NAME})
    # Open what the results link to, and what the patient page links to (GET only, as a browser follows).
    for url in walker.links():
        if url.startswith(world.patient.get_absolute_url()) and "/new/" not in url:
            walker.get(url)
    # Add a patient and import a case file: where the browser is sent afterwards.
    walker.post(
        reverse("patients:patient-create"),
        {"mrn": "SECRET0099", "name": "Secret Patientname Two", "birth_date": "1970-01-01", "sex": "F"},
    )
    case_file = SimpleUploadedFile("case.json", case_export_json(world.patient).encode(), "application/json")
    walker.post(
        list_url,
        {"action": "import", "case_file": case_file, "mrn": "SECRET0098", "name": "Secret Patientname Three"},
        headers={"HX-Request": "true"},
    )
    # Refusals too: a taken number, an unknown patient.
    walker.post(reverse("patients:patient-create"), {"mrn": MRN, "name": NAME, "birth_date": "1970-01-01", "sex": "F"})
    walker.get(reverse("patients:patient-detail", args=["00000000-0000-0000-0000-000000000000"]))


@pytest.mark.parametrize("who", ["coordinator", "member"])
def test_patient_list_flows_keep_names_and_hospital_numbers_out_of_every_url(client, world, who):
    client.force_login(getattr(world, who))
    walker = Walker(client)

    _walk_patient_list(walker, world)

    assert len(walker.urls) > 30
    assert world.patient.get_absolute_url() in walker.urls  # the results were opened
    assert walker.leaks() == []


def test_search_results_are_found_by_post_and_not_pushed_into_history(client, world):
    client.force_login(world.member)

    page = client.get(reverse("patients:patient-list")).content.decode()
    results = client.post(
        reverse("patients:patient-list"), {"action": "search", "q": MRN}, headers={"HX-Request": "true"}
    )

    search_form = page[
        page.rindex("<form", 0, page.index('role="search"')) : page.index("</form>", page.index('role="search"'))
    ]
    assert 'method="post"' in search_form and "hx-post=" in search_form and "csrfmiddlewaretoken" in search_form
    assert "hx-get" not in search_form and "hx-push-url" not in page
    assert NAME in results.content.decode()
    assert "HX-Push-Url" not in results


def test_logs_of_the_patient_flows_hold_no_names_or_hospital_numbers(client, world, caplog):
    """Every logger at DEBUG, SQL logging forced on as with DEBUG=true: no patient identifier is logged."""
    client.force_login(world.coordinator)
    caplog.set_level(logging.DEBUG)

    with CaptureQueriesContext(connection) as queries:
        _walk_patient_list(Walker(client), world)

    assert any(MRN in query["sql"] for query in queries.captured_queries)  # SQL did carry them…
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # …and something was logged (the 404, for one)
    assert NAME.lower() not in logged.lower() and MRN.lower() not in logged.lower()
    assert logging.getLogger("django.db.backends").getEffectiveLevel() > logging.DEBUG


def test_walker_would_catch_a_name_in_a_url(client, world):
    """The check itself: a query string with the name, or an encoded one, counts as a leak."""
    walker = Walker(client)
    walker.urls += [f"/patients/?q={quote_plus(NAME)}", "/patients/?q=secret0001", f"/x/{world.patient.public_id}/"]

    assert walker.leaks() == [f"/patients/?q={quote_plus(NAME)}", "/patients/?q=secret0001"]

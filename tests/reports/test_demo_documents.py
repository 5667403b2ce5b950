"""Every printed document of the demo data (loaddemo), read back with pdftotext (issue 5)."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from audit.models import AuditEvent
from boards.models import AgendaItem, AgendaItemStatus, Consensus, DecisionCategory, Meeting
from guidance.engine import DISCLAIMER
from guidance.models import Evaluation
from guidance.services import evaluation_create
from patients.models import Patient
from reports import services
from tests.boards.factories import DecisionFactory
from tests.reports.records import pdf_text

pytestmark = pytest.mark.django_db

DEMO_TODAY = dt.date(2026, 3, 2)
PAGE = re.compile(r"Page (\d+) of (\d+)")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def demo(db):
    call_command("loaddemo", today=DEMO_TODAY, stdout=io.StringIO())
    return {user.username: user for user in get_user_model().objects.all()}


def _cases(text: str) -> list[list[str]]:
    """Split a pack's pages into the cover and one list of pages per case, by each part's page numbers."""
    parts: list[list[str]] = []
    for page in text.split("\f")[:-1]:
        number = PAGE.search(page)
        assert number, "every page is numbered"
        if number.group(1) == "1":
            parts.append([])
        parts[-1].append(page)
    return parts


def test_demo_seed_patient_case_summary(demo):
    patient = Patient.objects.get(mrn="ACC-0001")

    text = pdf_text(services.case_summary_print(patient=patient, meeting=None, by=demo["chair"]))

    words = flat(text)
    pages = text.count("\f")
    assert "Maria Rossi" in words and "ACC-0001" in words
    assert all(label in words for label in ("L1", "L2", "L3", "L4", "L5", "R1", "B1", "B2"))
    # The timeline names therapy lines so that they cannot be read as lesions L1, L2.
    assert "1st line · EDP-M" in words and "L1 EDP-M" not in words
    assert "Chemotherapy: EDP-M" in words
    assert flat(DISCLAIMER) in words
    assert [PAGE.search(page).groups() for page in text.split("\f")[:pages]] == [
        (str(n), str(pages)) for n in range(1, pages + 1)
    ]
    assert pages <= 7


@pytest.mark.parametrize("board", ["Endocrine tumours", "Hepatobiliary"])
def test_demo_meeting_pack_prints_every_agenda_patient_with_guidance(demo, board):
    meeting = Meeting.objects.get(board__name=board)
    items = list(meeting.agenda_items.select_related("patient").exclude(status=AgendaItemStatus.WITHDRAWN))
    # The case review keeps the evaluation shown for each case with its agenda item.
    for item in items:
        if hasattr(item.patient, "primary"):
            item.evaluation = evaluation_create(
                patient=item.patient, by=demo["oncologist"], as_of=DEMO_TODAY, board_inputs={}
            )
            AgendaItem.objects.filter(pk=item.pk).update(evaluation=item.evaluation)

    text = pdf_text(services.meeting_document_print(kind="meeting-pack", meeting=meeting, by=demo["coordinator"]))

    cover, *cases = _cases(text)
    assert "Meeting pack" in cover[0] and board in flat(cover[0])
    assert len(cases) == len(items)
    for item, pages in zip(items, cases, strict=False):
        case = flat(" ".join(pages))
        assert all(item.patient.name in page and item.patient.mrn in page for page in pages)
        assert flat(item.question) in case
        assert flat(DISCLAIMER) in case
        assert "No decision recorded yet." in case
        if item.evaluation is not None:
            assert "The evaluation kept with this case at the meeting" in case
            assert all(finding["code"] in case for finding in item.evaluation.output["findings"])
    assert AuditEvent.objects.filter(action="pdf.printed").count() == meeting.agenda_items.count()


def test_demo_meeting_pack_before_any_review_stores_nothing(demo):
    meeting = Meeting.objects.get(board__name="Endocrine tumours")
    evaluations = Evaluation.objects.count()

    text = flat(pdf_text(services.meeting_document_print(kind="meeting-pack", meeting=meeting, by=demo["coordinator"])))

    assert Evaluation.objects.count() == evaluations
    assert not AuditEvent.objects.filter(action="evaluation.created").exists()
    assert "Evaluated for this printout" in text and "not stored" in text


def test_demo_outcomes_print_decisions_and_sign_off(demo):
    meeting = Meeting.objects.get(board__name="Hepatobiliary")
    items = list(meeting.agenda_items.select_related("patient").order_by("position"))
    first, *others = items
    AgendaItem.objects.filter(pk=first.pk).update(status=AgendaItemStatus.DISCUSSED)
    DecisionFactory(
        agenda_item=first,
        category=DecisionCategory.SURGERY,
        consensus=Consensus.UNANIMOUS,
        recommendation="Two-stage hepatectomy.",
        created_by=demo["chair"],
        signed_by=demo["chair"],
        signed_at=dt.datetime(2026, 3, 5, 17, 30, tzinfo=dt.UTC),
    )

    text = flat(pdf_text(services.meeting_document_print(kind="outcomes", meeting=meeting, by=demo["coordinator"])))

    assert "Outcomes" in text and "Hepatobiliary" in text
    assert f"{first.patient.name} · MRN {first.patient.mrn}" in text
    assert "Two-stage hepatectomy." in text and "Unanimous" in text
    assert "Signed by" in text
    assert all(item.patient.name in text for item in others)
    assert "Page 1 of" in text
    audited = {event.patient_id for event in AuditEvent.objects.filter(action="pdf.printed")}
    assert audited == {item.patient_id for item in items}

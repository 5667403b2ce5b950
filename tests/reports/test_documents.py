"""The printed documents, rendered for realistic records and read back with pdftotext."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from boards.models import AgendaItemStatus, Consensus, DecisionCategory
from guidance.engine import DISCLAIMER
from reports import services
from tests.boards.factories import AgendaItemFactory, DecisionFactory
from tests.factories import PatientFactory
from tests.reports.records import acc_patient, heavy_patient, pdf_text

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    """Join the words of a PDF's text so phrases wrapped across lines still match."""
    return " ".join(text.split())


def test_case_summary_prints_record_guidance_and_disclaimer(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")

    pdf = services.case_summary_print(patient=patient, meeting=None, by=chair)

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    words = flat(text)
    assert "Anna Adrenal" in words
    assert "ACC00001" in words
    assert "L1" in words and "L2" in words
    assert "Mitotane" in words
    assert flat(DISCLAIMER) in words
    assert "ACC 2026.1" in words
    assert "Printed by Chris Chair" in words
    pages = text.count("\f")
    assert f"Page {pages} of {pages}" in text
    assert AuditEvent.objects.filter(action="pdf.printed", patient=patient, user=chair).count() == 1


def test_case_summary_prints_finding_codes_of_the_evaluation(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair)))

    from guidance.models import Evaluation

    evaluation = Evaluation.objects.for_patient(patient).first()
    codes = [finding["code"] for finding in evaluation.output["findings"]]
    assert codes
    assert all(code in text for code in codes)
    assert all(entry["code"] in text for entry in evaluation.output["undetermined"])


def test_case_summary_without_primary_says_why_there_is_no_guidance(chair):
    patient = PatientFactory(name="No Primary", mrn="NOPRIM01")

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair)))

    assert "No Primary" in text
    assert "Record the primary tumour first" in text
    assert flat(DISCLAIMER) in text


def test_case_summary_at_meeting_prints_question_and_decision(held_meeting, chair):
    patient = held_meeting.agenda_items.get(position=1).patient

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=held_meeting, by=chair)))

    assert "Is metastasectomy of L1 and L2 an option?" in text
    assert "Wedge resection of L1 and L2." in text
    assert "Majority, with dissent recorded" in text
    assert "Dr Ray prefers SBRT." in text
    assert "Departs from the guidance: Patient prefers surgery." in text
    assert "Signed by Chris Chair" in text
    assert "Endocrine tumours board" in text


def test_long_course_breaks_across_pages_without_losing_rows(chair):
    patient = heavy_patient()

    text = pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair))

    pages = text.count("\f")
    assert pages >= 3
    labels = {f"H{number:02d}" for number in range(1, 41)}
    assert all(label in text for label in labels)
    assert "FOLFOX cycle 1" in text and "FOLFOX cycle 110" in text
    # The running header names the patient on every page.
    assert all("Heavy Course" in page and "HEAVY0001" in page for page in text.split("\f")[:pages])
    assert all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))


def test_meeting_pack_prints_cover_agenda_and_every_case(meeting, chair, surgeon):
    names = ["Anna Adrenal", "Bruno Lung", "Cleo Liver"]
    for position, name in enumerate(names, start=1):
        AgendaItemFactory(meeting=meeting, position=position, presenter=surgeon,
                          patient=acc_patient(name=name, mrn=f"ACC0000{position}"),
                          question=f"Question about {name}?")
    AgendaItemFactory(meeting=meeting, position=4, status=AgendaItemStatus.WITHDRAWN, status_reason="Died.",
                      patient=acc_patient(name="Dora Withdrawn", mrn="ACC00004"))
    progress = []

    pdf = services.meeting_document_print(
        kind="meeting-pack", meeting=meeting, by=chair,
        progress=lambda stage, done, total: progress.append((stage, done, total)),
    )

    text = pdf_text(pdf)
    pages = text.split("\f")
    words = flat(text)
    assert "Meeting pack" in pages[0]
    assert "Room 4.12" in words
    assert "Cora Coordinator" in words and "Sam Surgeon" in words
    for name in names:
        assert f"Question about {name}?" in words
        # Each case starts on a page whose header names its patient.
        assert any(name in page and "Case summary" in page for page in pages)
    assert "Dora Withdrawn" in flat(pages[0])
    assert not any("Dora Withdrawn" in page and "Case summary" in page for page in pages)
    assert words.count(flat(DISCLAIMER)) == 3
    assert "case 3 of 3" in words
    assert ("Printing", 3, 3) in progress
    assert [done for stage, done, total in progress if stage == "Preparing"] == [1, 2, 3]


def test_meeting_pack_warns_about_readiness(meeting, chair):
    patient = PatientFactory(name="Ernst Incomplete", mrn="INC00001")
    AgendaItemFactory(meeting=meeting, position=1, patient=patient)

    text = flat(pdf_text(services.meeting_document_print(kind="meeting-pack", meeting=meeting, by=chair)))

    assert "Warning: No primary tumour on record." in text


def test_outcomes_print_attendance_quorum_decisions_and_set_aside_cases(held_meeting, chair):
    text = flat(pdf_text(services.meeting_document_print(kind="outcomes", meeting=held_meeting, by=chair)))

    assert "Outcomes" in text
    assert "Chris Chair" in text and "Sam Surgeon" in text
    assert "Quorum at 18:00: not met." in text
    assert "Missing: Surgery, Radiology." in text
    assert "Anna Adrenal" in text
    assert "Wedge resection of L1 and L2." in text
    assert "Signed by Chris Chair" in text
    assert "Bert Deferred" in text and "Awaiting PET-CT." in text
    assert "Carla Withdrawn" in text and "Patient declined discussion." in text
    assert "Endocrine tumours board" in text
    assert "Page 1 of" in text


def test_outcomes_flag_a_case_without_decision(held_meeting, chair):
    AgendaItemFactory(meeting=held_meeting, position=4, status=AgendaItemStatus.DISCUSSED,
                      patient=acc_patient(name="Dan Undecided", mrn="ACC00009"))
    item = held_meeting.agenda_items.get(position=1)
    DecisionFactory(agenda_item=item, amends=item.decisions.get(), category=DecisionCategory.RADIOTHERAPY,
                    recommendation="SBRT of L2 instead.", consensus=Consensus.UNANIMOUS, created_by=chair)

    text = flat(pdf_text(services.meeting_document_print(kind="outcomes", meeting=held_meeting, by=chair)))

    assert "Dan Undecided" in text
    assert "No decision was recorded for this case." in text
    assert "Addendum: SBRT / radiotherapy" in text
    assert "Not signed" in text


def test_meeting_printout_is_audited(held_meeting, chair):
    services.meeting_document_print(kind="outcomes", meeting=held_meeting, by=chair)

    event = AuditEvent.objects.get(action="pdf.printed")
    assert event.user == chair
    assert event.detail == {"kind": "outcomes", "meeting": str(held_meeting.public_id)}
    assert event.target_public_id == str(held_meeting.public_id)


def test_meeting_pack_queries_do_not_grow_with_cases(meeting, chair, django_assert_num_queries):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from guidance.services import evaluation_create
    from reports.documents import meeting_pack_context

    def add_case(position):
        patient = acc_patient(name=f"Patient {position}", mrn=f"QC{position:04d}")
        item = AgendaItemFactory(meeting=meeting, position=position, patient=patient)
        item.evaluation = evaluation_create(patient=patient, by=chair, as_of=dt.date(2024, 5, 14), board_inputs={})
        item.save()
        DecisionFactory(agenda_item=item, created_by=chair)

    def print_pack():
        context = meeting_pack_context(meeting, user=chair, now=timezone.now())
        render_to_string("pdf/meeting_cover.html", {**context, "printed_by": chair})
        for case in context["cases"]:
            render_to_string("pdf/case_summary.html", {**case, "printed_by": chair})

    add_case(1)
    # agenda items + presenter + evaluation + release + evaluator, patients + primary, lesions, measurements,
    # events, treated lesions, ki67, ecog, frailty, comorbidities, labs, decisions, decision lesions,
    # decision authors (unsigned: no signer query), board members
    with django_assert_num_queries(15):
        print_pack()

    for position in range(2, 6):
        add_case(position)
    with django_assert_num_queries(15):
        print_pack()


def test_outcomes_queries_do_not_grow_with_cases(held_meeting, chair, django_assert_num_queries):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from reports.documents import outcomes_context

    def print_outcomes():
        context = outcomes_context(held_meeting, user=chair, now=timezone.now())
        render_to_string("pdf/outcomes.html", {**context, "printed_by": chair})

    # attendances + users, agenda items + patient + presenter + evaluation + release, decisions + authors,
    # decision lesions, follow-ups
    with django_assert_num_queries(5):
        print_outcomes()

    for position in range(4, 9):
        item = AgendaItemFactory(meeting=held_meeting, position=position, status=AgendaItemStatus.DISCUSSED,
                                 patient=acc_patient(name=f"Patient {position}", mrn=f"OQ{position:04d}"))
        DecisionFactory(agenda_item=item, created_by=chair, signed_by=chair, signed_at=timezone.now())
    with django_assert_num_queries(5):
        print_outcomes()

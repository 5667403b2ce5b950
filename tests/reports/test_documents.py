"""The printed documents, rendered for realistic records and read back with pdftotext."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditEvent
from boards.models import AgendaItem, AgendaItemStatus, Consensus, DecisionCategory, Specialty
from guidance.engine import DISCLAIMER
from guidance.models import Evaluation
from guidance.services import evaluation_create
from reports import documents, services
from tests.boards.factories import AgendaItemFactory, AttendanceFactory, DecisionFactory
from tests.factories import MeasurementFactory, PatientFactory, UserFactory
from tests.reports.conftest import MEETING_START
from tests.reports.records import acc_patient, heavy_patient, pdf_text

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2024, 5, 1)


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


def test_case_summary_print_changes_no_clinical_row_and_says_the_guidance_is_not_stored(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair)))

    assert not Evaluation.objects.exists()
    assert not AuditEvent.objects.filter(action="evaluation.created").exists()
    assert "not stored, because no evaluation is stored for this patient" in text
    event = AuditEvent.objects.get(action="pdf.printed", patient=patient, user=chair)
    assert event.detail["guidance"]["evaluation"] is None
    assert event.detail["guidance"]["release"] == "2026.1"
    assert len(event.detail["guidance"]["input_hash"]) == 64


def test_case_summary_prints_the_latest_stored_evaluation_of_an_unchanged_record(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    oncologist = UserFactory(first_name="Olga", last_name="Oncologist")
    stored = evaluation_create(patient=patient, by=oncologist, as_of=AS_OF, board_inputs={})

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair)))

    assert Evaluation.objects.get() == stored
    assert "The latest stored evaluation" in text and "by Olga Oncologist" in text
    assert "the record has not changed since" in text
    assert "Guidance as of 2024-05-01" in text or "Guidance as of: 2024-05-01" in text
    codes = [finding["code"] for finding in stored.output["findings"]]
    assert codes and all(code in text for code in codes)
    assert all(entry["code"] in text for entry in stored.output["undetermined"])
    event = AuditEvent.objects.get(action="pdf.printed")
    assert event.detail["guidance"]["evaluation"] == str(stored.public_id)


def test_case_summary_evaluates_for_the_printout_when_the_record_changed_since(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    evaluation_create(patient=patient, by=chair, as_of=AS_OF, board_inputs={})
    MeasurementFactory(lesion=patient.lesions.get(label="L1"), measured_on=dt.date(2024, 5, 2), size_mm=Decimal("31"))

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair)))

    assert Evaluation.objects.count() == 1
    assert "not stored, because the record has changed since the latest stored evaluation" in text


def test_case_summary_at_a_meeting_prints_the_evaluation_kept_with_the_agenda_item(meeting, chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    item = AgendaItemFactory(meeting=meeting, position=1, patient=patient, question="Resect L1?")
    kept = evaluation_create(patient=patient, by=chair, as_of=AS_OF, board_inputs={"frail": False})
    AgendaItem.objects.filter(pk=item.pk).update(evaluation=kept)
    MeasurementFactory(lesion=patient.lesions.get(label="L1"), measured_on=dt.date(2024, 5, 2), size_mm=Decimal("31"))

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=meeting, by=chair)))

    assert Evaluation.objects.get() == kept
    assert "The evaluation kept with this case at the meeting" in text
    event = AuditEvent.objects.get(action="pdf.printed")
    assert event.detail["guidance"]["evaluation"] == str(kept.public_id)


def test_case_summary_links_no_web_anchor_in_print(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    context = documents.case_summary_context(patient, user=chair, now=timezone.now())

    html = render_to_string("pdf/case_summary.html", {**context, "printed_by": chair})

    assert context["printing"] is True
    assert context["evaluation"].output["undetermined"]
    assert 'href="#id_' not in html
    assert "<form" not in html and "<details" not in html


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


def test_long_course_prints_compactly_without_losing_rows(chair):
    patient = heavy_patient()

    text = pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair))

    pages = text.count("\f")
    words = flat(text)
    # 40 lesions, 110 cycles and 40 CEA results used to take 14 pages.
    assert 3 <= pages <= 8
    assert all(f"H{number:02d}" in text for number in range(1, 41))
    # 110 cycles of three lines print as three courses, with their dates.
    assert "Chemotherapy, 40 cycles: FOLFOX; line 1" in words
    assert "Chemotherapy, 30 cycles: FOLFOX; line 3" in words
    assert "FOLFOX cycle" not in words
    # Every measurement of a lesion in one line, by year: H01 was measured six times in 2015 and 2016.
    assert "2015: 9, 10, 11, 12, 13 · 2016: 14" in words
    # The running header names the patient on every page.
    assert all("Heavy Course" in page and "HEAVY0001" in page for page in text.split("\f")[:pages])
    assert all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))


def test_case_summary_events_name_treated_lesions_inside_the_page(chair):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    lesion = patient.lesions.get(label="L1")
    event = patient.events.get(type="metastatic_diagnosis")
    event.type, event.started_on = "metastasectomy", dt.date(2021, 4, 1)
    event.save()
    event.lesions.set([lesion])

    text = flat(pdf_text(services.case_summary_print(patient=patient, meeting=None, by=chair)))

    assert "2021-04-01 · Metastasectomy. Lesions treated: L1" in text


def test_modality_groups_put_lesions_with_the_same_options_in_one_row():
    cell = {"rating": "option", "reasons": ["Resectable."]}
    other = {"rating": "not_applicable", "reasons": ["Not used at this organ."]}
    evaluation = Evaluation(
        output={
            "lesion_modalities": {
                "L1": {"surgery": cell, "sbrt": other},
                "L2": {"surgery": cell, "sbrt": other},
                "L3": {"surgery": other, "sbrt": other},
            }
        }
    )

    groups = documents.modality_groups(evaluation)

    assert [row["lesions"] for row in groups["rows"]] == [["L1", "L2"], ["L3"]]
    assert groups["notes"] == ["Resectable.", "Not used at this organ."]
    surgery = groups["modalities"].index("Surgery")
    assert groups["rows"][0]["cells"][surgery]["notes"] == [1]
    assert groups["rows"][1]["cells"][surgery]["notes"] == [2]


def test_meeting_pack_prints_cover_agenda_and_every_case(meeting, chair, surgeon):
    names = ["Anna Adrenal", "Bruno Lung", "Cleo Liver"]
    for position, name in enumerate(names, start=1):
        AgendaItemFactory(
            meeting=meeting,
            position=position,
            presenter=surgeon,
            patient=acc_patient(name=name, mrn=f"ACC0000{position}"),
            question=f"Question about {name}?",
        )
    AgendaItemFactory(
        meeting=meeting,
        position=4,
        status=AgendaItemStatus.WITHDRAWN,
        status_reason="Died.",
        patient=acc_patient(name="Dora Withdrawn", mrn="ACC00004"),
    )
    progress = []

    pdf = services.meeting_document_print(
        kind="meeting-pack",
        meeting=meeting,
        by=chair,
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
    assert not Evaluation.objects.exists()


def test_meeting_pack_print_is_audited_once_per_patient_it_names(meeting, chair):
    patients = [acc_patient(name=f"Patient {n}", mrn=f"AUD0000{n}") for n in range(1, 4)]
    for position, patient in enumerate(patients, start=1):
        AgendaItemFactory(meeting=meeting, position=position, patient=patient)
    AgendaItem.objects.filter(patient=patients[2]).update(status=AgendaItemStatus.WITHDRAWN)

    services.meeting_document_print(kind="meeting-pack", meeting=meeting, by=chair)

    events = AuditEvent.objects.filter(action="pdf.printed")
    assert sorted(event.patient.mrn for event in events) == ["AUD00001", "AUD00002", "AUD00003"]
    assert all(event.user == chair and event.detail["kind"] == "meeting-pack" for event in events)
    assert AuditEvent.objects.for_patient(patients[0]).filter(action="pdf.printed").count() == 1


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


def test_outcomes_leave_out_an_attendance_entry_withdrawn_as_erroneous(held_meeting, chair, coordinator):
    wrong = UserFactory(username="wrongly", first_name="Wanda", last_name="Wrongly")
    AttendanceFactory(
        meeting=held_meeting,
        user=wrong,
        specialty=Specialty.RADIOLOGY,
        arrived_at=MEETING_START,
        withdrawn_at=MEETING_START + dt.timedelta(minutes=5),
        withdrawn_by=coordinator,
        withdrawn_reason="Recorded for the wrong meeting.",
    )

    text = flat(pdf_text(services.meeting_document_print(kind="outcomes", meeting=held_meeting, by=chair)))

    assert "Sam Surgeon" in text
    assert "Wanda Wrongly" not in text
    assert "Missing: Surgery, Radiology." in text


def test_outcomes_flag_a_case_without_decision(held_meeting, chair):
    AgendaItemFactory(
        meeting=held_meeting,
        position=4,
        status=AgendaItemStatus.DISCUSSED,
        patient=acc_patient(name="Dan Undecided", mrn="ACC00009"),
    )
    item = held_meeting.agenda_items.get(position=1)
    DecisionFactory(
        agenda_item=item,
        amends=item.decisions.get(),
        category=DecisionCategory.RADIOTHERAPY,
        recommendation="SBRT of L2 instead.",
        consensus=Consensus.UNANIMOUS,
        created_by=chair,
    )

    text = flat(pdf_text(services.meeting_document_print(kind="outcomes", meeting=held_meeting, by=chair)))

    assert "Dan Undecided" in text
    assert "No decision was recorded for this case." in text
    assert "Addendum: SBRT / radiotherapy" in text
    assert "Not signed" in text


def test_outcomes_print_is_audited_once_per_patient(held_meeting, chair):
    services.meeting_document_print(kind="outcomes", meeting=held_meeting, by=chair)

    events = AuditEvent.objects.filter(action="pdf.printed").select_related("patient")
    assert sorted(event.patient.mrn for event in events) == ["ACC00001", "ACC00002", "ACC00003"]
    assert all(event.user == chair for event in events)
    assert all(event.detail == {"kind": "outcomes", "meeting": str(held_meeting.public_id)} for event in events)
    assert all(event.target_public_id == str(held_meeting.public_id) for event in events)


def test_meeting_pack_queries_do_not_grow_with_cases(meeting, chair, django_assert_num_queries):
    def add_case(position):
        patient = acc_patient(name=f"Patient {position}", mrn=f"QC{position:04d}")
        item = AgendaItemFactory(meeting=meeting, position=position, patient=patient)
        item.evaluation = evaluation_create(patient=patient, by=chair, as_of=dt.date(2024, 5, 14), board_inputs={})
        item.save()
        DecisionFactory(agenda_item=item, created_by=chair)

    def print_pack():
        context = documents.meeting_pack_context(meeting, user=chair, now=timezone.now())
        render_to_string("pdf/meeting_cover.html", {**context, "printed_by": chair})
        for case in context["cases"]:
            render_to_string("pdf/case_summary.html", {**case, "printed_by": chair})

    add_case(1)
    # agenda items + presenter + evaluation + release + evaluator + patients + primary, lesions, measurements,
    # events (with their treated lesions' ids), ki67, ecog, frailty, comorbidities, labs, decisions, decision
    # lesions, decision authors (unsigned: no signer query), board members
    with django_assert_num_queries(13):
        print_pack()

    for position in range(2, 6):
        add_case(position)
    with django_assert_num_queries(13):
        print_pack()


def test_meeting_pack_without_kept_evaluations_reads_the_case_file_once_per_case(
    meeting, chair, django_assert_max_num_queries
):
    """Before the meeting no evaluation is kept with the cases: each case's latest evaluation is looked up (its
    case file comes from the record already loaded); the published release is read once per disease."""
    for position in range(1, 4):
        AgendaItemFactory(
            meeting=meeting, position=position, patient=acc_patient(name=f"P{position}", mrn=f"N{position:04d}")
        )

    with django_assert_max_num_queries(13 + 3 * 1 + 3):
        documents.meeting_pack_context(meeting, user=chair, now=timezone.now())


def test_outcomes_queries_do_not_grow_with_cases(held_meeting, chair, django_assert_num_queries):
    def print_outcomes():
        context = documents.outcomes_context(held_meeting, user=chair, now=timezone.now())
        render_to_string("pdf/outcomes.html", {**context, "printed_by": chair})

    # attendances + users, agenda items + patient + presenter + evaluation + release, decisions + authors,
    # decision lesions, follow-ups
    with django_assert_num_queries(5):
        print_outcomes()

    for position in range(4, 9):
        item = AgendaItemFactory(
            meeting=held_meeting,
            position=position,
            status=AgendaItemStatus.DISCUSSED,
            patient=acc_patient(name=f"Patient {position}", mrn=f"OQ{position:04d}"),
        )
        DecisionFactory(agenda_item=item, created_by=chair, signed_by=chair, signed_at=timezone.now())
    with django_assert_num_queries(5):
        print_outcomes()


@pytest.mark.parametrize("patient_of", [lambda: acc_patient(name="Anna Adrenal", mrn="ACC00001"), heavy_patient])
def test_case_summary_queries_do_not_grow_with_the_record(chair, patient_of, django_assert_num_queries):
    patient = patient_of()

    # patient + primary, lesions, measurements, events (with their treated lesions' ids), ki67, ecog, frailty,
    # comorbidities, labs (for_record), from which the case file is built; the published release with
    # parameters and rules; the latest evaluation
    with django_assert_num_queries(13):
        context = documents.case_summary_context(patient, user=chair, now=timezone.now())
        render_to_string("pdf/case_summary.html", {**context, "printed_by": chair})

"""python manage.py export_pdf: files for scripts and checks, clear errors for bad identifiers."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.management.commands.export_pdf import Command as ExportPdfCommand
from tests.boards.factories import AgendaItemFactory
from tests.reports.records import acc_patient, pdf_text

pytestmark = pytest.mark.django_db


def test_export_pdf_case_writes_the_case_summary(tmp_path, chair):
    acc_patient(name="Anna Adrenal", mrn="ACC00001")
    output = tmp_path / "case.pdf"

    call_command("export_pdf", "case", "ACC00001", "-o", str(output), "--user", "chair")

    assert "Anna Adrenal" in pdf_text(output.read_bytes())


def test_export_pdf_case_at_a_meeting(tmp_path, chair, meeting):
    patient = acc_patient(name="Anna Adrenal", mrn="ACC00001")
    AgendaItemFactory(meeting=meeting, patient=patient, position=1, question="Resect L1?")
    output = tmp_path / "case.pdf"

    call_command(
        "export_pdf", "case", "ACC00001", "-o", str(output), "--meeting", str(meeting.public_id), "--user", "chair"
    )

    assert "Resect L1?" in pdf_text(output.read_bytes())


@pytest.mark.parametrize("document", ["meeting-pack", "outcomes"])
def test_export_pdf_meeting_documents(tmp_path, chair, held_meeting, document):
    output = tmp_path / f"{document}.pdf"

    call_command("export_pdf", document, str(held_meeting.public_id), "-o", str(output), "--user", "chair")

    assert "Anna Adrenal" in pdf_text(output.read_bytes())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["case", "NOPE", "-o", "{out}"], "No patient with the MRN 'NOPE'."),
        (["meeting-pack", "not-a-uuid", "-o", "{out}"], "No meeting with the public id 'not-a-uuid'."),
        (["outcomes", str(uuid.UUID(int=7)), "-o", "{out}"], "No meeting with the public id"),
        (["case", "ACC00001", "-o", "{out}", "--meeting", "zzz"], "No meeting with the public id 'zzz'."),
        (["case", "ACC00001", "-o", "{out}", "--user", "ghost"], "No user 'ghost'."),
        (["case", "ACC00001", "-o", "/no/such/folder/x.pdf"], "does not exist"),
    ],
)
def test_export_pdf_refuses_bad_arguments(tmp_path, chair, arguments, message):
    acc_patient(name="Anna Adrenal", mrn="ACC00001")
    output = tmp_path / "x.pdf"
    arguments = [argument.replace("{out}", str(output)) for argument in arguments]
    if "--user" not in arguments:
        arguments += ["--user", "chair"]

    with pytest.raises(CommandError, match=message):
        call_command("export_pdf", *arguments)

    assert not output.exists()


def test_export_pdf_exits_non_zero_with_the_reason(tmp_path, chair, capsys):
    command = ExportPdfCommand()

    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(
            ["manage.py", "export_pdf", "case", "NOPE", "-o", str(tmp_path / "x.pdf"), "--user", "chair"]
        )

    assert exit_info.value.code == 1
    assert "No patient with the MRN 'NOPE'." in capsys.readouterr().err

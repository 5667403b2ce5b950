"""Print a case summary, meeting pack or outcomes to a file, for scripts and checks."""

from pathlib import Path
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from boards.models import Meeting
from patients.models import Patient
from reports import services


def _meeting(public_id: str) -> Meeting:
    try:
        return Meeting.objects.select_related("board").get(public_id=UUID(public_id))
    except (ValueError, Meeting.DoesNotExist):
        raise CommandError(f"No meeting with the public id {public_id!r}.") from None


class Command(BaseCommand):
    help = (
        "Print a document to a PDF file: `case MRN -o FILE [--meeting ID]`, `meeting-pack ID -o FILE` or "
        "`outcomes ID -o FILE` (ID is the meeting's public id). Printed as --user (default: the first superuser)."
    )

    def add_arguments(self, parser):
        parser.add_argument("document", choices=["case", "meeting-pack", "outcomes"])
        parser.add_argument("identifier", help="the patient's MRN (case) or the meeting's public id")
        parser.add_argument("-o", "--output", required=True, help="PDF file to write")
        parser.add_argument("--meeting", help="for a case: the meeting (public id) whose agenda item to print")
        parser.add_argument("--user", help="username printed in the footer and the audit trail")

    def handle(self, *args, document, identifier, output, meeting=None, user=None, **options):
        by = self._user(user)
        output_path = Path(output)
        if not output_path.parent.is_dir():
            raise CommandError(f"The folder of {output} does not exist.")
        if document == "case":
            try:
                patient = Patient.objects.current().get(mrn=identifier)
            except Patient.DoesNotExist:
                raise CommandError(f"No patient with the MRN {identifier!r}.") from None
            pdf = services.case_summary_print(patient=patient, meeting=_meeting(meeting) if meeting else None, by=by)
        else:
            if meeting:
                raise CommandError("--meeting applies to a case summary only.")
            pdf = services.meeting_document_print(kind=document, meeting=_meeting(identifier), by=by)
        output_path.write_bytes(pdf)
        self.stdout.write(f"Wrote {output} ({len(pdf) // 1024} KiB).")

    def _user(self, username: str | None):
        users = get_user_model().objects
        if username:
            try:
                return users.get(username=username)
            except users.model.DoesNotExist:
                raise CommandError(f"No user {username!r}.") from None
        superuser = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if superuser is None:
            raise CommandError("No superuser exists; name the printing user with --user.")
        return superuser

"""`manage.py import_case FILE --mrn MRN [--name NAME] [--user USERNAME]`: create a patient from a case file."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditEvent
from patients.casefile import MAX_CASE_FILE_BYTES, CaseFileError, case_import, parse_case_file, system_user


class Command(BaseCommand):
    help = "Create a patient from a case file (oligoboard-case/1). Refuses the whole file if any value is bad."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the case file (JSON)")
        parser.add_argument("--mrn", required=True, help="hospital number of the new patient")
        parser.add_argument("--name", help='patient name (default "Case <MRN>")')
        parser.add_argument("--user", help='username of the acting user (default: the inactive "system" user)')

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        by = self._acting_user(options["user"])
        try:
            with path.open("rb") as case_file:
                # One byte over the limit is enough for parse_case_file to refuse an oversized file.
                case = parse_case_file(case_file.read(MAX_CASE_FILE_BYTES + 1))
            # Whoever runs commands has the database anyway: a taken hospital number is said plainly.
            patient = case_import(case=case, mrn=options["mrn"], name=options["name"], by=by, disclose=True)
        except CaseFileError as error:
            # Refusals are audited too; the detail holds only paths and messages, no identifiers.
            AuditEvent.record(
                by=by,
                action="patient.case_import_refused",
                outcome=AuditEvent.REFUSED,
                detail={"errors": error.errors[:50], "error_count": len(error.errors)},
            )
            self.stderr.write("\n".join(error.errors))
            raise CommandError(f"{path}: refused, nothing was imported ({len(error.errors)} error(s))") from None
        self.stdout.write(str(patient.public_id))

    def _acting_user(self, username: str | None):
        if username is None:
            return system_user()
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--user: no user named {username!r}") from None

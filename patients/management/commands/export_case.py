"""`manage.py export_case MRN [--user USERNAME]`: print a patient's case file."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditEvent
from patients.casefile import case_export_json, system_user
from patients.models import Patient


class Command(BaseCommand):
    help = "Print a patient's current record as a case file (oligoboard-case/1) on standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mrn", help="hospital number of the patient")
        parser.add_argument("--user", help='username of the acting user (default: the inactive "system" user)')

    def handle(self, *args, **options) -> None:
        try:
            patient = Patient.objects.get(mrn=options["mrn"])
        except Patient.DoesNotExist:
            raise CommandError(f"No patient with hospital number {options['mrn']!r}.") from None
        if options["user"] is None:
            by = system_user()
        else:
            try:
                by = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"--user: no user named {options['user']!r}") from None
        text = case_export_json(patient)
        AuditEvent.record(by=by, action="patient.case_exported", target=patient, patient=patient)
        self.stdout.write(text, ending="")

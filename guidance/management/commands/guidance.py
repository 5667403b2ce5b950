"""`manage.py guidance evaluate FILE` prints one evaluation as JSON; `manage.py guidance releases` lists releases."""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from guidance import services
from guidance.models import GuidelineRelease
from guidance.record import BOARD_INPUT_NAMES
from patients.casefile import CaseFileError, parse_case_file


def _as_of(text: str | None) -> date:
    if text is None:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD).") from None


def _board_inputs(text: str | None) -> dict:
    if text is None:
        return {}
    try:
        board_inputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"--board-inputs: not valid JSON ({error.msg} at column {error.colno}).") from None
    if not isinstance(board_inputs, dict):
        raise CommandError('--board-inputs: must be a JSON object, e.g. \'{"resectability": "upfront_resectable"}\'.')
    unknown = sorted(set(board_inputs) - set(BOARD_INPUT_NAMES))
    if unknown:
        raise CommandError(
            f"--board-inputs: unknown key(s) {', '.join(unknown)}; known: {', '.join(BOARD_INPUT_NAMES)}."
        )
    return board_inputs


class Command(BaseCommand):
    help = "Evaluate a case file with a guideline release, or list the guideline releases."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{evaluate,releases}")
        evaluate = actions.add_parser("evaluate", help="Print the evaluation of a case file as JSON.")
        evaluate.add_argument("file", help="A case file (oligoboard-case/1 JSON)")
        evaluate.add_argument("--as-of", help="Evaluate as of this date (YYYY-MM-DD); default today")
        evaluate.add_argument("--board-inputs", help="Board inputs as a JSON object")
        evaluate.add_argument("--release", help="Release version; default the published one of the file's disease")
        actions.add_parser("releases", help="List guideline releases.")

    def handle(self, *args, action: str, **options):
        if action == "evaluate":
            self.evaluate(options["file"], options["as_of"], options["board_inputs"], options["release"])
        else:
            self.releases()

    def evaluate(self, path: str, as_of_text: str | None, board_inputs_text: str | None, version: str | None) -> None:
        as_of = _as_of(as_of_text)
        board_inputs = _board_inputs(board_inputs_text)
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read the file ({error.strerror}).") from None
        try:
            case = parse_case_file(raw)
        except CaseFileError as error:
            raise CommandError(f"{path} is not a valid case file:\n" + "\n".join(error.errors)) from None
        if not case.get("primary"):
            raise CommandError(f"{path}: primary: is required to choose the disease's guideline release.")
        disease = case["primary"]["disease"]
        try:
            release = services.release_by_version(disease, version) if version else services.release_current(disease)
        except GuidelineRelease.DoesNotExist:
            known = ", ".join(GuidelineRelease.objects.filter(disease=disease).values_list("version", flat=True))
            raise CommandError(f"--release: no {disease} release {version!r} (known: {known or 'none'}).") from None
        except services.NoPublishedRelease as error:
            raise CommandError(str(error)) from None
        try:
            output = services.release_evaluate(release, case, as_of=as_of, board_inputs=board_inputs)
        except services.EvaluationFailed as error:
            raise CommandError(str(error)) from None
        except ValueError as error:
            raise CommandError(f"--board-inputs: {error}") from None
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))

    def releases(self) -> None:
        self.stdout.write(f"{'disease':8}{'version':10}{'status':11}{'effective':12}{'rules':>6}{'parameters':>12}")
        for release in GuidelineRelease.objects.for_list():
            effective = release.effective_on.isoformat() if release.effective_on else "-"
            self.stdout.write(
                f"{release.disease:8}{release.version:10}{release.status:11}{effective:12}"
                f"{release.rule_count:>6}{release.parameter_count:>12}"
            )

"""Guideline releases (clone, publish, dry run) and evaluations. Every write is audited."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import JSONField, OuterRef, Subquery
from django.utils import timezone

from audit.models import AuditEvent
from guidance import engine, facts, labels
from guidance.conditions import CONDITION_NAMES, ConditionError, check_names, compile_condition
from guidance.engine import RuleSpec
from guidance.models import Evaluation, GuidelineRelease, Parameter, ReleaseStatus, Rule
from guidance.parameters import ParameterError
from guidance.record import normalise_board_inputs
from patients.models import Patient

EDIT_PERMISSIONS = ("guidance.change_guidelinerelease", "guidance.add_guidelinerelease")
PUBLISH_PERMISSION = "guidance.publish_guidelinerelease"


class NoPublishedRelease(Exception):
    """No published guideline release exists for a disease."""


class EvaluationFailed(Exception):
    """The engine could not evaluate a record under a release (e.g. a parameter missing from a draft)."""


def check_can_edit_releases(by: AbstractBaseUser) -> None:
    if not by.has_perms(EDIT_PERMISSIONS):
        raise PermissionDenied("Only guideline editors may change guideline releases.")


def check_can_publish(by: AbstractBaseUser) -> None:
    if not by.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("Only guideline editors may publish guideline releases.")


# Releases


def release_current(disease: str, *, with_rules: bool = True) -> GuidelineRelease:
    """Return the published release of a disease, with its parameters and rules loaded unless with_rules=False.

    Without them it is one query; its parameters and rules are then read only if it is evaluated.
    """
    releases = GuidelineRelease.objects.for_evaluation() if with_rules else GuidelineRelease.objects.all()
    try:
        return releases.get(disease=disease, status=ReleaseStatus.PUBLISHED)
    except GuidelineRelease.DoesNotExist:
        raise NoPublishedRelease(f"No published guideline release for {disease!r}.") from None


def release_by_version(disease: str, version: str) -> GuidelineRelease:
    """Return a disease's release by version, with its parameters and rules loaded."""
    return GuidelineRelease.objects.for_evaluation().get(disease=disease, version=version)


def condition_errors(condition: str, *, parameter_names: Iterable[str] = ()) -> list[str]:
    """Return what is wrong with a rule condition (syntax, unknown names with suggestions); empty when valid."""
    try:
        compile_condition(condition)
    except ConditionError as error:
        return [str(error)]
    return list(check_names(condition, set(CONDITION_NAMES) | set(parameter_names)))


def release_problems(release: GuidelineRelease) -> list[str]:
    """Return what keeps a release from being published or evaluated (empty when nothing does).

    Missing engine parameters, parameter values outside their kind, missing rules the engine needs
    (engine.release_gaps), rules of another disease, and invalid rule conditions.
    """
    parameters, rules = release_engine_inputs(release)
    parameter_names = list(parameters)
    problems = engine.release_gaps(release.disease, parameters, rules)
    problems += [
        f"{rule.code}: its scope {rule.disease} does not apply to {release.get_disease_display()}."
        for rule in rules
        if rule.disease not in ("general", release.disease)
    ]
    for rule in release.rules.all():
        problems += [
            f"{rule.code}: {error}" for error in condition_errors(rule.condition, parameter_names=parameter_names)
        ]
    return problems


@transaction.atomic
def release_clone(*, release: GuidelineRelease, version: str, by: AbstractBaseUser, request=None) -> GuidelineRelease:
    """Copy a release with its parameters and rules into a new draft of the same disease."""
    check_can_edit_releases(by)
    version = version.strip()
    if not version:
        raise ValidationError({"version": "Give the new release a version, e.g. 2026.2."})
    if GuidelineRelease.objects.filter(disease=release.disease, version=version).exists():
        raise ValidationError({"version": f"Version {version} already exists for this disease."})
    draft = GuidelineRelease.objects.create(
        disease=release.disease,
        version=version,
        cloned_from=release,
        created_by=by,
        change_note=f"Cloned from {release.version}.",
    )
    Parameter.objects.bulk_create(
        Parameter(release=draft, name=p.name, value=p.value, unit=p.unit, source=p.source, note=p.note)
        for p in release.parameters.all()
    )
    Rule.objects.bulk_create(
        Rule(
            release=draft,
            code=r.code,
            scope=r.scope,
            category=r.category,
            order=r.order,
            condition=r.condition,
            text=r.text,
            evidence=r.evidence,
            source=r.source,
        )
        for r in release.rules.all()
    )
    AuditEvent.record(
        by=by,
        action="guidelinerelease.cloned",
        target=draft,
        request=request,
        detail={"from": release.version, "version": version, "disease": release.disease},
    )
    return draft


@transaction.atomic
def release_publish(*, release: GuidelineRelease, by: AbstractBaseUser, request=None) -> GuidelineRelease:
    """Publish a draft release; the disease's previously published release is retired."""
    check_can_publish(by)
    release = GuidelineRelease.objects.select_for_update().get(pk=release.pk)
    if release.status != ReleaseStatus.DRAFT:
        raise ValidationError(f"Release {release.version} is {release.status}; only a draft can be published.")
    problems = release_problems(release)
    if problems:
        raise ValidationError(["Fix these problems before publishing."] + problems)
    if not release.rules.exists():
        raise ValidationError("A release without rules cannot be published.")
    now = timezone.now()
    retired = list(
        GuidelineRelease.objects.select_for_update().filter(disease=release.disease, status=ReleaseStatus.PUBLISHED)
    )
    for previous in retired:
        previous.status = ReleaseStatus.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
    release.status = ReleaseStatus.PUBLISHED
    release.published_at = now
    release.published_by = by
    if release.effective_on is None:
        release.effective_on = timezone.localdate()
    release.save()
    AuditEvent.record(
        by=by,
        action="guidelinerelease.published",
        target=release,
        request=request,
        detail={"version": release.version, "disease": release.disease, "retired": [r.version for r in retired]},
    )
    return release


def release_engine_inputs(release: GuidelineRelease) -> tuple[dict[str, int | float], list[RuleSpec]]:
    """Return a release's parameters and rules in the engine's terms."""
    parameters = {parameter.name: parameter.number for parameter in release.parameters.all()}
    rules = [
        RuleSpec(
            code=rule.code,
            disease=rule.scope,
            category=rule.category,
            order=rule.order,
            condition=rule.condition,
            text=rule.text,
            evidence=rule.evidence,
            source=rule.source,
        )
        for rule in release.rules.all()
    ]
    return parameters, rules


def release_evaluate(release: GuidelineRelease, case: dict, *, as_of: date, board_inputs: Mapping) -> dict:
    """Return the engine's output for a case-file dict under a release (nothing is stored)."""
    parameters, rules = release_engine_inputs(release)
    try:
        return engine.evaluate(
            facts.record_for(case),
            board_inputs=normalise_board_inputs(board_inputs),
            parameters=parameters,
            rules=rules,
            as_of=as_of,
            ruleset_version=release.version,
        )
    except engine.IncompleteRelease as error:
        raise EvaluationFailed(f"Release {release.version} is incomplete: {error}") from None
    except (ConditionError, ParameterError) as error:
        raise EvaluationFailed(f"Release {release.version} cannot be evaluated: {error}") from None


@dataclass(frozen=True)
class Change:
    """One difference between the published release's output and the draft's, for one patient."""

    area: str  # verdict, OMD state, score, finding, undetermined, modality
    item: str  # e.g. "fong_crs_range", "ACC-CLS-04", "S7 thermal ablation"
    kind: str  # added, removed, changed
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class DryRunResult:
    """How one patient's guidance would change if a draft replaced the published release."""

    patient: Patient
    board_inputs: dict = field(default_factory=dict)
    board_inputs_from: str = ""  # "the latest evaluation", "none stored", "given for the dry run"
    changes: list[Change] = field(default_factory=list)
    findings_added: list[dict] = field(default_factory=list)
    findings_removed: list[dict] = field(default_factory=list)
    undetermined_added: list[dict] = field(default_factory=list)
    undetermined_removed: list[dict] = field(default_factory=list)
    omd_before: str = ""
    omd_after: str = ""
    problem: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def changes_in(self, area: str) -> list[Change]:
        return [change for change in self.changes if change.area == area]

    @property
    def board_inputs_label(self) -> str:
        """The board inputs used, e.g. "Resectability: upfront resectable; All sites safely treatable: yes"."""
        stated = [
            f"{labels.fact_label('board_inputs.' + name)}: {labels.format_value('board_inputs.' + name, value)}"
            for name, value in self.board_inputs.items()
            if value is not None
        ]
        return "; ".join(stated) or "none stated"


def _by_code(entries: list[dict]) -> dict[str, dict]:
    return {entry["code"]: entry for entry in entries}


def _shown(value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(item) for item in value) if value else "none"
    return str(value)


def _flat(value, prefix: str = "") -> dict[str, object]:
    """A nested dict as dotted keys: {"vigano": {"factor_count": 1}} -> {"vigano.factor_count": 1}."""
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, object] = {}
    for key, item in value.items():
        flat.update(_flat(item, f"{prefix}.{key}" if prefix else key))
    return flat


def _value_changes(area: str, before: dict, after: dict) -> list[Change]:
    old, new = _flat(before), _flat(after)
    return [
        Change(area, key, "changed", _shown(old.get(key)), _shown(new.get(key)))
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def _entry_changes(area: str, before: list[dict], after: list[dict], fields: tuple[str, ...]) -> list[Change]:
    old, new = _by_code(before), _by_code(after)
    changes = []
    for code, entry in new.items():
        if code not in old:
            changes.append(Change(area, code, "added", "", _describe(entry, fields)))
    for code, entry in old.items():
        if code not in new:
            changes.append(Change(area, code, "removed", _describe(entry, fields), ""))
    for code in (code for code in new if code in old):
        for name in fields:
            if old[code].get(name) != new[code].get(name):
                changes.append(
                    Change(area, f"{code} {name}", "changed", _shown(old[code].get(name)), _shown(new[code].get(name)))
                )
    return changes


def _describe(entry: dict, fields: tuple[str, ...]) -> str:
    if "missing" in fields:
        return "missing: " + _shown(entry.get("missing"))
    return entry.get("text", "")


def _modality_changes(before: dict, after: dict) -> list[Change]:
    changes = []
    for lesion in sorted(set(before) | set(after)):
        old, new = before.get(lesion) or {}, after.get(lesion) or {}
        for modality in sorted(set(old) | set(new)):
            was, now = old.get(modality) or {}, new.get(modality) or {}
            item = f"{lesion} {modality.replace('_', ' ')}"
            if was.get("rating") != now.get("rating"):
                changes.append(
                    Change("modality", item, "changed", _shown(was.get("rating")), _shown(now.get("rating")))
                )
            elif was.get("reasons") != now.get("reasons"):
                changes.append(
                    Change(
                        "modality",
                        f"{item} reasons",
                        "changed",
                        " ".join(was.get("reasons") or []),
                        " ".join(now.get("reasons") or []),
                    )
                )
    return changes


def _compare(
    patient: Patient, before: dict, after: dict, *, board_inputs: dict, board_inputs_from: str
) -> DryRunResult:
    """Every difference between two outputs for one patient: verdict, OMD state, scores, findings, undetermined, modalities."""
    changes = []
    if before["is_oligometastatic"] != after["is_oligometastatic"]:
        changes.append(
            Change(
                "verdict", "is_oligometastatic", "changed", before["is_oligometastatic"], after["is_oligometastatic"]
            )
        )
    changes += _value_changes("OMD state", before["omd_state"], after["omd_state"])
    changes += _value_changes("score", before["scores"], after["scores"])
    changes += _entry_changes(
        "finding", before["findings"], after["findings"], ("text", "evidence", "source", "category")
    )
    changes += _entry_changes("undetermined", before["undetermined"], after["undetermined"], ("missing",))
    changes += _modality_changes(before["lesion_modalities"], after["lesion_modalities"])
    findings_before, findings_after = _by_code(before["findings"]), _by_code(after["findings"])
    undetermined_before, undetermined_after = _by_code(before["undetermined"]), _by_code(after["undetermined"])
    return DryRunResult(
        patient=patient,
        board_inputs=board_inputs,
        board_inputs_from=board_inputs_from,
        changes=changes,
        findings_added=[f for code, f in findings_after.items() if code not in findings_before],
        findings_removed=[f for code, f in findings_before.items() if code not in findings_after],
        undetermined_added=[u for code, u in undetermined_after.items() if code not in undetermined_before],
        undetermined_removed=[u for code, u in undetermined_before.items() if code not in undetermined_after],
        omd_before=before["is_oligometastatic"],
        omd_after=after["is_oligometastatic"],
    )


def _latest_board_inputs(patients: list[Patient]) -> dict[int, dict | None]:
    """Each patient's board inputs of their latest stored evaluation (None without one), in one query."""
    latest = Evaluation.objects.filter(patient=OuterRef("pk")).order_by("-created_at", "-id").values("board_inputs")[:1]
    rows = (
        Patient.objects.filter(pk__in=[patient.pk for patient in patients])
        .annotate(latest_board_inputs=Subquery(latest, output_field=JSONField()))
        .values_list("pk", "latest_board_inputs")
    )
    return dict(rows)


@transaction.atomic
def release_dry_run(
    *,
    draft: GuidelineRelease,
    patients: Iterable[Patient],
    as_of: date,
    by: AbstractBaseUser,
    board_inputs: Mapping | None = None,
    request=None,
) -> list[DryRunResult]:
    """Return, per patient, how the draft's output differs from the published release's (no evaluation is stored).

    Each patient is evaluated with the board inputs of their latest stored evaluation, or, when
    `board_inputs` is given, with those for every patient. The dry run reads patient records, so it is
    audited: one row per patient evaluated, naming the editor, the draft and the board inputs' origin.
    """
    check_can_edit_releases(by)
    patients = sorted(patients, key=lambda patient: (patient.name, patient.mrn))
    visible = set(Patient.objects.visible_to(by).filter(pk__in=[p.pk for p in patients]).values_list("pk", flat=True))
    if any(patient.pk not in visible for patient in patients):
        raise PermissionDenied("The dry run may only include patients you may see.")
    published = release_current(draft.disease)
    draft = GuidelineRelease.objects.for_evaluation().get(pk=draft.pk)
    given = normalise_board_inputs(board_inputs) if board_inputs is not None else None
    stored = _latest_board_inputs(patients) if given is None else {}
    results = []
    for patient in patients:
        if given is not None:
            inputs, origin = given, "given for the dry run"
        elif stored.get(patient.pk) is not None:
            inputs, origin = normalise_board_inputs(stored[patient.pk]), "the latest evaluation"
        else:
            inputs, origin = normalise_board_inputs({}), "none stored"
        case = facts.case_dict_for(patient)
        if facts.disease_of(case) != draft.disease:
            results.append(DryRunResult(patient=patient, problem=f"Not a {draft.get_disease_display()} patient."))
            continue
        AuditEvent.record(
            by=by,
            action="guidelinerelease.dry_run",
            target=draft,
            patient=patient,
            request=request,
            detail={
                "version": draft.version,
                "compared_with": published.version,
                "as_of": as_of.isoformat(),
                "board_inputs": origin,
            },
        )
        try:
            before = release_evaluate(published, case, as_of=as_of, board_inputs=inputs)
            after = release_evaluate(draft, case, as_of=as_of, board_inputs=inputs)
        except EvaluationFailed as error:
            results.append(
                DryRunResult(patient=patient, board_inputs=inputs, board_inputs_from=origin, problem=str(error))
            )
            continue
        results.append(_compare(patient, before, after, board_inputs=inputs, board_inputs_from=origin))
    return results


# Evaluations


def evaluation_create(
    *,
    patient: Patient,
    by: AbstractBaseUser | None,
    as_of: date,
    board_inputs: Mapping,
    release: GuidelineRelease | None = None,
    request=None,
    reuse: bool = False,
    kept: Evaluation | None = None,
) -> Evaluation:
    """Evaluate a patient's record under a release (default: the published one) and store it.

    With reuse=True an evaluation of the same record, as_of, board inputs and release is returned
    instead of appending an identical one; `kept` (e.g. the evaluation kept with an agenda item, loaded with
    its release) is that evaluation when it still matches, and then nothing more is read. A patient loaded with `Patient.objects.for_record()` is
    evaluated from what is loaded; the release's rules are read only when a new evaluation is computed.
    The evaluation and its audit row are written in one transaction.
    """
    case = facts.case_dict_for(patient)
    disease = facts.disease_of(case)
    if disease is None:
        raise ValidationError("Record the primary tumour first: guidance depends on the disease.")
    if release is not None and release.disease != disease:
        raise ValidationError(f"Release {release.version} is for {release.get_disease_display()}, not this patient.")
    inputs = normalise_board_inputs(board_inputs)
    digest = facts.input_hash(case, as_of=as_of, board_inputs=inputs)
    if reuse and _still_matches(kept, patient=patient, disease=disease, digest=digest, release=release):
        return kept
    if release is None:
        release = release_current(disease, with_rules=False)
    if reuse:
        existing = (
            Evaluation.objects.filter(patient=patient, release=release, input_hash=digest)
            .select_related("release", "created_by")
            .order_by("-created_at", "-id")
            .first()
        )
        if existing is not None:
            return existing
    output = release_evaluate(release, case, as_of=as_of, board_inputs=inputs)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            patient=patient,
            as_of=as_of,
            release=release,
            board_inputs=inputs,
            facts=case,
            input_hash=digest,
            output=output,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        AuditEvent.record(
            by=by,
            action="evaluation.created",
            target=evaluation,
            patient=patient,
            request=request,
            detail={"release": release.version, "as_of": as_of.isoformat()},
        )
    return evaluation


def _still_matches(
    kept: Evaluation | None, *, patient: Patient, disease: str, digest: str, release: GuidelineRelease | None
) -> bool:
    """True when `kept` evaluated this record, date and board inputs under the release that would be used now.

    Without an explicit release that is the published one: only one release per disease is published.
    """
    if kept is None or kept.patient_id != patient.pk or kept.input_hash != digest:
        return False
    if release is not None:
        return kept.release_id == release.pk
    return kept.release.disease == disease and kept.release.status == ReleaseStatus.PUBLISHED


def evaluation_viewed(*, evaluation: Evaluation, by: AbstractBaseUser, request=None) -> None:
    """Audit that guidance was shown: every view of a patient's guidance, a reused evaluation included."""
    AuditEvent.record(
        by=by,
        action="evaluation.viewed",
        target=evaluation,
        patient=evaluation.patient,
        request=request,
        detail={"release": evaluation.release.version, "as_of": evaluation.as_of.isoformat()},
    )

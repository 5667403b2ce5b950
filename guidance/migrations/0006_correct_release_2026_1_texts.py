"""Correct the installed release 2026.1 to the wording of decision-logic.md (§3 sources, §7 texts and sources).

Release 2026.1 was first installed (0004) with finding texts that moved figures of the specification
into other fields and with shortened sources. release_2026_1.json now holds the specification's
wording, so fresh databases install it directly; this migration brings databases that already hold
2026.1 to the same content.

Published releases are immutable, and this is the one deliberate exception: it is the same release
definition (ruleset 2026.1 of the specification), only its installed copy was wrong. It changes only
finding text, evidence and source of rules and source and note of parameters, never a condition, a
value or a code, and only where every corrected row still holds exactly what 0004 installed. A release
that differs in any corrected field (e.g. edited by hand) is left as it is, and the output says so.
Evaluations stored before keep the texts they were shown with (they are append-only). An audit row
records the correction.

On PostgreSQL the row triggers of 0002 refuse any change to a published release's rows; they are
disabled for these updates only, inside this migration's transaction.
"""

import json
from pathlib import Path

from django.db import migrations

CORRECTIONS = json.loads(Path(__file__).with_name("release_2026_1_corrections.json").read_text(encoding="utf-8"))
TRIGGERS = (("guidance_rule", "guidance_rule_draft_only"), ("guidance_parameter", "guidance_parameter_draft_only"))


def _rows(model, release, key: str, corrections: dict) -> list:
    return list(model.objects.filter(release=release, **{f"{key}__in": list(corrections)}))


def _state(rows, key: str, corrections: dict) -> str:
    """"old" if every corrected field holds what 0004 installed, "new" if all are corrected, else "other"."""
    states = set()
    for row in rows:
        for field, (old, new) in corrections[getattr(row, key)].items():
            value = getattr(row, field)
            states.add("old" if value == old else "new" if value == new else "other")
    if states <= {"new"}:
        return "new"
    return "old" if states == {"old"} else "other"


def _apply(rows, key: str, corrections: dict, index: int) -> list[str]:
    changed = []
    for row in rows:
        fields = corrections[getattr(row, key)]
        for field, values in fields.items():
            setattr(row, field, values[index])
        row.save(update_fields=list(fields))
        changed.append(getattr(row, key))
    return changed


def _correct(apps, schema_editor, index: int) -> None:
    GuidelineRelease = apps.get_model("guidance", "GuidelineRelease")
    Parameter = apps.get_model("guidance", "Parameter")
    Rule = apps.get_model("guidance", "Rule")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    postgresql = schema_editor.connection.vendor == "postgresql"
    wanted, found = ("old", "new") if index == 1 else ("new", "old")
    for release in GuidelineRelease.objects.filter(version=CORRECTIONS["version"]).order_by("disease"):
        parameters = _rows(Parameter, release, "name", CORRECTIONS["parameters"])
        rules = _rows(Rule, release, "code", CORRECTIONS["rules"])
        states = {_state(parameters, "name", CORRECTIONS["parameters"]), _state(rules, "code", CORRECTIONS["rules"])}
        if states <= {found}:
            continue  # already in the wanted wording (a fresh install)
        if states != {wanted}:
            print(f"\n  guidance: release {release.disease} {release.version} differs from the installed 2026.1; not corrected.")
            continue
        if postgresql:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table, trigger in TRIGGERS:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            changed_parameters = _apply(parameters, "name", CORRECTIONS["parameters"], index)
            changed_rules = _apply(rules, "code", CORRECTIONS["rules"], index)
        finally:
            if postgresql:
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    for table, trigger in TRIGGERS:
                        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        AuditEvent.objects.create(
            action="guidelinerelease.wording_corrected" if index == 1 else "guidelinerelease.wording_reverted",
            target_type="guidance.guidelinerelease", target_public_id=str(release.public_id),
            detail={
                "version": release.version, "disease": release.disease, "migration": __name__.rsplit(".", 1)[-1],
                "parameters": changed_parameters, "rules": changed_rules,
                "why": "installed copy of ruleset 2026.1 brought to the wording of decision-logic.md",
            },
        )


def correct(apps, schema_editor) -> None:
    _correct(apps, schema_editor, 1)


def revert(apps, schema_editor) -> None:
    _correct(apps, schema_editor, 0)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0005_postgresql_truncate_guards"), ("audit", "0001_initial")]

    operations = [migrations.RunPython(correct, revert)]

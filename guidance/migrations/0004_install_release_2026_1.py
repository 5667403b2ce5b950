"""Install guideline release 2026.1, published, for ACC and for CRLM.

The rules and parameters are frozen in release_2026_1.json next to this file (exported from
guidance/ruleset_2026_1.py when this migration was written), so the migration keeps installing the
same 2026.1 even after that module changes.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA_FILE = Path(__file__).with_name("release_2026_1.json")
CHANGE_NOTE = "Initial release: decision-logic.md ruleset 2026.1 (Laganà 2026; Adam slides)."


def install_releases(apps, schema_editor) -> None:
    frozen = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    GuidelineRelease = apps.get_model("guidance", "GuidelineRelease")
    Parameter = apps.get_model("guidance", "Parameter")
    Rule = apps.get_model("guidance", "Rule")
    for disease in ("acc", "crc"):
        if GuidelineRelease.objects.filter(disease=disease, version=frozen["version"]).exists():
            continue
        # Rows go into a draft first: the database refuses rows added to a published release.
        release = GuidelineRelease.objects.create(
            disease=disease, version=frozen["version"], status="draft", change_note=CHANGE_NOTE,
            effective_on=frozen["effective_on"],
        )
        Parameter.objects.bulk_create(Parameter(release=release, **parameter) for parameter in frozen["parameters"])
        Rule.objects.bulk_create(
            Rule(release=release, **rule) for rule in frozen["rules"] if rule["scope"] in ("general", disease)
        )
        GuidelineRelease.objects.filter(pk=release.pk).update(status="published", published_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("guidance", "0003_guideline_editors_group")]

    operations = [migrations.RunPython(install_releases, migrations.RunPython.noop)]

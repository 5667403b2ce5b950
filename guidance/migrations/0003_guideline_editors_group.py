"""The "Guideline editors" group: the only users who may edit, dry-run and publish releases."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Guideline editors"
PERMISSIONS = [
    ("guidelinerelease", "add_guidelinerelease"),
    ("guidelinerelease", "change_guidelinerelease"),
    ("guidelinerelease", "delete_guidelinerelease"),
    ("guidelinerelease", "view_guidelinerelease"),
    ("guidelinerelease", "publish_guidelinerelease"),
    ("parameter", "add_parameter"),
    ("parameter", "change_parameter"),
    ("parameter", "delete_parameter"),
    ("parameter", "view_parameter"),
    ("rule", "add_rule"),
    ("rule", "change_rule"),
    ("rule", "delete_rule"),
    ("rule", "view_rule"),
    ("evaluation", "view_evaluation"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; create ours now so the group can hold them.
    app_config = apps.get_app_config("guidance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for model, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="guidance", content_type__model=model, codename=codename)
        )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0002_postgresql_guards"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]

"""Roles as groups with permissions: Coordinators, Clinicians, Chairs, Administrators (accounts/groups.py).

"Guideline editors" comes from guidance/migrations/0003 and is left as it is, never duplicated.
Coordinators, Clinicians and Chairs mirror board roles; existing memberships are synced here, later
changes by accounts.services.user_role_groups_sync.
"""

from django.db import migrations

from accounts.groups import role_groups_install

BOARD_ROLE_GROUPS = {"coordinator": "Coordinators", "member": "Clinicians", "chair": "Chairs"}


def create_groups(apps, schema_editor):
    role_groups_install(apps=apps, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    groups = {role: Group.objects.get(name=name) for role, name in BOARD_ROLE_GROUPS.items()}
    for membership in apps.get_model("boards", "BoardMembership").objects.all():
        groups[membership.role].user_set.add(membership.user_id)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=BOARD_ROLE_GROUPS.values()).delete()
    apps.get_model("auth", "Group").objects.filter(name="Administrators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_breakglassgrant_review_permission"),
        ("audit", "0004_auditevent_export_permission"),
        ("patients", "0004_patient_view_any_permission"),
        ("guidance", "0003_guideline_editors_group"),
        ("boards", "0002_agendaitem_evaluation"),
        ("reports", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

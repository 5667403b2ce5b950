"""The role groups' permissions, installed by migration 0003 and re-checked after every migrate/flush.

Model permissions are what the admin checks. Within the app a board's own rights come from the role on
that board (only its chair signs); the one app-wide right is patients.view_any_patient.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

CLINICAL = [
    "patient",
    "primarytumour",
    "ki67result",
    "ecogassessment",
    "frailtyassessment",
    "comorbidity",
    "lesion",
    "measurement",
    "event",
    "labresult",
]


def _model_perms(app_label: str, models: list[str], actions: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(app_label, f"{action}_{model}") for model in models for action in actions]


CLINICIANS = [
    *_model_perms("patients", CLINICAL, ("view", "add", "change")),
    *_model_perms("boards", ["board", "meeting", "agendaitem", "attendance", "decision", "followup"], ("view",)),
    ("boards", "add_decision"),
    ("boards", "change_decision"),
    ("guidance", "view_evaluation"),
    ("guidance", "add_evaluation"),
    ("reports", "view_pdfexport"),
    ("reports", "add_pdfexport"),
]
CHAIRS = [*CLINICIANS, ("boards", "change_meeting"), ("boards", "add_attendance"), ("boards", "change_attendance")]
COORDINATORS = [
    *CLINICIANS,
    ("patients", "view_any_patient"),
    *_model_perms("boards", ["meeting", "agendaitem", "attendance", "followup"], ("add", "change")),
]
ADMINISTRATORS = [
    ("patients", "view_any_patient"),
    *_model_perms("patients", CLINICAL, ("view",)),
    ("audit", "view_auditevent"),
    ("audit", "export_auditevent"),
    ("accounts", "view_breakglassgrant"),
    ("accounts", "review_breakglassgrant"),
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_group"),
    *_model_perms("boards", ["board", "boardmembership"], ("view", "add", "change")),
    ("boards", "delete_boardmembership"),
    *_model_perms("boards", ["meeting", "agendaitem", "attendance", "decision", "followup"], ("view",)),
    ("guidance", "view_guidelinerelease"),
    ("guidance", "view_evaluation"),
    ("reports", "view_pdfexport"),
    # Reset a lost authenticator and lift a login lockout.
    ("otp_totp", "view_totpdevice"),
    ("otp_totp", "delete_totpdevice"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
]
ROLE_PERMISSIONS = {
    "Coordinators": COORDINATORS,
    "Clinicians": CLINICIANS,
    "Chairs": CHAIRS,
    "Administrators": ADMINISTRATORS,
}


def role_groups_install(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups if missing and give them every permission listed above (none taken away)."""
    for app_label in sorted({label for perms in ROLE_PERMISSIONS.values() for label, _codename in perms}):
        app_config = apps.get_app_config(app_label)
        # Migration states hold app stubs without a models module; create_permissions skips those.
        if getattr(app_config, "models_module", None) is None:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = Permission.objects.using(using).none()
        for app_label, codename in perms:
            wanted |= Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename)
        found = list(wanted)
        if len(found) != len(set(perms)):
            missing = set(perms) - {(p.content_type.app_label, p.codename) for p in found}
            raise LookupError(f"Role group {name}: no such permission(s) {sorted(missing)}")
        group.permissions.add(*found)


def reinstall_after_migrate(sender, apps=global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: keep the role groups after `migrate` and after `flush` (which empties auth_group)."""
    if sender.label != "accounts":
        return
    try:
        role_groups_install(apps=apps, using=using)
    except LookupError:
        # Migrated back below the models or permissions the groups need: nothing to install yet.
        return

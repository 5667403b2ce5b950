"""Roles as Django groups with permissions, kept in step with board roles; board rights stay per board."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.groups import ROLE_PERMISSIONS, role_groups_install
from accounts.services import user_role_groups_sync
from audit.models import AuditEvent
from boards import policies
from boards.access import membership_of
from boards.models import BoardMembership, Role, Specialty
from boards.services import board_membership_add
from patients.models import Patient
from tests.boards.factories import BoardFactory
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_role_groups_exist_with_their_permissions():
    coordinators, clinicians, chairs, administrators = (
        _codenames(name) for name in ("Coordinators", "Clinicians", "Chairs", "Administrators")
    )

    assert "patients.view_any_patient" in coordinators and "patients.view_any_patient" in administrators
    assert "patients.view_any_patient" not in clinicians | chairs
    assert {"audit.view_auditevent", "audit.export_auditevent", "accounts.review_breakglassgrant"} <= administrators
    assert "audit.view_auditevent" not in coordinators | clinicians | chairs
    assert {"patients.add_lesion", "patients.change_measurement", "boards.add_decision"} <= clinicians
    assert clinicians < chairs and clinicians < coordinators
    # Clinical rows are never deleted, so no role may delete them.
    assert not any(name.startswith("patients.delete_") for name in coordinators | clinicians | chairs | administrators)


def test_guideline_editors_group_is_reused_not_duplicated():
    assert Group.objects.filter(name="Guideline editors").count() == 1
    assert "guidance.publish_guidelinerelease" in _codenames("Guideline editors")
    assert "Guideline editors" not in ROLE_PERMISSIONS


def test_role_groups_come_back_with_their_permissions_after_a_flush():
    """post_migrate (after migrate and after flush) reinstalls them, like Django's own permissions."""
    Group.objects.filter(name__in=ROLE_PERMISSIONS).delete()

    role_groups_install()
    role_groups_install()  # idempotent

    assert Group.objects.filter(name__in=ROLE_PERMISSIONS).count() == 4
    assert "patients.view_any_patient" in _codenames("Coordinators")


def test_board_membership_add_puts_the_user_in_the_role_group_and_audits_it():
    board = BoardFactory()
    user = UserFactory()

    board_membership_add(board=board, user=user, specialty=Specialty.NURSING, role=Role.COORDINATOR, by=None)

    assert list(user.groups.values_list("name", flat=True)) == ["Coordinators"]
    event = AuditEvent.objects.get(action="user.role_groups_synced")
    assert event.detail == {"user": user.username, "added": ["Coordinators"], "removed": []}


def test_role_groups_follow_every_board_role_and_leave_hand_given_groups_alone():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Guideline editors"), Group.objects.get(name="Administrators"))
    board_membership_add(board=BoardFactory(), user=user, specialty=Specialty.SURGERY, role=Role.MEMBER, by=None)
    chair_of = BoardFactory()
    board_membership_add(board=chair_of, user=user, specialty=Specialty.SURGERY, role=Role.CHAIR, by=None)

    assert set(user.groups.values_list("name", flat=True)) == {
        "Guideline editors",
        "Administrators",
        "Clinicians",
        "Chairs",
    }

    BoardMembership.objects.filter(user=user, board=chair_of).delete()
    changed = user_role_groups_sync(user=user, by=None)

    assert changed == {"Chairs"}
    assert set(user.groups.values_list("name", flat=True)) == {"Guideline editors", "Administrators", "Clinicians"}
    assert user_role_groups_sync(user=user, by=None) == set()


def test_admin_membership_inline_keeps_role_groups_in_step(client):
    board = BoardFactory(name="Inline board")
    user = UserFactory(username="inline-user")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:boards_board_change", args=[board.pk])
    form = {
        "name": board.name,
        "disease_focus": board.disease_focus,
        "required_specialties": board.required_specialties,
        "imaging_max_age_days": board.imaging_max_age_days,
        "ecog_max_age_days": board.ecog_max_age_days,
        "cea_max_age_days": board.cea_max_age_days,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": str(user.pk),
        "memberships-0-specialty": Specialty.NURSING,
        "memberships-0-role": Role.COORDINATOR,
    }
    if board.requires_ki67:
        form["requires_ki67"] = "on"
    if board.requires_primary_pathology:
        form["requires_primary_pathology"] = "on"

    added = client.post(url, form)
    membership = BoardMembership.objects.get(board=board, user=user)
    changed = client.post(
        url,
        {
            **form,
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk),
            "memberships-0-board": str(board.pk),
            "memberships-0-role": Role.CHAIR,
        },
    )
    chair_groups = set(user.groups.values_list("name", flat=True))
    removed = client.post(
        url,
        {
            **form,
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(membership.pk),
            "memberships-0-board": str(board.pk),
            "memberships-0-role": Role.CHAIR,
            "memberships-0-DELETE": "on",
        },
    )

    assert (added.status_code, changed.status_code, removed.status_code) == (302, 302, 302)
    assert chair_groups == {"Chairs"}
    assert not user.groups.exists()


def test_seeing_every_patient_comes_from_the_permission_not_from_the_role_lookup():
    patient = PatientFactory()
    by_group = UserFactory()
    by_group.groups.add(Group.objects.get(name="Coordinators"))
    by_permission = UserFactory()
    by_permission.user_permissions.add(Permission.objects.get(codename="view_any_patient"))
    role_without_group = UserFactory()
    BoardMembership.objects.create(
        board=BoardFactory(), user=role_without_group, specialty=Specialty.NURSING, role=Role.COORDINATOR
    )  # bypassing the service: no group

    assert patient in Patient.objects.visible_to(by_group)
    assert patient in Patient.objects.visible_to(by_permission)
    assert patient not in Patient.objects.visible_to(role_without_group)
    user_role_groups_sync(user=role_without_group, by=None)
    assert patient in Patient.objects.visible_to(role_without_group)


def test_chairs_group_does_not_let_a_chair_sign_for_another_board(world):
    other_board_chair = UserFactory(username="other-chair")
    board_membership_add(
        board=world.other_board, user=other_board_chair, specialty=Specialty.SURGERY, role=Role.CHAIR, by=None
    )

    assert other_board_chair.groups.filter(name="Chairs").exists()
    assert membership_of(other_board_chair, world.board) is None
    with pytest.raises(policies.PolicyError, match="Only members of this board"):
        policies.check_can_sign_decision(world.decision, membership_of(other_board_chair, world.board), quorum=None)

"""Factories for boards (kept here until they move to tests/factories.py)."""

import datetime as dt

import factory

from boards import models
from tests.factories import PatientFactory, UserFactory


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Board

    name = factory.Sequence(lambda n: f"Board {n}")
    disease_focus = models.DiseaseFocus.ACC
    required_specialties = ["medical_oncology", "surgery", "radiology"]


class BoardMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BoardMembership
        skip_postgeneration_save = True

    board = factory.SubFactory(BoardFactory)
    user = factory.SubFactory(UserFactory)
    specialty = models.Specialty.MEDICAL_ONCOLOGY
    role = models.Role.MEMBER

    @factory.post_generation
    def role_groups(membership, create, extracted, **kwargs):
        """Put the user in the role group of the board role, as boards.services.board_membership_add does."""
        if create:
            from django.contrib.auth.models import Group

            from accounts.roles import board_role_group

            membership.user.groups.add(Group.objects.get(name=board_role_group(membership.role)))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Meeting

    board = factory.SubFactory(BoardFactory)
    starts_at = dt.datetime(2024, 5, 14, 16, 0, tzinfo=dt.UTC)
    place = "Room 4.12"
    created_by = factory.SubFactory(UserFactory)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    patient = factory.SubFactory(PatientFactory)
    position = factory.Sequence(lambda n: n + 1)
    question = "Is local treatment of the lung lesion an option?"
    added_by = factory.SelfAttribute("meeting.created_by")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Attendance

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)
    specialty = models.Specialty.MEDICAL_ONCOLOGY
    arrived_at = factory.SelfAttribute("meeting.starts_at")
    recorded_by = factory.SelfAttribute("meeting.created_by")


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Decision

    agenda_item = factory.SubFactory(AgendaItemFactory)
    category = models.DecisionCategory.SURGERY
    recommendation = "Metastasectomy of L1."
    consensus = models.Consensus.UNANIMOUS
    created_by = factory.SelfAttribute("agenda_item.added_by")

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from guidance.models import Evaluation, GuidelineRelease, Parameter, ReleaseLocked, ReleaseStatus, Rule
from tests.factories import PatientFactory


@pytest.fixture
def published(releases):
    return GuidelineRelease.objects.get(disease="acc", status=ReleaseStatus.PUBLISHED)


@pytest.fixture
def draft(published):
    return GuidelineRelease.objects.create(disease="acc", version="2026.2", cloned_from=published)


def test_migration_installs_one_published_2026_1_release_per_disease(releases):
    published = GuidelineRelease.objects.published().for_list()

    assert sorted((release.disease, release.version) for release in published) == [("acc", "2026.1"), ("crc", "2026.1")]
    for release in published:
        assert release.rule_count > 20
        assert release.parameter_count > 20
        assert not release.rules.filter(scope="crc" if release.disease == "acc" else "acc").exists()
        assert release.rules.filter(code="GEN-MD-01").exists()


def test_parameter_number_is_int_when_whole_and_float_otherwise():
    assert Parameter(value=Decimal("5.0000")).number == 5
    assert isinstance(Parameter(value=Decimal("5.0000")).number, int)
    assert Parameter(value=Decimal("0.7000")).number == 0.7


def test_published_release_refuses_content_changes(published):
    published.change_note = "edited after publication"

    with pytest.raises(ReleaseLocked):
        published.save()


def test_published_release_refuses_delete(published):
    with pytest.raises(ReleaseLocked):
        published.delete()


def test_published_release_refuses_parameter_and_rule_changes(published):
    parameter = published.parameters.get(name="ACC_OMD_MAX_METASTASES")
    rule = published.rules.first()
    parameter.value = 3
    rule.text = "changed"

    with pytest.raises(ReleaseLocked):
        parameter.save()
    with pytest.raises(ReleaseLocked):
        rule.save()
    with pytest.raises(ReleaseLocked):
        rule.delete()
    with pytest.raises(ReleaseLocked):
        Parameter.objects.filter(release=published).update(value=1)
    with pytest.raises(ReleaseLocked):
        Rule.objects.filter(release=published).delete()
    with pytest.raises(ReleaseLocked):
        Parameter.objects.create(release=published, name="NEW", value=1)
    assert published.parameters.get(name="ACC_OMD_MAX_METASTASES").value == 5


def test_published_release_may_only_be_retired(published):
    published.status = ReleaseStatus.DRAFT
    with pytest.raises(ReleaseLocked):
        published.save()

    published.status = ReleaseStatus.RETIRED
    published.save()

    published.status = ReleaseStatus.PUBLISHED
    with pytest.raises(ReleaseLocked):
        published.save()


def test_draft_release_content_is_editable(draft):
    parameter = Parameter.objects.create(release=draft, name="ACC_OMD_MAX_METASTASES", value=5)
    parameter.value = 3
    parameter.save()
    draft.change_note = "threshold lowered"
    draft.save()

    parameter.delete()

    assert not draft.parameters.exists()


def test_only_one_published_release_per_disease(published):
    with pytest.raises(IntegrityError), transaction.atomic():
        GuidelineRelease.objects.create(disease="acc", version="2099.1", status=ReleaseStatus.PUBLISHED)


def _evaluation(release):
    return Evaluation.objects.create(
        patient=PatientFactory(), as_of=dt.date(2026, 10, 1), release=release, board_inputs={}, facts={},
        input_hash="0" * 64, output={"findings": []},
    )


def test_evaluation_is_append_only(published):
    evaluation = _evaluation(published)
    evaluation.as_of = dt.date(2026, 1, 1)

    with pytest.raises(RuntimeError):
        evaluation.save()
    with pytest.raises(RuntimeError):
        evaluation.delete()
    with pytest.raises(RuntimeError):
        Evaluation.objects.filter(pk=evaluation.pk).update(as_of=dt.date(2026, 1, 1))
    with pytest.raises(RuntimeError):
        Evaluation.objects.filter(pk=evaluation.pk).delete()
    assert Evaluation.objects.get(pk=evaluation.pk).as_of == dt.date(2026, 10, 1)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only; SQLite relies on the model guards"
)


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgresql_only
def test_database_refuses_changes_to_a_published_release(published, draft):
    parameter = published.parameters.get(name="ACC_OMD_MAX_METASTASES")

    with pytest.raises(DatabaseError):
        _raw("UPDATE guidance_parameter SET value = 1 WHERE id = %s", [parameter.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM guidance_rule WHERE release_id = %s", [published.pk])
    with pytest.raises(DatabaseError):
        _raw("INSERT INTO guidance_parameter (release_id, name, value, unit, source, note) VALUES (%s, 'X', 1, '', '', '')", [published.pk])
    with pytest.raises(DatabaseError):
        _raw("UPDATE guidance_guidelinerelease SET change_note = 'edited' WHERE id = %s", [published.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM guidance_guidelinerelease WHERE id = %s", [published.pk])
    _raw("INSERT INTO guidance_parameter (release_id, name, value, unit, source, note) VALUES (%s, 'X', 1, '', '', '')", [draft.pk])
    _raw("UPDATE guidance_parameter SET value = 2 WHERE release_id = %s", [draft.pk])
    assert published.parameters.get(name="ACC_OMD_MAX_METASTASES").value == 5
    assert draft.parameters.get(name="X").value == 2


@postgresql_only
def test_database_refuses_changes_to_an_evaluation(published):
    evaluation = _evaluation(published)

    with pytest.raises(DatabaseError):
        _raw("UPDATE guidance_evaluation SET as_of = '2026-01-01' WHERE id = %s", [evaluation.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM guidance_evaluation WHERE id = %s", [evaluation.pk])

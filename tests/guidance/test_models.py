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
        patient=PatientFactory(),
        as_of=dt.date(2026, 10, 1),
        release=release,
        board_inputs={},
        facts={},
        input_hash="0" * 64,
        output={"findings": []},
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
    connection.vendor != "postgresql",
    reason="database triggers exist on PostgreSQL only; SQLite relies on the model guards",
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
        _raw(
            "INSERT INTO guidance_parameter (release_id, name, value, unit, source, note) VALUES (%s, 'X', 1, '', '', '')",
            [published.pk],
        )
    with pytest.raises(DatabaseError):
        _raw("UPDATE guidance_guidelinerelease SET change_note = 'edited' WHERE id = %s", [published.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM guidance_guidelinerelease WHERE id = %s", [published.pk])
    _raw(
        "INSERT INTO guidance_parameter (release_id, name, value, unit, source, note) VALUES (%s, 'X', 1, '', '', '')",
        [draft.pk],
    )
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


def test_published_release_refuses_queryset_update_delete_and_bulk_writes(published, draft):
    with pytest.raises(ReleaseLocked):
        GuidelineRelease.objects.filter(pk=published.pk).update(version="x")
    with pytest.raises(ReleaseLocked):
        GuidelineRelease.objects.filter(disease="acc").update(change_note="edited")
    with pytest.raises(ReleaseLocked):
        GuidelineRelease.objects.filter(pk=published.pk).delete()
    published.version = "x"
    with pytest.raises(ReleaseLocked):
        GuidelineRelease.objects.bulk_update([published], ["version"])
    with pytest.raises(ReleaseLocked):
        GuidelineRelease.objects.bulk_create(
            [GuidelineRelease(disease="crc", version="2099.1", status=ReleaseStatus.PUBLISHED)]
        )

    published.refresh_from_db()
    assert published.version == "2026.1"


def test_published_release_content_refuses_bulk_create_and_bulk_update(published, draft):
    parameter = published.parameters.get(name="ACC_OMD_MAX_METASTASES")
    parameter.value = 1
    rule = published.rules.get(code="ACC-CLS-01")
    draft_parameter = Parameter.objects.create(release=draft, name="ACC_OMD_MAX_METASTASES", value=5)

    with pytest.raises(ReleaseLocked):
        Parameter.objects.bulk_create([Parameter(release=published, name="NEW_ONE", value=1)])
    with pytest.raises(ReleaseLocked):
        Parameter.objects.bulk_update([parameter], ["value"])
    with pytest.raises(ReleaseLocked):
        Rule.objects.filter(pk=rule.pk).update(release=draft)
    with pytest.raises(ReleaseLocked):
        Parameter.objects.filter(pk=draft_parameter.pk).update(release_id=published.pk)
    draft_parameter.release = published
    with pytest.raises(ReleaseLocked):
        Parameter.objects.bulk_update([draft_parameter], ["release"])

    assert not published.parameters.filter(name="NEW_ONE").exists()
    assert published.parameters.get(name="ACC_OMD_MAX_METASTASES").value == 5
    assert Parameter.objects.get(pk=draft_parameter.pk).release == draft


def test_draft_release_allows_bulk_writes_and_a_published_one_may_be_retired_in_bulk(published, draft):
    [created] = Parameter.objects.bulk_create([Parameter(release=draft, name="ACC_NEW_LIMIT_MM", value=1)])
    created.value = 2
    Parameter.objects.bulk_update([created], ["value"])
    GuidelineRelease.objects.filter(pk=draft.pk).update(change_note="bulk edit of a draft")

    GuidelineRelease.objects.filter(pk=published.pk).update(status=ReleaseStatus.RETIRED)

    assert Parameter.objects.get(pk=created.pk).value == 2
    published.refresh_from_db()
    assert published.status == ReleaseStatus.RETIRED
    with pytest.raises(ReleaseLocked):
        GuidelineRelease.objects.filter(pk=published.pk).update(status=ReleaseStatus.RETIRED)


def test_evaluation_refuses_bulk_update(published):
    evaluation = _evaluation(published)
    evaluation.as_of = dt.date(2026, 1, 1)

    with pytest.raises(RuntimeError):
        Evaluation.objects.bulk_update([evaluation], ["as_of"])


def _truncate(table: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # The test settings let the runner's flush through; a real session has no such setting.
        cursor.execute("SET LOCAL oligoboard.allow_guidance_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks of the test's rows
        cursor.execute(f"TRUNCATE {table} CASCADE")


@postgresql_only
@pytest.mark.parametrize(
    "table", ["guidance_evaluation", "guidance_guidelinerelease", "guidance_parameter", "guidance_rule"]
)
def test_database_refuses_truncate_of_evaluations_and_published_content(published, table):
    _evaluation(published)

    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        _truncate(table)

    assert Evaluation.objects.count() == 1
    assert published.rules.exists()


@postgresql_only
def test_database_allows_truncate_of_draft_only_content(published, draft):
    Parameter.objects.create(release=draft, name="X", value=1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL oligoboard.allow_guidance_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Only drafts left: retiring is allowed, so move the published releases out of the way first.
        cursor.execute("ALTER TABLE guidance_guidelinerelease DISABLE TRIGGER guidance_release_frozen_once_published")
        cursor.execute("UPDATE guidance_guidelinerelease SET status = 'draft'")
        cursor.execute("ALTER TABLE guidance_guidelinerelease ENABLE TRIGGER guidance_release_frozen_once_published")
        cursor.execute("TRUNCATE guidance_parameter")
    assert not Parameter.objects.exists()

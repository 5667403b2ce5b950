import pytest

from boards.models import Role, Specialty
from tests.boards.factories import BoardFactory, BoardMembershipFactory
from tests.factories import UserFactory


def _runs_after_flush(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or any(
        name in fixtures for name in ("transactional_db", "live_server")
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run transactional tests (browser, concurrency, backup) after every other database test.

    pytest-django sorts them last, but pytest's own fixture-scope reordering runs after it and moves the
    Playwright tests (parametrised by a session-scoped browser) among the others. A transactional test ends
    by flushing every table, so a test after it would lose the guideline releases and groups that the
    migrations install.
    """
    items.sort(key=_runs_after_flush)


@pytest.fixture
def user(db):
    """A clinician who coordinates a board, so may open any patient (access itself is tested apart)."""
    clinician = UserFactory(username="clinician")
    BoardMembershipFactory(
        board=BoardFactory(name="Test board"),
        user=clinician,
        role=Role.COORDINATOR,
        specialty=Specialty.MEDICAL_ONCOLOGY,
    )
    return clinician


@pytest.fixture
def client_logged_in(client, user):
    client.force_login(user)
    return client

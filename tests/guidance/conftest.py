import pytest

from tests.factories import UserFactory
from tests.guidance import db_factories


@pytest.fixture
def releases(db):
    """The published 2026.1 releases for ACC and CRLM (installed by migration; reinstalled after a flush)."""
    db_factories.install_releases()


@pytest.fixture
def editor(db):
    return db_factories.editor_user()


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(username="staff", is_staff=True))
    return client

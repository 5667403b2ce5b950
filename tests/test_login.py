import time

import pytest
from django.test import override_settings

from config.middleware import AbsoluteSessionLimitMiddleware
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def nurse(db):
    return UserFactory(username="nurse", password=PASSWORD)


def _log_in(client, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": "nurse", "password": password}, REMOTE_ADDR=address
    )


def test_login_with_right_password_opens_the_patient_list(client, nurse):
    response = _log_in(client, PASSWORD)

    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200


def test_login_with_wrong_password_shows_the_form_again(client, nurse):
    response = _log_in(client, "wrong")

    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_is_locked_after_repeated_failures_even_with_the_right_password(client, nurse):
    for _ in range(3):
        _log_in(client, "wrong")

    response = _log_in(client, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert client.get("/patients/").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_from_one_address_does_not_lock_the_user_out_elsewhere(client, nurse):
    for _ in range(3):
        _log_in(client, "wrong", address="203.0.113.9")

    response = _log_in(client, PASSWORD, address="10.0.0.1")

    assert response.status_code == 302


def test_session_ends_when_the_user_is_disabled(client, nurse):
    client.force_login(nurse)
    nurse.is_active = False
    nurse.save()

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_ends_when_the_password_changes(client, nurse):
    client.force_login(nurse)
    nurse.set_password("another long password")
    nurse.save()

    response = client.get("/patients/")

    assert response.status_code == 302


def test_session_ends_after_the_absolute_maximum_however_active(client, nurse, settings):
    client.force_login(nurse)
    assert client.get("/patients/").status_code == 200
    session = client.session
    session[AbsoluteSessionLimitMiddleware.SESSION_KEY] = time.time() - settings.SESSION_ABSOLUTE_MAX_AGE.total_seconds() - 1
    session.save()

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/patients/").status_code == 302

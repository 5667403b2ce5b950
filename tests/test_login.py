import datetime as dt
import time
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings

from config.middleware import AbsoluteSessionLimitMiddleware, SessionActivityMiddleware
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def nurse(db):
    return UserFactory(username="nurse", password=PASSWORD)


def _log_in(client, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": "nurse", "password": password}, REMOTE_ADDR=address)


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
    session[AbsoluteSessionLimitMiddleware.SESSION_KEY] = (
        time.time() - settings.SESSION_ABSOLUTE_MAX_AGE.total_seconds() - 1
    )
    session.save()

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/patients/").status_code == 302


def test_session_ends_after_the_idle_timeout(client, nurse, settings):
    client.force_login(nurse)
    response = client.get("/patients/")
    assert response.status_code == 200
    # Activity moves the session's end SESSION_IDLE_TIMEOUT_MINUTES (default 30) ahead, cookie and row.
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    stored = Session.objects.get(session_key=client.session.session_key)

    # Thirty minutes and a second without a request: the stored session is past its end.
    Session.objects.filter(pk=stored.pk).update(expire_date=stored.expire_date - dt.timedelta(minutes=30, seconds=1))
    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_activity_before_the_idle_timeout_keeps_the_session(client, nurse):
    client.force_login(nurse)
    client.get("/patients/")
    stored = Session.objects.get(session_key=client.session.session_key)

    # Twenty-nine minutes idle, one left: a request renews the full idle period.
    _idle_for(client, dt.timedelta(minutes=29))
    one_minute_left = stored.expire_date - dt.timedelta(minutes=29)
    Session.objects.filter(pk=stored.pk).update(expire_date=one_minute_left)
    response = client.get("/patients/")

    assert response.status_code == 200
    assert Session.objects.get(pk=stored.pk).expire_date - one_minute_left > dt.timedelta(minutes=28)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60


def test_requests_within_a_minute_do_not_rewrite_the_session(client, nurse):
    client.force_login(nurse)
    client.get("/patients/")
    stored = Session.objects.get(session_key=client.session.session_key)

    response = client.get("/patients/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Session.objects.get(pk=stored.pk).expire_date == stored.expire_date


def _idle_for(client, idle: dt.timedelta) -> None:
    """Pretend the session's last renewal was `idle` ago."""
    session = client.session
    session[SessionActivityMiddleware.SESSION_KEY] = time.time() - idle.total_seconds()
    session.save()


@override_settings(AXES_FAILURE_LIMIT=3, BEHIND_TLS_PROXY=True, TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_a_lockout_holds_only_the_attackers_address(client, nurse):
    """Every request comes from the proxy's address; the throttle counts the forwarded client instead."""
    proxy = "10.0.0.254"
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"username": "nurse", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    attacker = client.post(
        "/accounts/login/",
        {"username": "nurse", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    colleague = client.post(
        "/accounts/login/",
        {"username": "nurse", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )

    assert attacker.status_code == 429
    assert colleague.status_code == 302


def test_login_form_survives_hostile_input(client, nurse):
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.security.fuzz import assert_escaped, assert_no_server_error, hostile_text

    @given(
        username=st.one_of(hostile_text(), st.just("nurse")),
        password=hostile_text(),
        next_url=st.one_of(hostile_text(), st.just("https://evil.example/")),
        address=st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
    )
    def check(username, password, next_url, address):
        response = client.post(
            f"/accounts/login/?next={quote(next_url)}",
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

        assert_no_server_error(response)
        assert_escaped(response.content)
        assert response.status_code in (200, 429)  # the form again, or the lockout page: never signed in
        assert "_auth_user_id" not in client.session

    check()

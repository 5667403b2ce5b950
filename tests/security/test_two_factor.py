"""Optional TOTP two-factor login, compulsory for the roles in OTP_REQUIRED_FOR."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import otp_required, roles_of

pytestmark = pytest.mark.django_db


def _token(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for the device."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 302
    return response


def test_users_without_a_device_or_enforced_role_log_in_with_password_only(client, world, settings):
    settings.OTP_REQUIRED_FOR = ["chair"]
    _password_login(client, world.member)

    response = client.get(world.patient.get_absolute_url())

    assert response.status_code == 200


def test_enforced_role_without_a_device_is_sent_to_set_one_up(client, world, settings):
    settings.OTP_REQUIRED_FOR = ["chair", "guideline_editor", "admin"]
    _password_login(client, world.chair)

    response = client.get(world.patient.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp-setup")


def test_setup_shows_an_inline_svg_qr_code_and_confirms_with_a_computed_token(client, world, settings):
    settings.OTP_REQUIRED_FOR = ["chair"]
    _password_login(client, world.chair)

    page = client.get(reverse("accounts:otp-setup"))
    device = TOTPDevice.objects.get(user=world.chair)
    confirmed = client.post(reverse("accounts:otp-setup"), {"token": _token(device)})
    after = client.get(world.patient.get_absolute_url())

    content = page.content.decode()
    assert "<svg" in content and "<script" not in content.split("</head>")[1]
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert after.status_code == 200


def test_user_with_a_device_must_enter_a_code_after_the_password(client, world):
    device = TOTPDevice.objects.create(user=world.member, name="phone", confirmed=True)
    _password_login(client, world.member)
    url = world.patient.get_absolute_url()

    held = client.get(url)
    refused = client.post(reverse("accounts:otp-verify"), {"token": "12345", "next": url})
    verified = client.post(reverse("accounts:otp-verify"), {"token": _token(device), "next": url})

    assert held.status_code == 302
    assert held["Location"].startswith(reverse("accounts:otp-verify"))
    assert "Enter the 6-digit code." in refused.content.decode()
    assert verified.status_code == 302 and verified["Location"] == url
    assert client.get(url).status_code == 200


def test_verify_does_not_redirect_to_another_site(client, world):
    device = TOTPDevice.objects.create(user=world.member, name="phone", confirmed=True)
    _password_login(client, world.member)

    response = client.post(reverse("accounts:otp-verify"), {"token": _token(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_roles_of_names_board_roles_groups_and_admin(world):
    from django.contrib.auth.models import Group

    world.member.groups.add(Group.objects.create(name="Guideline editor"))
    world.member.is_staff = True

    assert roles_of(world.member) == {"member", "guideline_editor", "admin"}


def test_otp_required_only_for_listed_roles(world, settings):
    settings.OTP_REQUIRED_FOR = ["chair"]

    assert otp_required(world.chair)
    assert not otp_required(world.member)

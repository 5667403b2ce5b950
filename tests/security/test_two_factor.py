"""Optional TOTP two-factor login, compulsory for the roles in OTP_REQUIRED_FOR."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import ROLE_NAMES, otp_required, roles_of
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

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
    settings.OTP_REQUIRED_FOR = ["chair", "guideline_editor", "administrator"]
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


def test_roles_of_names_board_roles_groups_and_staff(world):
    from django.contrib.auth.models import Group

    world.member.groups.add(Group.objects.get(name="Guideline editors"))
    world.member.is_staff = True

    assert roles_of(world.member) == {"clinician", "guideline_editor", "administrator"}
    assert roles_of(world.chair) == {"chair"}


def test_otp_required_only_for_listed_roles(world, settings):
    settings.OTP_REQUIRED_FOR = ["chair"]

    assert otp_required(world.chair)
    assert not otp_required(world.member)


def test_documented_guideline_editor_role_enforces_two_factor_for_a_guideline_editor(client, world):
    """OTP_REQUIRED_ROLES=guideline_editor (as .env.example documents it) sends an editor to set up a device."""
    from django.contrib.auth.models import Group

    editor = UserFactory(username="editor")
    editor.groups.add(Group.objects.get(name="Guideline editors"))
    result = _settings_in_subprocess("OTP_REQUIRED_ROLES=guideline_editor", "print(settings.OTP_REQUIRED_FOR)")
    assert result.stdout.strip() == "['guideline_editor']", result.stderr

    with override_settings(OTP_REQUIRED_FOR=["guideline_editor"]):
        _password_login(client, editor)
        response = client.get(reverse("patients:patient-list"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp-setup")


def test_every_documented_role_name_is_accepted_and_a_misspelt_one_refused():
    env_example = (ROOT / ".env.example").read_text()
    documented = env_example[env_example.index("# OTP_REQUIRED_ROLES") : env_example.index("\nOTP_REQUIRED_ROLES=")]

    assert all(role in documented for role in ROLE_NAMES)
    accepted = _settings_in_subprocess(f"OTP_REQUIRED_ROLES={','.join(ROLE_NAMES)}", "print('ok')")
    misspelt = _settings_in_subprocess("OTP_REQUIRED_ROLES=guideline_editors", "print('ok')")
    assert accepted.returncode == 0, accepted.stderr
    assert misspelt.returncode != 0
    assert "unknown role(s) guideline_editors" in misspelt.stderr


def _settings_in_subprocess(assignment: str, code: str) -> subprocess.CompletedProcess:
    """Import the real settings with one environment variable set, in a fresh interpreter."""
    name, value = assignment.split("=", 1)
    env = {key: val for key, val in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update({name: value, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings"})
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; settings.DEBUG; {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

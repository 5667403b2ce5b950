"""Two-factor login: a signed-in user with a device must enter a code; enforced roles must set one up."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from accounts.roles import otp_required

# What the session still needs, decided once at login so ordinary requests cost no query.
SESSION_KEY = "_otp_step"
NONE, VERIFY, SETUP = "none", "verify", "setup"


def otp_step_for(user) -> str:
    """Return what a freshly logged-in user must do: nothing, enter a code, or set up a device."""
    if user_has_device(user, confirmed=True):
        return VERIFY
    return SETUP if otp_required(user) else NONE


def remember_otp_step(sender, request, user, **kwargs) -> None:
    """On login (user_logged_in), note in the session whether a second factor is needed."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = otp_step_for(user)


class OtpRequiredMiddleware:
    """After password login, send users to the code step (or to set up a device if their role needs one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or self._exempt(request.path):
            return self.get_response(request)
        step = request.session.get(SESSION_KEY)
        if step is None:
            step = request.session[SESSION_KEY] = otp_step_for(user)
        if step == NONE or user.is_verified():
            return self.get_response(request)
        if step == VERIFY:
            return redirect(f"{reverse('accounts:otp-verify')}?next={request.get_full_path()}")
        return redirect("accounts:otp-setup")

    @staticmethod
    def _exempt(path: str) -> bool:
        exempt = (reverse("accounts:otp-verify"), reverse("accounts:otp-setup"), reverse("logout"), settings.STATIC_URL)
        return path.startswith(exempt)

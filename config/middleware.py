"""Project-wide response headers."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class NoStoreForSignedInUsersMiddleware:
    """Tell browsers and proxies not to keep any page shown to a signed-in user (patient data)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class AbsoluteSessionLimitMiddleware:
    """End a signed-in session SESSION_ABSOLUTE_MAX_AGE after login, however active it is."""

    SESSION_KEY = "_auth_started_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started_at = request.session.setdefault(self.SESSION_KEY, now)
            if now - started_at > settings.SESSION_ABSOLUTE_MAX_AGE.total_seconds():
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SessionActivityMiddleware:
    """Move a signed-in session's idle end ahead on activity, at most once a minute (one session write).

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) cost an UPDATE per page; renewing once
    per SESSION_ACTIVITY_RESOLUTION seconds ends an idle session between SESSION_COOKIE_AGE minus that
    resolution and SESSION_COOKIE_AGE after its last request: never later than the configured idle timeout.
    """

    SESSION_KEY = "_active_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            if now - request.session.get(self.SESSION_KEY, 0) >= settings.SESSION_ACTIVITY_RESOLUTION:
                request.session[self.SESSION_KEY] = now  # modified: saved with a fresh expiry, cookie re-sent
        return self.get_response(request)

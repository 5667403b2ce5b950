"""Oligoboard settings: one module, every deployment difference from environment variables.

See README.md "Configuration" (and .env.example) for each variable.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Role names only (the module imports no models), to refuse a misspelt OTP_REQUIRED_ROLES at start-up.
from accounts.roles import ROLE_NAMES, unknown_role_names

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str:
    """Return an environment variable, failing loudly when a required one is unset."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name} (see README, Configuration).")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean environment variable written as true/false (also 1/0, yes/no)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return a whole-number environment variable, refusing anything else with the variable's name."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list without blanks."""
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


# Executions of a query on a connection before psycopg prepares it (DATABASE_PREPARED_STATEMENTS).
PREPARE_THRESHOLD = 5


def parse_database_url(url: str) -> dict:
    """Return a DATABASES entry for a sqlite:/// or postgres:// URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:]) if parsed.path not in ("", "/") else ":memory:"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name or ":memory:"}
    if parsed.scheme in ("postgres", "postgresql"):
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            # Parameters bound by the server, and a query prepared on a connection once it ran there five times
            # (psycopg's threshold): PostgreSQL then parses and plans it once per connection, not on every page;
            # a heavy case review took a quarter less time (issue 7). Off behind a proxy that cannot keep
            # prepared statements (PgBouncer in transaction pooling mode without max_prepared_statements).
            options.update(server_side_binding=True, prepare_threshold=PREPARE_THRESHOLD)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            # Form choices (board members, presenters) are read with QuerySet.iterator(): a server-side cursor
            # would cost three round trips (declare, fetch, close) for a few rows; nothing here streams large
            # results. Also what transaction-pooling proxies (PgBouncer) need.
            "DISABLE_SERVER_SIDE_CURSORS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"DATABASE_URL must start with sqlite:/// or postgres://, not {parsed.scheme or url!r}.")


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "insecure-development-key-only-for-debug" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "audit",
    "patients",
    "guidance",
    "boards",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.OtpRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.NoStoreForSignedInUsersMiddleware",
    "config.middleware.AbsoluteSessionLimitMiddleware",
    "config.middleware.SessionActivityMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]
# Django's form templates; the common ones (fields, labels, errors, inputs, selects) written out in Python.
FORM_RENDERER = "config.form_renderer.FormRenderer"

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": parse_database_url(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "patients:patient-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "Europe/Zurich")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Case files are small; anything larger is refused before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "pdf"],
    }
}

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30, minimum=1) * 60
# A session is renewed by activity at most once a minute (config.middleware.SessionActivityMiddleware).
SESSION_ACTIVITY_RESOLUTION = 60
# However active, a session ends this long after login.
SESSION_ABSOLUTE_MAX_AGE = timedelta(hours=env_int("SESSION_ABSOLUTE_MAX_HOURS", 12, minimum=1))

# Login throttling per user name AND address: an attacker elsewhere cannot lock a real user out,
# and every lockout ends after the cool-off.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
# Behind the TLS proxy the throttle must count the client's address, not the proxy's.
AXES_CLIENT_IP_CALLABLE = "audit.addresses.client_address"
# Two-factor login (TOTP): compulsory for these roles, anyone else may set it up. Role names (accounts/roles.py):
# coordinator, clinician, chair, guideline_editor, administrator (every staff user counts as administrator).
OTP_REQUIRED_FOR = env_list("OTP_REQUIRED_ROLES", "")
if unknown_roles := unknown_role_names(OTP_REQUIRED_FOR):
    # A misspelt role would silently enforce nothing.
    raise ImproperlyConfigured(
        f"OTP_REQUIRED_ROLES: unknown role(s) {', '.join(unknown_roles)}; use {', '.join(ROLE_NAMES)}."
    )
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Oligoboard")
# The admin never shows a user's TOTP secret or QR code: an administrator could otherwise copy their second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Emergency access to one patient outside one's boards lasts this long.
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 12, minimum=1)
# A user who may not see every patient and has tried this many hospital numbers already in use in 24
# hours may create no more patients until the window passes (no probing of numbers in bulk).
MRN_REFUSAL_LIMIT = env_int("MRN_REFUSAL_LIMIT", 10, minimum=1)
# How many processes lay out a meeting pack or outcomes document of three or more parts (reports/rendering.py);
# unset: one per core, at most two.
PDF_RENDER_PROCESSES = env_int("PDF_RENDER_PROCESSES", min(2, os.cpu_count() or 1), minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Everything is served from our own origin; inline scripts and styles only with the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# A TLS-terminating proxy in front sets X-Forwarded-Proto and appends the client to X-Forwarded-For.
# Only then are these headers trusted: the client address is the TRUSTED_PROXY_COUNT-th element from
# the right of X-Forwarded-For (audit/addresses.py), for the audit trail and the login throttle.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1, minimum=1)
# The container health check asks over plain HTTP from inside; it must not be redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint reports each rendering step at INFO. SQL statements carry patient names and hospital
    # numbers as parameters: never logged, whatever LOG_LEVEL says. Request lines (django.server,
    # gunicorn's access log) carry only paths with public ids: patient searches are POSTs.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

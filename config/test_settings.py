"""Test settings: only what tests need differs from production settings."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "pdf"]}}
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# PostgreSQL: the test runner flushes tables with TRUNCATE between transactional tests. The audit trail
# (audit migration 0003) and the guidance TRUNCATE guard (guidance migration 0005) let a session through
# only when it asks for it; production never does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _allow = "-c oligoboard.allow_guidance_truncate=on -c oligoboard.allow_audit_truncate=on"
    _options["options"] = f"{_options.get('options', '')} {_allow}".strip()

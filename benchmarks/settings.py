"""Settings for the benchmarks and the load test: production settings, DEBUG off, plain HTTP on loopback.

The only additions are a URLconf with a trivial template view (benchmarks/urls.py) that the page timings
are divided by, and static files served without a manifest (no collectstatic needed).
"""

import os

os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from django.conf import global_settings

from config.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Logging in 26 load-test users must not be what is measured.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *global_settings.PASSWORD_HASHERS]

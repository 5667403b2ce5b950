"""The WSGI application of the app server (gunicorn config.wsgi; see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.runtime import tune_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# The URLconf, and with it every view and the PDF renderer (importing WeasyPrint takes seconds on a slow machine),
# is loaded now, before the first request: the container's health check and a member's first page do not wait for it.
get_resolver().url_patterns  # noqa: B018 (loading it is the point)

tune_garbage_collector()  # after start-up, which it freezes

"""The WSGI application of the app server (gunicorn config.wsgi; see gunicorn.conf.py)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# The URLconf, and with it every view and the PDF renderer (importing WeasyPrint takes seconds on a slow machine),
# is loaded now, before the first request: the container's health check and a member's first page do not wait for it.
get_resolver().url_patterns

# What start-up created (modules, models, views, settings) lives as long as the process. Frozen, it is left out of the
# garbage collector's full passes, which otherwise walk all of it every few heavy requests: on the heavy case
# review those passes made the p95 (issue 7: 225-365 ms with them, 155-170 ms frozen, same median).
gc.freeze()

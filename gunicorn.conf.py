"""gunicorn's settings for the app server, read from the working directory (Dockerfile, compose, load test).

Two processes of four threads each: a thread waiting on PostgreSQL lets another use the CPU, so a short
request does not queue behind a heavy case review. On two cores that halved the load test's p95
(scripts/loadtest.sh, issue 7). WEB_CONCURRENCY and GUNICORN_THREADS change them.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
control_socket_disable = True

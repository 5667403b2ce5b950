# Oligoboard application image (web and worker). Untested here: no container engine on the build machines.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-dejavu-core fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir uv==0.13.8 \
 && uv pip install --system --no-cache -r pyproject.toml

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0 \
 && useradd --system --uid 1000 --home /app oligoboard \
 && mkdir -p /data/media && chown oligoboard /data/media
USER oligoboard
EXPOSE 8000
# Workers and threads: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]

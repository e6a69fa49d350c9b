# syntax=docker/dockerfile:1
# One image for every process of the site: web (gunicorn, the default command), worker and beat (Celery); see
# docker-compose.yml and docs/deployment.md. Static files, translations and the compact diploma font are built into
# the image, so a container starts serving at once.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    DIPLOMA_FONT_DIR=/app/var/fonts \
    GUNICORN_BIND=0.0.0.0:8000

# Debian packages the app needs (the same list as ./dev's SYSTEM_PACKAGES, less the test tools): the CJK font of the
# diplomas' Chinese, Pango for WeasyPrint, gettext for compilemessages; and pg_dump/pg_restore of PostgreSQL 15 (the
# compose file's server) for manage.py backup_data / restore_data (docs/backups.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        gettext \
        postgresql-client-15 \
    && fc-cache -f \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system mobility && useradd --system --gid mobility --home-dir /app --shell /usr/sbin/nologin mobility

WORKDIR /app
# The runtime set from its lock (`./dev lock`): every package, transitive ones included, at its pinned version and
# checked against its hashes. No test or lint tool.
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

COPY . .
# Build steps need settings but no secret: a throw-away key and host for these commands only (not kept in the image).
# collectstatic runs in production mode, so it writes the hashed, compressed files WhiteNoise serves.
RUN DJANGO_DEBUG=1 python manage.py compilemessages -v0 --ignore=bench --ignore=staticfiles --ignore=media --ignore=var \
    && DJANGO_SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=build.invalid \
       EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend python manage.py collectstatic --noinput -v0 \
    && DJANGO_DEBUG=1 python manage.py diploma_fonts \
    && mkdir -p /data/media /app/var \
    && chown -R mobility:mobility /data/media /app/var

USER mobility
EXPOSE 8000
VOLUME ["/data/media"]
# No HEALTHCHECK here: the image also runs the worker and beat, which have no /healthz. docker-compose.yml gives each
# service its own (web: python deploy/healthcheck.py).
CMD ["gunicorn", "-c", "gunicorn.conf.py"]

# The portal's image: gunicorn (web), Celery worker and beat, migrations.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    PORTAL_VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=config.settings.production

# WeasyPrint's libraries, gettext for compilemessages, a font for the letters.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN pip install -c requirements/constraints.txt .

# Static files and translations are built into the image (a throw-away key is enough; no
# upload happens at build time, so no antivirus either).
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    PORTAL_ALLOW_NO_ANTIVIRUS=1 python manage.py collectstatic --noinput -v 0 \
    && DJANGO_SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    PORTAL_ALLOW_NO_ANTIVIRUS=1 python manage.py compilemessages -v 0

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/var \
    && chown -R portal:portal /app/var
USER portal

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", \
     "--access-logfile", "-", "--no-control-socket"]

# The application image: web (gunicorn), Celery worker and beat, and one-shot jobs.
FROM python:3.11-slim

# PYTHONPATH: import the project from /app (where templates/ and static/ are), not from
# the copy pip puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN groupadd --system app \
    && useradd --system --gid app --create-home --home-dir /home/app app \
    && mkdir -p /data/files && chown app:app /data/files

WORKDIR /app

# Dependencies in their own layer: with only pyproject.toml present the project builds
# as an empty distribution, so this installs just its dependencies.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .
RUN pip install --no-deps . && rm -rf build *.egg-info

# Dummy values for this step only: production settings refuse to import without
# SECRET_KEY and ALLOWED_HOSTS, and a DATABASE_URL keeps the embedded database off.
# collectstatic does not connect to the database.
RUN SECRET_KEY=collectstatic-only-not-a-secret-but-at-least-fifty-characters-long \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid:5432/build \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --access-logfile -"]

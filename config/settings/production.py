"""Production settings: the base settings with HTTPS and cookie hardening on.

Passes ``manage.py check --deploy`` with no warnings given a real SECRET_KEY and
ALLOWED_HOSTS. TLS is terminated by a proxy in front of gunicorn that sets
X-Forwarded-Proto.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DEBUG, REST_FRAMEWORK, SECRET_KEY

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off with config.settings.production.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production (comma-separated).")
# A short key can be guessed, and with it sessions, password resets and signed values forged.
# As Django's own check (security.W009): also 5 different characters at least, and not the
# key startproject writes.
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters in production, of 5 different characters "
        "at least, and not a generated 'django-insecure-' key "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
# The health check is probed over plain HTTP by the orchestrator, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Two proxies in front of gunicorn, as docs/deploy.md sets it up: the TLS proxy (Caddy, a
# host nginx, a load balancer), then the bundled nginx. The client address is the hop the
# TLS proxy added to X-Forwarded-For; with 1, every client would share the TLS proxy's own
# address, and 20 bad sign-ins from anyone would lock everyone out. Callers cannot pick
# their identity: hops they prepend are ignored.
NUM_PROXIES = env_int("NUM_PROXIES", default=2)
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": NUM_PROXIES}

"""The /healthz endpoint: is the database reachable, is the broker reachable."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as BrokerError

from config.celery import app as celery_app
from config.embedded_db import EmbeddedDatabaseError
from config.throttling import unthrottled_count

BROKER_TIMEOUT_SECONDS = 2
# ensure_connection's timeout only bounds the time between attempts; without socket
# timeouts one attempt at a broker that accepts but never answers blocks forever.
BROKER_SOCKET_TIMEOUTS = {
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
}


def database_status() -> str:
    """``ok``, or ``error: <reason>`` when a trivial query cannot run."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, EmbeddedDatabaseError) as exc:
        return f"error: {type(exc).__name__}: {str(exc).strip()[:200]}"
    return "ok"


def broker_status() -> str:
    """``eager`` with no broker configured, else ``ok`` or ``error: <reason>``."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with celery_app.connection_for_write(transport_options=BROKER_SOCKET_TIMEOUTS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except (BrokerError, OSError) as exc:
        return f"error: {type(exc).__name__}: {str(exc).strip()[:200]}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 when the database and broker answer, 503 when either does not."""
    database = database_status()
    broker = broker_status()
    healthy = database == "ok" and not broker.startswith("error")
    body = {"status": "ok" if healthy else "error", "database": database, "broker": broker}
    degraded = unthrottled_count()
    if degraded["count"]:
        # API requests this process let through unthrottled: the throttle cache was down.
        body["throttle_degraded"] = degraded
    return JsonResponse(
        body,
        status=200 if healthy else 503,
    )

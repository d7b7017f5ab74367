"""API throttles that degrade instead of failing when their cache (Redis) is down.

DRF's throttles count requests in ``CACHES["default"]``; with Redis unreachable each
request would answer 500. These allow the request instead, log a warning, and count the
requests let through unthrottled (``unthrottled_count``, reported by ``/healthz``): an
outage of the cache costs the rate limit for its duration, never the API.
"""

import logging
import threading

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

log = logging.getLogger(__name__)

_lock = threading.Lock()
_unthrottled = {"count": 0, "last_error": ""}


def unthrottled_count() -> dict:
    """Requests this process let through because the throttle cache failed, and why."""
    with _lock:
        return dict(_unthrottled)


def _degraded(exc: Exception) -> bool:
    with _lock:
        _unthrottled["count"] += 1
        # The type only: /healthz is public, and a message names Redis's host and port.
        _unthrottled["last_error"] = type(exc).__name__
    log.warning("API throttle cache unreachable, request allowed unthrottled: %r", exc)
    return True


class DegradingMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # redis.ConnectionError, TimeoutError, OSError, ...
            return _degraded(exc)


class DegradingUserRateThrottle(DegradingMixin, UserRateThrottle):
    pass


class DegradingAnonRateThrottle(DegradingMixin, AnonRateThrottle):
    pass

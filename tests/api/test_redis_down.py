"""With Redis (the throttle counters' cache) down, the API still answers (docs/security.md,
"Faults"): throttling degrades to allowing the request, logs a warning, and /healthz says
how many requests went through unthrottled."""

import logging

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from config import throttling
from config.throttling import unthrottled_count
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

CLOSED_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here: Redis is "down"
    }
}


@pytest.fixture(autouse=True)
def fresh_count(monkeypatch):
    """The count is per process: start from none, and leave none to later tests."""
    monkeypatch.setattr(throttling, "_unthrottled", {"count": 0, "last_error": ""})


def test_api_requests_are_allowed_unthrottled_while_redis_is_down(caplog):
    SiteFactory()
    user = UserFactory(is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    before = unthrottled_count()["count"]
    assert "throttle_degraded" not in client.get(reverse("healthz")).json()
    with override_settings(CACHES=CLOSED_REDIS), caplog.at_level(logging.WARNING):
        responses = [client.get("/api/v1/sites/") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert unthrottled_count()["count"] == before + 3
    assert "throttle cache unreachable" in caplog.text

    body = client.get(reverse("healthz")).json()
    assert body["throttle_degraded"]["count"] == before + 3
    # The type of the failure only: /healthz is public, a message names Redis's address.
    assert body["throttle_degraded"]["last_error"] == "ConnectionError"


def test_a_redis_that_hangs_costs_a_request_about_a_second_per_throttle(settings):
    """A Redis that accepts connections and never answers: the cache's socket timeouts
    (settings, 1 s) let the request through unthrottled in seconds, not minutes."""
    import socket
    import threading
    import time

    if "OPTIONS" not in settings.CACHES["default"]:
        pytest.skip("the throttle cache is Redis only with REDIS_URL")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    threading.Thread(
        target=lambda: [held.append(listener.accept()) for _ in range(8)], daemon=True
    ).start()
    hanging = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
        }
    }
    user = UserFactory(is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    started = time.monotonic()
    with override_settings(CACHES=hanging):
        response = client.get("/api/v1/sites/")
    assert response.status_code == 200
    assert time.monotonic() - started < 10  # 5 s a throttle without the timeouts
    listener.close()

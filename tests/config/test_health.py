"""/healthz: 200 when the database and broker answer, 503 with the reason when either does not.

Outages are real: a database wrapper or broker URL aimed at a closed local port, and a
broker that accepts connections but never answers. Nothing is mocked.
"""

import copy
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from django.test import override_settings
from django.urls import reverse

from config import health
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

# An outage must be reported well within a load balancer's probe timeout.
OUTAGE_SECONDS = 5


def closed_port():
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def broker(url=None, *, eager=False):
    """Point settings, and so the Celery app, at ``url``, with eager mode on or off.

    app.conf reads CELERY_* through to Django settings, so override_settings reaches it;
    health opens a fresh connection per request (connection_for_write), not a pooled one.
    """
    values = {"CELERY_TASK_ALWAYS_EAGER": eager}
    if url is not None:
        values["CELERY_BROKER_URL"] = url
    with override_settings(**values):
        assert celery_app.conf.task_always_eager is eager
        if url is not None:
            assert celery_app.conf.broker_url == url
        yield


def get_healthz(client):
    """GET /healthz; the response and the seconds it took."""
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    return response, time.monotonic() - started


def test_healthy_with_eager_tasks(client):
    """With tasks run eagerly (no broker) and the database up, /healthz is 200, broker eager."""
    with broker(eager=True):
        response, _ = get_healthz(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@pytest.mark.needs_broker
def test_healthy_with_real_redis(client, broker_url):
    """With a reachable Redis broker and the database up, /healthz is 200, broker ok."""
    with broker(broker_url):
        response, _ = get_healthz(client)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.fixture
def unreachable_database(monkeypatch):
    """Health's database connection aimed at a closed local port."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict["HOST"] = "127.0.0.1"
    settings_dict["PORT"] = str(closed_port())
    settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
    wrapper = PostgresDatabaseWrapper(settings_dict, alias="unreachable")
    monkeypatch.setattr(health, "connection", wrapper)
    yield wrapper
    wrapper.close()


def test_unreachable_database_is_503(client, unreachable_database):
    """When the database cannot be reached, /healthz is 503 with the database error."""
    with broker(eager=True):
        response, seconds = get_healthz(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("error: OperationalError:")
    assert body["broker"] == "eager"
    assert seconds < OUTAGE_SECONDS


def test_unreachable_broker_is_503(client):
    """When nothing listens at the broker's address, /healthz is 503 within seconds."""
    with broker(f"redis://127.0.0.1:{closed_port()}/0"):
        response, seconds = get_healthz(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: OperationalError:")
    assert "refused" in body["broker"]
    assert seconds < OUTAGE_SECONDS


@pytest.fixture
def silent_broker_port():
    """A local port that accepts TCP connections and never answers (a hung Redis).

    It drops its connections after 15 s, so a health check that does not time out on its
    own fails the timing assertion instead of hanging the suite.
    """
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    stop = threading.Event()

    def hold_connections():
        held = []
        deadline = time.monotonic() + 15
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
        for conn in held:
            conn.close()
        server.close()

    thread = threading.Thread(target=hold_connections, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)


def test_silent_broker_is_503_within_seconds(client, silent_broker_port):
    """When the broker accepts but never answers, /healthz is 503 within seconds, not hung."""
    with broker(f"redis://127.0.0.1:{silent_broker_port}/0"):
        response, seconds = get_healthz(client)
    assert seconds < OUTAGE_SECONDS
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: OperationalError:")


def test_only_get_is_allowed(client):
    """POST /healthz is 405 with Allow: GET."""
    with broker(eager=True):
        response = client.post(reverse("healthz"))
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_responses_are_never_cached(client):
    """/healthz responses, including the 405, forbid caching."""
    with broker(eager=True):
        responses = [get_healthz(client)[0], client.post(reverse("healthz"))]
    for response in responses:
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-cache", "no-store", "must-revalidate"} <= directives

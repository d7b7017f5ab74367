"""Shared fixtures. Tests run against a real PostgreSQL: the server named by DATABASE_URL,
or the embedded one when it is unset."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def broker_url():
    """The Redis URL for tests that need a real broker and worker.

    Without REDIS_URL such tests are skipped with a visible reason; under CI=true that
    skip would hide untested behaviour, so it fails instead.
    """
    url = os.environ.get("REDIS_URL")
    if not url:
        message = "needs a real Redis broker: set REDIS_URL=redis://127.0.0.1:6379/0"
        if IN_CI:
            pytest.fail(f"CI=true but REDIS_URL is unset; this test {message}")
        pytest.skip(message)
    return url


@pytest.fixture
def world(db):
    """Portfolios P (sites A, B) and Q (site C) and one named user per role and scope."""
    from tests.people import build_world

    return build_world()


@pytest.fixture(autouse=True, scope="session")
def _drf_loaded_before_any_frozen_clock():
    """DRF's throttles keep ``time.time`` as a class attribute when first imported (with
    the URLconf, on the first request). If that first request runs under freezegun, the
    fake clock stays for the whole run and every later API request fails: load it first."""
    import rest_framework.throttling  # noqa: F401

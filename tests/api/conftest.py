"""Fixtures for the API tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counters live in the cache (Redis with REDIS_URL): start and end empty, so
    no request history carries over between tests or runs."""
    cache.clear()
    yield
    cache.clear()

"""The cache the API throttles count in: Redis on another database than the broker when
REDIS_URL is set, a per-process memory cache otherwise."""

import json
import subprocess
import sys

import pytest

from config.env import redis_db, redis_url_with_db
from tests.config.processes import ROOT, clean_env

DUMP_CACHES = """
import json
from config.settings import base
print(json.dumps(base.CACHES["default"]))
"""


def cache_settings(tmp_path, **variables) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", DUMP_CACHES],
        cwd=ROOT,
        env=clean_env(tmp_path / "data", DEBUG="1", **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_the_cache_is_local_memory(tmp_path):
    """Without REDIS_URL the cache is per process (development only)."""
    cache = cache_settings(tmp_path)
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://redis:6379", "redis://redis:6379/1"),
        ("redis://:secret@redis:6379/1", "redis://:secret@redis:6379/2"),
        ("rediss://redis:6380/5?ssl_cert_reqs=none", "rediss://redis:6380/1?ssl_cert_reqs=none"),
    ],
)
def test_with_redis_the_cache_is_another_database_of_the_broker(tmp_path, broker, cache):
    """With REDIS_URL the cache is Redis on the same server, database 1 (2 if the broker
    is on 1), so clearing the cache never drops queued tasks; a hung Redis fails in a
    second, not a request's lifetime."""
    settings = cache_settings(tmp_path, REDIS_URL=broker)
    assert settings == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": cache,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def test_unix_socket_urls_select_the_database_by_query():
    """A unix:// socket URL names its database with ?db=N."""
    assert redis_db("unix:///run/redis.sock?db=3") == 3
    assert redis_url_with_db("unix:///run/redis.sock?db=3", 1) == "unix:///run/redis.sock?db=1"
    assert redis_url_with_db("unix:///run/redis.sock", 1) == "unix:///run/redis.sock?db=1"

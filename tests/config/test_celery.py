"""The Celery app: at-least-once configuration, a real worker on a real Redis, eager mode.

Worker tests need REDIS_URL (the ``broker_url`` fixture). Each starts an in-process worker
on a queue of its own, so a stray worker or message elsewhere cannot interfere, and removes
that queue's Redis keys before and after. No result backend is configured
(task_ignore_result), so tasks report what they did by writing Redis keys, which the tests
poll with a bounded timeout.
"""

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app

WAIT_SECONDS = 15
# A held task gives up on its own well before the worker's shutdown timeout.
HOLD_SECONDS = 8
SHUTDOWN_SECONDS = 10
KEY_TTL_SECONDS = 60

# kombu's Redis transport keeps each delivered, not yet acknowledged message in this hash
# (delivery tag -> [message, exchange, routing key]) and its delivery time in the zset; see
# Channel.unacked_key / unacked_index_key and QoS.append / QoS.ack in kombu/transport/redis.py.
UNACKED_KEY = "unacked"
UNACKED_INDEX_KEY = "unacked_index"


# --- Tasks ----------------------------------------------------------------------------


@app.task(name="tests.celery.record")
def record(url, key, value):
    """Write ``value`` to Redis ``key``: proof that a worker ran the task."""
    with redis.Redis.from_url(url) as client:
        client.set(key, value, ex=KEY_TTL_SECONDS)


def _hold(url, token):
    """Mark ``token`` started, wait (bounded) for the test to release it, mark it done."""
    with redis.Redis.from_url(url) as client:
        client.set(f"{token}:started", "1", ex=KEY_TTL_SECONDS)
        deadline = time.monotonic() + HOLD_SECONDS
        while not client.exists(f"{token}:release") and time.monotonic() < deadline:
            time.sleep(0.05)
        client.set(f"{token}:done", "1", ex=KEY_TTL_SECONDS)


@app.task(name="tests.celery.hold")
def hold(url, token):
    """Run until released, with the app's settings (acks_late)."""
    _hold(url, token)


@app.task(name="tests.celery.hold_acks_early", acks_late=False)
def hold_acks_early(url, token):
    """Run until released, acknowledged before it runs: the control for acks_late."""
    _hold(url, token)


@app.task(name="tests.celery.thread_id")
def thread_id():
    """The id of the thread that ran the task."""
    return threading.get_ident()


class TaskBoom(Exception):
    """Raised by the failing task."""


@app.task(name="tests.celery.fail")
def fail():
    """Always fails."""
    raise TaskBoom("task failed")


# --- Helpers --------------------------------------------------------------------------


@contextmanager
def celery_conf(**values):
    """Set app.conf values, then restore them exactly.

    Deleting a key we added (rather than assigning the old value back) keeps app.conf
    reading through to Django settings, so later override_settings still take effect.
    """
    changes = app.conf.changes
    saved = {key: changes[key] for key in values if key in changes}
    for key, value in values.items():
        app.conf[key] = value
    try:
        yield
    finally:
        for key in values:
            if key in saved:
                app.conf[key] = saved[key]
            else:
                del app.conf[key]


def wait_for(predicate, timeout=WAIT_SECONDS, message="condition"):
    """Poll ``predicate`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


def delete_keys_containing(client, token):
    """Delete every Redis key whose name contains ``token`` (queue lists, bindings, marks)."""
    keys = list(client.scan_iter(match=f"*{token}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def redis_client(broker_url):
    """A Redis client on the broker, after checking the Celery app uses the same one."""
    assert app.conf.broker_url == broker_url, (
        "the Celery app must use REDIS_URL as its broker (is CELERY_BROKER_URL set?)"
    )
    with redis.Redis.from_url(broker_url, socket_timeout=5) as client:
        client.ping()
        yield client


@pytest.fixture
def queue(redis_client):
    """A queue name no other test or worker uses, purged before and removed after."""
    name = f"tests.celery.{uuid.uuid4().hex}"
    delete_keys_containing(redis_client, name)
    yield name
    delete_keys_containing(redis_client, name)


@contextmanager
def running_worker(queue_name):
    """An in-process worker consuming only ``queue_name``, stopped on exit.

    The threads pool (one thread) runs the task beside the worker's event loop, as the
    production prefork pool does; with the solo pool the loop is blocked while the task runs,
    so even an early ack is only sent after the task returns.

    Starting a worker reconfigures logging and selects the queues it consumes on the shared
    app; both are put back so other tests are unaffected.
    """
    root = logging.getLogger()
    root_handlers, root_level = root.handlers[:], root.level
    queues = app.amqp.queues
    consume_from = queues._consume_from  # no public way to restore the selection
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=1,
            queues=[queue_name],
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=SHUTDOWN_SECONDS,
        ) as worker:
            yield worker
    finally:
        queues._consume_from = consume_from
        queues.pop(queue_name, None)
        root.handlers[:] = root_handlers
        root.setLevel(root_level)


def unacked_tags(client, task_id):
    """Delivery tags in the ``unacked`` hash whose message is the task ``task_id``."""
    tags = []
    for tag, entry in client.hgetall(UNACKED_KEY).items():
        message = json.loads(entry)[0]
        if message.get("headers", {}).get("id") == task_id:
            tags.append(tag)
    return tags


# --- Configuration --------------------------------------------------------------------


def test_app_carries_at_least_once_settings_from_django_settings():
    """The app acks late, requeues on worker loss, prefetches one, and limits time sanely."""
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_ignore_result is True
    assert conf.task_eager_propagates is True
    # Read from Django settings (namespace CELERY), not Celery's own defaults.
    assert conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert conf.broker_transport_options == settings.CELERY_BROKER_TRANSPORT_OPTIONS
    # Tasks pick the settings up as their defaults.
    assert record.acks_late is True
    assert record.reject_on_worker_lost is True
    assert record.ignore_result is True
    assert record.serializer == "json"


# --- Real worker on Redis -------------------------------------------------------------


@pytest.mark.needs_broker
def test_worker_consumes_and_runs_a_task_sent_through_redis(broker_url, redis_client, queue):
    """A task sent through Redis is consumed and run by a real worker."""
    key, value = f"{queue}:result", uuid.uuid4().hex
    with running_worker(queue):
        record.apply_async((broker_url, key, value), queue=queue)
        wait_for(lambda: redis_client.get(key) is not None, message=f"Redis key {key}")
    assert redis_client.get(key).decode() == value
    assert redis_client.llen(queue) == 0


@pytest.mark.needs_broker
def test_message_stays_unacknowledged_in_redis_while_the_task_runs(broker_url, redis_client, queue):
    """With acks_late the message sits in Redis's unacked hash until the task finishes."""
    token, task_id = f"{queue}:hold", str(uuid.uuid4())
    with running_worker(queue):
        assert unacked_tags(redis_client, task_id) == []
        hold.apply_async((broker_url, token), queue=queue, task_id=task_id)
        try:
            wait_for(lambda: redis_client.exists(f"{token}:started"), message="task start")
            tags = unacked_tags(redis_client, task_id)
            assert len(tags) == 1, f"task {task_id} should be in {UNACKED_KEY!r} while running"
            tag = tags[0]
            assert redis_client.zscore(UNACKED_INDEX_KEY, tag) is not None
            assert not redis_client.exists(f"{token}:done")  # still running
        finally:
            redis_client.set(f"{token}:release", "1", ex=KEY_TTL_SECONDS)
        wait_for(lambda: redis_client.exists(f"{token}:done"), message="task end")
        wait_for(lambda: not unacked_tags(redis_client, task_id), message="the ack")
    assert redis_client.zscore(UNACKED_INDEX_KEY, tag) is None
    assert redis_client.llen(queue) == 0  # acknowledged, not requeued


@pytest.mark.needs_broker
def test_without_acks_late_the_message_is_acknowledged_before_the_task_runs(
    broker_url, redis_client, queue
):
    """Control: an acks_late=False task is no longer unacked while it runs."""
    token = f"{queue}:hold"
    with running_worker(queue):
        result = hold_acks_early.apply_async((broker_url, token), queue=queue)
        try:
            wait_for(lambda: redis_client.exists(f"{token}:started"), message="task start")
            assert unacked_tags(redis_client, result.id) == []
        finally:
            redis_client.set(f"{token}:release", "1", ex=KEY_TTL_SECONDS)
        wait_for(lambda: redis_client.exists(f"{token}:done"), message="task end")


# --- Eager mode -----------------------------------------------------------------------


@pytest.fixture
def eager():
    """Tasks run eagerly, as they do without REDIS_URL, whatever this session's settings."""
    with celery_conf(task_always_eager=True):
        yield


def test_eager_delay_runs_the_task_in_the_calling_thread(eager):
    """Without a broker, .delay() runs the task in-process and returns its result."""
    assert thread_id.delay().get() == threading.get_ident()


def test_eager_task_exception_propagates_to_the_caller(eager):
    """Without a broker, a failing task raises in the caller instead of being swallowed."""
    with pytest.raises(TaskBoom, match="task failed"):
        fail.delay()

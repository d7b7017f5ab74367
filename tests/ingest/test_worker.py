"""Ingest batches run by a real Celery worker on Redis, including one killed mid-batch.

Each worker is a subprocess (the project's python, the real app and settings) on a queue of
this test's own, reading the test database (so the tests use ``transactional_db``: the
worker must see what this process committed) and the uploaded files in this test's
MEDIA_ROOT, with chunks of 4 KB so that a file of 30,000 readings takes some 250
committed chunks.

The worker is started through ``app.worker_main`` (as ``celery worker`` is) after changes
to its app's configuration for isolation from other workers on the same Redis (WORKER_MAIN;
remote control is off too, so it answers no broadcast):

- kombu keeps delivered, unacknowledged messages in one Redis hash (``unacked``) per
  database, and any worker sweeping it with a short visibility timeout would re-deliver
  other workers' running tasks. Ours get their own ``unacked`` keys, named after the queue.
- an ingest that stored rows asks for its sites' recompute on the default queue; ours goes
  to a side queue of the test's, so no worker elsewhere picks up a message about a site of
  the test database.

Everything the tests leave in Redis has the queue's name in its key and is deleted after.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import redis
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.test import override_settings

from config.celery import app
from ingest.models import IngestBatch, Status
from ingest.services import batch_create
from ingest.tasks import run_batch_task
from reliability.models import Reading
from tests.config.processes import ROOT, SETTINGS_VARIABLES
from tests.factories import AssetFactory, SensorFactory

pytestmark = [pytest.mark.needs_broker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60  # the longest any step may take before the test fails
STOP_SECONDS = 10
CHUNK_BYTES = 4096  # ~100 readings per committed chunk
ROWS = 30_000  # ~1.1 MB: a few hundred chunks, some seconds of work for one worker
# Worker options for the run after the crash: a message delivered this long ago and not
# acknowledged is taken as abandoned; sweep for such messages every second.
SHORT_VISIBILITY_SECONDS = 1

# ``python -c WORKER_MAIN worker ...``: the project's Celery app with the test's isolation
# settings (module docstring), then the worker command line as ``celery worker`` takes it.
WORKER_MAIN = """
import json, os, sys
from config.celery import app
app.conf.broker_transport_options = {
    **app.conf.broker_transport_options, **json.loads(os.environ["TEST_TRANSPORT_OPTIONS"])
}
app.conf.task_routes = {"portfolio.*": {"queue": os.environ["TEST_SIDE_QUEUE"]}}
app.conf.worker_enable_remote_control = False
app.worker_main(sys.argv[1:])
"""


# --- Fixtures -------------------------------------------------------------------------


@pytest.fixture
def redis_client(broker_url):
    assert app.conf.broker_url == broker_url, "the Celery app must use REDIS_URL as its broker"
    with redis.Redis.from_url(broker_url, socket_timeout=5) as client:
        client.ping()
        yield client


@pytest.fixture
def queue(redis_client):
    """A queue no other test or worker uses; every Redis key naming it removed after."""
    name = f"tests.ingest.{uuid.uuid4().hex}"
    yield name
    keys = list(redis_client.scan_iter(match=f"*{name}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def media_root(tmp_path):
    """Uploaded files go to a folder of the test's, which the workers are told to read."""
    folder = tmp_path / "media"
    folder.mkdir()
    with override_settings(MEDIA_ROOT=str(folder)):
        yield folder


@pytest.fixture
def sensors(transactional_db):
    asset = AssetFactory()
    return [SensorFactory(asset=asset) for _ in range(3)]


# --- Helpers --------------------------------------------------------------------------


def worker_database_url() -> str:
    """The URL of the database this test runs on (test_<name>), for the worker."""
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    options = f"?{urlencode(db['OPTIONS'])}" if db.get("OPTIONS") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}{options}"


def worker_env(data_dir: Path, broker_url: str, queue: str, **transport_options) -> dict:
    """A clean environment (as tests/config/processes.py builds one) for a worker on the
    test database, this test's files, small chunks and the test's isolation options."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in SETTINGS_VARIABLES and not k.startswith(("INGEST_", "MEDIA_"))
    }
    options = {
        "unacked_key": f"{queue}.unacked",
        "unacked_index_key": f"{queue}.unacked_index",
        "unacked_mutex_key": f"{queue}.unacked_mutex",
        **transport_options,
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=broker_url,
        DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        INGEST_CHUNK_BYTES=str(CHUNK_BYTES),
        # A delivery that finds its batch held looks again this soon (production: a minute).
        INGEST_BUSY_RETRY_SECONDS="1",
        # The site recompute is queued at once; its debounce mark lives only 30 s, so a
        # re-run of the suite finds no mark left by the last one.
        RECOMPUTE_DEBOUNCE_SECONDS="0",
        LOG_LEVEL="INFO",
        TEST_TRANSPORT_OPTIONS=json.dumps(options),
        TEST_SIDE_QUEUE=f"{queue}.side",
    )
    return env


class Worker:
    """A ``celery worker`` subprocess on one queue; its output goes to a log file."""

    def __init__(
        self,
        tmp_path: Path,
        broker_url: str,
        queue: str,
        name: str,
        pool="solo",
        concurrency=1,
        **transport_options,
    ):
        data_dir = tmp_path / f"data-{name}"
        data_dir.mkdir()
        self.log_path = tmp_path / f"worker-{name}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER_MAIN,
                "worker",
                "--queues",
                queue,
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}.{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=worker_env(data_dir, broker_url, queue, **transport_options),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches pool children
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """Warm shutdown (which also ends pool children); SIGKILL to its process group if
        it has not ended in time (while it lives, the group id is surely still ours)."""
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_SECONDS)
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_SECONDS)
        self.log.close()


@contextmanager
def workers():
    """Collects the workers a test starts and stops every one of them, whatever happens."""
    started: list[Worker] = []

    def start(*args, **kwargs) -> Worker:
        worker = Worker(*args, **kwargs)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def wait_for(predicate, message, worker=None, timeout=WAIT_SECONDS, interval=0.02):
    """Poll ``predicate`` until it returns a truthy value, which is returned; fail (with the
    worker's output) after ``timeout`` seconds or when the worker exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(
                f"the worker exited ({worker.process.returncode}) while waiting for "
                f"{message}:\n{worker.output()}"
            )
        time.sleep(interval)
    output = f":\n{worker.output()}" if worker is not None else ""
    pytest.fail(f"timed out after {timeout}s waiting for {message}{output}")


def readings_file(path: Path, sensors, rows: int) -> Path:
    """``rows`` readings, round robin over ``sensors``, one second apart per sensor."""
    lines = ["sensor_id,measured_at,value"]
    ids = [s.pk for s in sensors]
    for i in range(rows):
        second = i // len(ids)
        stamp = (
            f"2026-03-{1 + second // 86400:02d}T{second // 3600 % 24:02d}:"
            f"{second // 60 % 60:02d}:{second % 60:02d}+00:00"
        )
        lines.append(f"{ids[i % len(ids)]},{stamp},{(i % 4000) / 100}")
    path.write_text("\n".join(lines) + "\n")
    return path


def new_batch(path: Path) -> IngestBatch:
    with path.open("rb") as handle:
        return batch_create(
            kind="readings",
            upload=File(handle, name=path.name),
            file_name=path.name,
            enqueue=False,
        )


def batch_state(batch_id: int) -> dict:
    return (
        IngestBatch.objects.filter(pk=batch_id)
        .values(
            "status",
            "resume_offset",
            "file_size",
            "rows_inserted",
            "rows_duplicate",
            "rows_rejected",
            "rows_read",
            "rows_total",
            "error",
        )
        .get()
    )


def stored_count(sensors) -> int:
    return Reading.objects.filter(sensor__in=sensors).count()


def assert_loaded_exactly_once(batch_id: int, sensors, rows: int) -> None:
    """Done, every line read once, each reading stored once: none lost, none doubled."""
    state = batch_state(batch_id)
    assert state["status"] == Status.DONE, state
    assert state["error"] == ""
    assert state["rows_rejected"] == 0
    assert state["rows_total"] == state["rows_read"] == rows
    assert state["rows_inserted"] + state["rows_duplicate"] == rows
    assert stored_count(sensors) == rows


def side_queue_messages(redis_client, queue: str) -> list[dict]:
    """The messages the worker queued for other tasks (the recompute after a load)."""
    return [json.loads(raw) for raw in redis_client.lrange(f"{queue}.side", 0, -1)]


def pool_child(parent_pid: int) -> int | None:
    """The pid of a process whose parent is ``parent_pid`` (a prefork pool's child)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            stat = (entry / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent_pid:
                return int(entry.name)
    return None


def wait_until_mid_batch(batch_id: int, worker: Worker) -> dict:
    """Wait until a tenth of the file is committed (some dozens of chunks), and check that
    the batch is still well short of its end."""

    def mid_batch():
        state = batch_state(batch_id)
        if state["status"] != Status.RUNNING or state["resume_offset"] < state["file_size"] // 10:
            return None
        assert state["resume_offset"] < state["file_size"] * 3 // 4, (
            f"the batch got too far before the test saw it running ({state}); make the file bigger"
        )
        return state

    return wait_for(mid_batch, "a tenth of the batch", worker, interval=0.005)


# --- Tests ----------------------------------------------------------------------------


def test_worker_runs_a_batch_sent_through_redis(
    tmp_path, broker_url, redis_client, queue, media_root, sensors
):
    """A batch whose task goes through Redis is loaded by a worker in another process."""
    rows = 3_000
    batch = new_batch(readings_file(tmp_path / "readings.csv", sensors, rows))
    assert batch.status == Status.QUEUED
    with workers() as start:
        worker = start(tmp_path, broker_url, queue, "only")
        run_batch_task.apply_async((batch.pk,), queue=queue)
        wait_for(lambda: batch_state(batch.pk)["status"] == Status.DONE, "the batch", worker)
        # The recompute of the site the readings belong to was asked for once it committed.
        wait_for(lambda: side_queue_messages(redis_client, queue), "the recompute", worker)
    assert_loaded_exactly_once(batch.pk, sensors, rows)
    assert batch_state(batch.pk)["rows_inserted"] == rows
    [message] = side_queue_messages(redis_client, queue)
    assert message["headers"]["task"] == "portfolio.recompute_site"
    assert message["headers"]["argsrepr"] == repr((sensors[0].asset.site_id,))
    assert redis_client.llen(queue) == 0


def test_worker_killed_mid_batch_leaves_it_to_the_next_worker_who_finishes_it(
    tmp_path, broker_url, redis_client, queue, media_root, sensors
):
    """SIGKILL to a worker mid-batch: every committed chunk is whole, the message stays
    unacknowledged in Redis, and a worker started afterwards gets it re-delivered (the
    visibility timeout having passed) and resumes the batch after the last committed
    chunk, so no row is lost or stored twice."""
    batch = new_batch(readings_file(tmp_path / "readings.csv", sensors, ROWS))
    task_id = str(uuid.uuid4())
    with workers() as start:
        first = start(tmp_path, broker_url, queue, "first")
        run_batch_task.apply_async((batch.pk,), queue=queue, task_id=task_id)
        wait_until_mid_batch(batch.pk, first)
        os.kill(first.pid, signal.SIGKILL)
        first.process.wait(timeout=STOP_SECONDS)

        # What the dead worker left: its last chunk committed whole, the rest untouched.
        state = batch_state(batch.pk)
        assert state["status"] == Status.RUNNING
        assert 0 < state["resume_offset"] < state["file_size"]
        assert stored_count(sensors) == state["rows_inserted"] == state["rows_read"]
        # acks_late: the message is not acknowledged, so it is not lost with the worker.
        unacked = redis_client.hgetall(f"{queue}.unacked")
        assert [json.loads(m)[0]["headers"]["id"] for m in unacked.values()] == [task_id]
        assert redis_client.llen(queue) == 0

        second = start(
            tmp_path,
            broker_url,
            queue,
            "second",
            visibility_timeout=SHORT_VISIBILITY_SECONDS,
            unacked_restore_interval=1,
            unacked_restore_throttle=1,
        )
        wait_for(
            lambda: batch_state(batch.pk)["status"] == Status.DONE,
            "the re-delivered task to finish the batch",
            second,
        )
        wait_for(lambda: not redis_client.hlen(f"{queue}.unacked"), "the ack", second)

    assert_loaded_exactly_once(batch.pk, sensors, ROWS)
    # Resumed, not restarted: no reading was even offered to the table twice.
    assert batch_state(batch.pk)["rows_duplicate"] == 0
    assert redis_client.llen(queue) == 0


def test_pool_process_killed_mid_batch_is_replaced_and_the_batch_finished(
    tmp_path, broker_url, redis_client, queue, media_root, sensors
):
    """The prefork pool's child killed mid-batch (as the OOM killer does): the worker
    requeues the task at once (reject_on_worker_lost) and a new child resumes the batch."""
    batch = new_batch(readings_file(tmp_path / "readings.csv", sensors, ROWS))
    with workers() as start:
        worker = start(tmp_path, broker_url, queue, "prefork", pool="prefork")
        child = wait_for(lambda: pool_child(worker.pid), "the pool's child", worker)
        run_batch_task.apply_async((batch.pk,), queue=queue)
        wait_until_mid_batch(batch.pk, worker)
        os.kill(child, signal.SIGKILL)
        wait_for(
            lambda: batch_state(batch.pk)["status"] == Status.DONE,
            "a new pool child to finish the batch",
            worker,
        )
        assert pool_child(worker.pid) not in (None, child)
        wait_for(lambda: not redis_client.hlen(f"{queue}.unacked"), "the ack", worker)
    assert_loaded_exactly_once(batch.pk, sensors, ROWS)
    assert batch_state(batch.pk)["rows_duplicate"] == 0
    assert redis_client.llen(queue) == 0


def test_a_task_delivered_twice_at_once_loads_the_batch_once(
    tmp_path, broker_url, redis_client, queue, media_root, sensors
):
    """Two deliveries of the batch's task run side by side (two pool processes): the second
    finds the batch locked and leaves it to the first, which loads every row once."""
    batch = new_batch(readings_file(tmp_path / "readings.csv", sensors, ROWS))
    with workers() as start:
        worker = start(tmp_path, broker_url, queue, "pair", pool="prefork", concurrency=2)
        run_batch_task.apply_async((batch.pk,), queue=queue)
        run_batch_task.apply_async((batch.pk,), queue=queue)
        wait_for(lambda: batch_state(batch.pk)["status"] == Status.DONE, "the batch", worker)
        wait_for(
            lambda: "is being run by another worker" in worker.output(),
            "the second delivery to step aside",
            worker,
        )
        wait_for(lambda: not redis_client.hlen(f"{queue}.unacked"), "both acks", worker)
    assert_loaded_exactly_once(batch.pk, sensors, ROWS)
    assert batch_state(batch.pk)["rows_duplicate"] == 0
    assert redis_client.llen(queue) == 0

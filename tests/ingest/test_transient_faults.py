"""Faults of the database and of Redis during a batch (docs/ingest.md, "Faults").

A dropped connection, a serialization failure or a deadlock is not the data's fault: the
batch resumes from its last committed chunk and finishes with every row exactly once. A
batch whose rows all loaded is done even when its sites' recompute cannot be queued; the
recompute is recorded and queued later by the periodic job.
"""

import pytest
from celery.exceptions import Retry
from django.core.files import File
from django.db import OperationalError, connection
from django.test import override_settings
from kombu.exceptions import OperationalError as BrokerError
from psycopg2.errors import DeadlockDetected

from ingest import services
from ingest.models import IngestBatch, Status
from ingest.selectors import stalled_batches
from ingest.tasks import run_batch_task
from reliability.models import Reading
from scores import scheduling
from scores.models import PendingRecompute, SiteScoreSnapshot
from scores.tasks import queue_pending_recomputes, recompute_site
from tests.factories import AssetFactory, SensorFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 900  # ~30 chunks of 1 KB
CLOSED_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6390/0",  # nothing listens here: Redis is "down"
    }
}


@pytest.fixture
def small_chunks(settings):
    settings.INGEST_CHUNK_BYTES = 1024
    settings.INGEST_TRANSIENT_BACKOFF_SECONDS = 0


@pytest.fixture
def sensors(transactional_db):
    asset = AssetFactory()
    return [SensorFactory(asset=asset) for _ in range(3)]


@pytest.fixture
def readings_path(tmp_path, sensors):
    lines = ["sensor_id,measured_at,value"]
    for i in range(ROWS):
        second = i // len(sensors)
        lines.append(
            f"{sensors[i % len(sensors)].pk},2026-03-01T{second // 3600:02d}:"
            f"{second // 60 % 60:02d}:{second % 60:02d}+00:00,{i % 100}"
        )
    path = tmp_path / "readings.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def no_recompute(monkeypatch):
    """The recompute after a load is not what these tests are about: ask for none."""
    monkeypatch.setattr(scheduling, "schedule_site_recompute", lambda site_ids: [])


def fail_once_at_chunk(monkeypatch, number, fault):
    """Make the ``number``-th chunk's commit meet ``fault()`` once, mid-transaction."""
    real = services._commit_chunk
    calls = {"n": 0}

    def commit(batch, spec, mapping, ctx, sensors, chunk, *args):
        calls["n"] += 1
        if calls["n"] == number:
            original = services.readings.process

            def process(*a, **k):
                outcome = original(*a, **k)  # the chunk's rows are written, not committed
                fault()
                return outcome

            monkeypatch.setattr(services.readings, "process", process)
            try:
                return real(batch, spec, mapping, ctx, sensors, chunk, *args)
            finally:
                monkeypatch.setattr(services.readings, "process", original)
        return real(batch, spec, mapping, ctx, sensors, chunk, *args)

    monkeypatch.setattr(services, "_commit_chunk", commit)
    return calls


def terminate_own_connection():
    """What a DBA's pg_terminate_backend, a failover or a network cut does to the worker."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def deadlock():
    # As Django raises psycopg2's error: its own OperationalError, psycopg2's as the cause.
    raise OperationalError("deadlock detected") from DeadlockDetected("deadlock detected")


def assert_every_row_once(batch, sensors):
    batch.refresh_from_db()
    assert batch.status == Status.DONE, batch.error
    assert batch.error == ""
    assert batch.rows_read == batch.rows_total == ROWS
    assert batch.rows_inserted == ROWS
    assert batch.rows_duplicate == batch.rows_rejected == 0
    assert Reading.objects.filter(sensor__in=sensors).count() == ROWS


@pytest.mark.parametrize("fault", [terminate_own_connection, deadlock])
def test_a_transient_database_fault_mid_batch_resumes_and_loads_every_row_once(
    monkeypatch, small_chunks, no_recompute, sensors, readings_path, fault
):
    calls = fail_once_at_chunk(monkeypatch, 5, fault)
    batch = services.batch_ingest_file(path=readings_path, kind="readings")
    assert calls["n"] > 10  # the fault came mid-batch, and the batch went on
    assert_every_row_once(batch, sensors)
    assert batch.site_ids == [sensors[0].asset.line.site_id]


def test_a_fault_that_persists_leaves_the_batch_running_for_a_later_retry(
    monkeypatch, settings, small_chunks, no_recompute, sensors, readings_path
):
    settings.INGEST_TRANSIENT_RETRIES = 2
    real = services._commit_chunk
    faults = {"n": 0}

    def commit(*args):
        chunk = args[5]
        if faults["n"] < 3 and chunk.first_line > 2:  # each attempt, after one chunk
            faults["n"] += 1
            terminate_own_connection()
        return real(*args)

    monkeypatch.setattr(services, "_commit_chunk", commit)
    with readings_path.open("rb") as handle:
        batch = services.batch_create(
            kind="readings",
            upload=File(handle, name="readings.csv"),
            file_name="readings.csv",
            enqueue=False,
        )
    with pytest.raises(services.TransientFault):
        services.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.RUNNING  # not failed: nothing was wrong with the data
    assert batch.error == ""
    # Once its heartbeat is old, the periodic job finds it like a batch whose worker died.
    IngestBatch.objects.filter(pk=batch.pk).update(heartbeat_at="2000-01-01T00:00:00Z")
    assert list(stalled_batches().values_list("pk", flat=True)) == [batch.pk]
    services.batch_run(batch_id=batch.pk)
    assert_every_row_once(batch, sensors)


def test_the_task_retries_a_persisting_fault_later(monkeypatch):
    def fault(*, batch_id):
        raise services.TransientFault("connection lost")

    asked = {}

    def retry(*, countdown, exc):
        asked.update(countdown=countdown, exc=exc)
        return Retry()

    monkeypatch.setattr(services, "batch_run", fault)
    monkeypatch.setattr(run_batch_task, "retry", retry)
    with pytest.raises(Retry):  # retried later, not failed
        run_batch_task.run(1)
    assert asked["countdown"] > 0
    assert isinstance(asked["exc"], services.TransientFault)


def test_a_loaded_batch_is_done_with_redis_down_and_its_recompute_is_queued_later(
    small_chunks, sensors, readings_path, eager_tasks
):
    site_id = sensors[0].asset.line.site_id
    with override_settings(CACHES=CLOSED_REDIS):
        batch = services.batch_ingest_file(path=readings_path, kind="readings")
    assert_every_row_once(batch, sensors)
    pending = PendingRecompute.objects.get()
    assert pending.site_id == site_id
    assert "Connection" in pending.error
    assert not SiteScoreSnapshot.objects.filter(site_id=site_id).exists()

    queue_pending_recomputes()  # the periodic job, Redis back (tasks run in-process)
    assert not PendingRecompute.objects.exists()
    assert SiteScoreSnapshot.objects.filter(site_id=site_id).exists()


def test_a_loaded_batch_is_done_when_the_broker_refuses_the_recompute(
    monkeypatch, small_chunks, sensors, readings_path
):
    def refused(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(recompute_site, "apply_async", refused)
    batch = services.batch_ingest_file(path=readings_path, kind="readings")
    assert_every_row_once(batch, sensors)
    site_id = sensors[0].asset.line.site_id
    assert list(PendingRecompute.objects.values_list("site_id", flat=True)) == [site_id]

    assert scheduling.queue_pending() == []  # still down: the row stays
    assert PendingRecompute.objects.filter(site_id=site_id).exists()


def test_a_deadlock_in_the_record_upsert_is_retried_not_a_refused_row(
    monkeypatch, small_chunks, no_recompute, transactional_db, tmp_path
):
    """The record kinds' upsert falls back to row by row on a database error: a deadlock
    there (twice: the chunk and its first row) is the batch's to retry, not a row's fault;
    both work orders load, none is rejected."""
    asset = AssetFactory(code="M-1")
    original, calls = services.records.execute_values, {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            deadlock()
        return original(*args, **kwargs)

    monkeypatch.setattr(services.records, "execute_values", flaky)
    path = tmp_path / "wo.csv"
    path.write_text(
        "site,asset,external_id,kind,opened_at\n"
        f"{asset.site.code},M-1,W1,corrective,2026-11-02T08:00:00Z\n"
        f"{asset.site.code},M-1,W2,corrective,2026-11-02T09:00:00Z\n"
    )
    batch = services.batch_ingest_file(path=path, kind="work_orders")
    assert (batch.status, batch.rows_inserted, batch.rows_rejected) == (Status.DONE, 2, 0)


def test_an_upload_with_the_broker_down_is_accepted_and_queued_later(
    monkeypatch, sensors, readings_path, eager_tasks, caplog
):
    """The file is stored before the run is queued: a broker that refuses then does not
    turn the stored upload into a 500. The batch stays queued; the periodic job queues it
    once the broker is back, and it loads every row."""
    from django.utils import timezone
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    def refused(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True))
    with monkeypatch.context() as down:
        down.setattr(run_batch_task, "delay", refused)
        with readings_path.open("rb") as handle:
            response = client.post("/api/v1/ingest/batches/", {"kind": "readings", "file": handle})
        assert response.status_code == 202, response.content
        batch = IngestBatch.objects.get(pk=response.json()["id"])
        assert batch.status == Status.QUEUED
        assert "not queued" in caplog.text
        # Still down when the periodic job runs: nothing is lost, it tries again later.
        IngestBatch.objects.filter(pk=batch.pk).update(created_at="2000-01-01T00:00:00Z")
        assert services.batches_resume_stalled() == []
    assert IngestBatch.objects.get(pk=batch.pk).status == Status.QUEUED

    assert services.batches_resume_stalled() == [batch.pk]  # the broker is back
    batch.refresh_from_db()
    assert_every_row_once(batch, sensors)
    assert batch.finished_at <= timezone.now()


def test_two_runs_of_the_periodic_job_at_once_queue_each_site_once(monkeypatch):
    """A slow beat overlapping the next: each pending recompute is claimed by one run."""
    import threading
    import time

    from tests.db import run_at_once
    from tests.factories import SiteFactory

    sites = [SiteFactory() for _ in range(4)]
    for site in sites:
        PendingRecompute.objects.create(
            site=site, requested_at="2026-12-01T00:00:00Z", error="ConnectionError"
        )
    sent, lock = [], threading.Lock()

    def slow_send(args, **kwargs):
        time.sleep(0.1)  # the broker is slow: the other run starts meanwhile
        with lock:
            sent.append(args[0])

    monkeypatch.setattr(recompute_site, "apply_async", slow_send)
    results = run_at_once(scheduling.queue_pending, 2)
    assert sorted(sent) == sorted(site.pk for site in sites)  # each once, none twice
    assert sorted(sum(results, [])) == sorted(site.pk for site in sites)
    assert not PendingRecompute.objects.exists()

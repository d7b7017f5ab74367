"""Ingest over the API: multipart upload, bulk JSON, scoping, limits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest.models import IngestBatch, Source, Status
from reliability.models import Reading, WorkOrder
from tests.factories import SensorFactory
from tests.people import client_for

WO_CSV = b"site,asset,external_id,kind,opened_at\nsite-a,M-1,W1,corrective,2026-11-02T08:00Z\n"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks, eager_tasks):
    """The batch task runs (eagerly) when the request's transaction commits."""

    class Runner:
        def post(self, client, url, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(url, **kwargs)

    return Runner()


def test_integrator_uploads_a_file_and_the_batch_runs(world, run_on_commit):
    client = client_for(world, "integrator_a")
    upload = SimpleUploadedFile("wo.csv", WO_CSV, content_type="text/csv")
    response = run_on_commit.post(
        client, "/api/v1/ingest/batches/", data={"kind": "work_orders", "file": upload}
    )
    assert response.status_code == 202, response.content
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert (batch.status, batch.rows_inserted, batch.source) == (Status.DONE, 1, Source.API)
    detail = client.get(f"/api/v1/ingest/batches/{batch.pk}/").json()
    assert (detail["status"], detail["rows_inserted"], detail["progress"]) == ("done", 1, 1.0)


def test_integrator_rows_for_a_site_not_granted_are_rejected(world, run_on_commit):
    client = client_for(world, "integrator_a")
    text = WO_CSV + b"site-c,M-1,W2,corrective,2026-11-02T08:00Z\n"
    upload = SimpleUploadedFile("wo.csv", text, content_type="text/csv")
    response = run_on_commit.post(
        client, "/api/v1/ingest/batches/", data={"kind": "work_orders", "file": upload}
    )
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert (batch.rows_inserted, batch.rows_rejected) == (1, 1)
    assert not WorkOrder.objects.filter(site=world.site_c).exists()
    csv_text = b"".join(
        client.get(f"/api/v1/ingest/batches/{batch.pk}/rejected/").streaming_content
    ).decode()
    assert csv_text.splitlines() == [
        "line,field,reason,raw,key",
        "3,site,no site 'site-c' that you may load into,\"site-c,M-1,W2,corrective,"
        '2026-11-02T08:00Z",W2',
    ]


def test_integrator_cannot_name_a_batch_site_it_was_not_granted(world):
    client = client_for(world, "integrator_a")
    upload = SimpleUploadedFile("wo.csv", WO_CSV, content_type="text/csv")
    response = client.post(
        "/api/v1/ingest/batches/", data={"kind": "work_orders", "file": upload, "site": "site-b"}
    )
    assert response.status_code == 403
    assert not IngestBatch.objects.exists()


def test_bulk_readings(world, run_on_commit):
    sensor = SensorFactory(asset=world.asset_a, metric="temperature")
    client = client_for(world, "integrator_a")
    rows = [
        {"sensor_id": sensor.pk, "measured_at": f"2026-11-02T00:{m:02d}:00Z", "value": 40 + m}
        for m in range(0, 60, 10)
    ]
    rows.append({"sensor_id": sensor.pk, "measured_at": "2026-11-02T01:00:00Z", "value": "hot"})
    response = run_on_commit.post(
        client, "/api/v1/ingest/readings/", data={"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert (batch.rows_inserted, batch.rows_rejected) == (6, 1)
    # Row i of the request is line i + 2 of the batch.
    assert list(batch.rejected_rows.values_list("line", "field", "reason")) == [
        (8, "value", "not a number")
    ]
    assert Reading.objects.filter(sensor=sensor).count() == 6


def test_bulk_work_orders_resent_with_completion_update(world, run_on_commit):
    client = client_for(world, "manager_a")
    row = {
        "site": "site-a",
        "asset": "M-1",
        "external_id": "W9",
        "kind": "corrective",
        "opened_at": "2026-11-02T08:00:00Z",
    }
    run_on_commit.post(
        client, "/api/v1/ingest/work-orders/", data={"rows": [row]}, content_type="application/json"
    )
    row["completed_at"] = "2026-11-02T12:00:00Z"
    response = run_on_commit.post(
        client, "/api/v1/ingest/work-orders/", data={"rows": [row]}, content_type="application/json"
    )
    assert response.json()["rows_updated"] == 0  # 202 reports the batch as queued
    assert IngestBatch.objects.get(pk=response.json()["id"]).rows_updated == 1
    assert WorkOrder.objects.get(external_id="W9").completed_at is not None


def test_bulk_refuses_unknown_columns(world):
    client = client_for(world, "integrator_a")
    response = client.post(
        "/api/v1/ingest/work-orders/", data={"rows": [{"wo": 1}]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "Unknown columns ['wo']" in response.json()["rows"][0]


def test_batches_are_seen_by_their_sender_only(world, load):
    mine = load("work_orders", WO_CSV.decode(), user=world.user("integrator_a"))
    assert [
        b["id"]
        for b in client_for(world, "integrator_a").get("/api/v1/ingest/batches/").json()["results"]
    ] == [mine.pk]
    assert client_for(world, "manager_a").get("/api/v1/ingest/batches/").json()["results"] == []
    assert (
        client_for(world, "executive").get(f"/api/v1/ingest/batches/{mine.pk}/").status_code == 404
    )


def test_upload_larger_than_the_limit_is_refused_before_it_is_stored(world, settings):
    settings.INGEST_MAX_UPLOAD_BYTES = 100
    client = client_for(world, "integrator_a")
    upload = SimpleUploadedFile("big.csv", WO_CSV * 10, content_type="text/csv")
    response = client.post("/api/v1/ingest/batches/", data={"kind": "work_orders", "file": upload})
    assert response.status_code == 413
    assert "larger than the limit of 100 bytes" in response.json()["detail"]
    assert not IngestBatch.objects.exists()


@pytest.mark.parametrize(
    "name, content, content_type, message",
    [
        ("wo.exe", WO_CSV, "text/csv", "Only .csv or .txt files are accepted"),
        ("wo.csv", WO_CSV, "application/zip", "A CSV file is expected, not application/zip"),
        ("wo.csv", b"PK\x03\x04\x00\x00binary", "text/csv", "not text"),
        ("wo.csv", b"\xff\xfe\xfa" * 100, "text/csv", "not UTF-8 text"),
    ],
)
def test_only_csv_text_is_accepted(world, name, content, content_type, message):
    client = client_for(world, "integrator_a")
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post("/api/v1/ingest/batches/", data={"kind": "work_orders", "file": upload})
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not IngestBatch.objects.exists()


def test_unknown_mapping_is_refused_up_front(world):
    client = client_for(world, "integrator_a")
    upload = SimpleUploadedFile("wo.csv", WO_CSV, content_type="text/csv")
    response = client.post(
        "/api/v1/ingest/batches/", data={"kind": "work_orders", "file": upload, "mapping": "nope"}
    )
    assert response.status_code == 400
    assert "No mapping named 'nope'" in response.json()["mapping"][0]


def test_operator_only_kinds_are_refused_to_integrators(world):
    client = client_for(world, "integrator_a")
    upload = SimpleUploadedFile("s.csv", b"code,name\nford,Ford\n", content_type="text/csv")
    response = client.post(
        "/api/v1/ingest/batches/", data={"kind": "oem_customers", "file": upload}
    )
    assert response.status_code == 403


def test_stalled_batches_are_queued_again_and_finish(world, eager_tasks):
    """A batch whose worker died (running, no heartbeat for minutes) is picked up again by
    the beat task and resumes; a batch that is moving is left alone."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from ingest.services import batches_resume_stalled

    def batch(heartbeat_minutes_ago):
        made = IngestBatch(
            kind="work_orders",
            source="api",
            mapping="canonical",
            file_name="wo.csv",
            file_size=len(WO_CSV),
            created_by=world.user("integrator_a"),
            status=Status.RUNNING,
            heartbeat_at=timezone.now() - dt.timedelta(minutes=heartbeat_minutes_ago),
        )
        made.file.save("wo.csv", ContentFile(WO_CSV), save=True)
        return made

    stalled, moving = batch(10), batch(1)
    assert batches_resume_stalled() == [stalled.pk]
    stalled.refresh_from_db()
    moving.refresh_from_db()
    assert (stalled.status, stalled.rows_inserted) == (Status.DONE, 1)
    assert moving.status == Status.RUNNING

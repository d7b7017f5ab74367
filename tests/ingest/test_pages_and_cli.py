"""The upload page, the batch page, and ``manage.py ingest``."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from ingest.models import IngestBatch, Status
from tests.people import client_for

WO_CSV = b"site,asset,external_id,kind,opened_at\nsite-a,M-1,W1,corrective,2026-11-02T08:00Z\n"


def test_manager_uploads_in_the_browser_and_lands_on_the_batch(
    world, django_capture_on_commit_callbacks, eager_tasks
):
    client = client_for(world, "manager_a")
    client.handler.enforce_csrf_checks = True  # as a browser's request is checked
    page = client.get("/ingest/")
    token = page.context["csrf_token"]
    assert b'id="upload-form"' in page.content and b"No batches yet" in page.content
    upload = SimpleUploadedFile(
        "wo.csv", WO_CSV + b"site-a,M-1,W2,bad,2026-11-02T08:00Z\n", content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ingest/",
            {
                "kind": "work_orders",
                "mapping": "canonical",
                "file": upload,
                "csrfmiddlewaretoken": str(token),
            },
        )
    batch = IngestBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/ingest/{batch.pk}/"
    detail = client.get(response.url)
    assert detail.status_code == 200
    assert b"must be one of: preventive" in detail.content  # the rejected row, line 3
    assert f"/api/v1/ingest/batches/{batch.pk}/".encode() in detail.content  # progress source
    listing = client.get("/ingest/")
    assert b"wo.csv" in listing.content
    # Without the token the upload is refused, as any unprotected POST would be.
    upload.seek(0)
    refused = client.post("/ingest/", {"kind": "work_orders", "file": upload})
    assert refused.status_code == 403


def test_upload_form_errors_are_shown(world):
    client = client_for(world, "manager_a")
    response = client.post("/ingest/", {"kind": "work_orders", "mapping": "canonical"})
    assert response.status_code == 400
    assert b"This field is required" in response.content


def test_people_who_may_not_load_data_see_no_form(world):
    page = client_for(world, "tech_a").get("/ingest/")
    assert b'id="upload-form"' not in page.content
    assert b"You may not load data into any site" in page.content


def test_cli_prints_a_summary_and_json_last_line(world, tmp_path, capsys):
    path = tmp_path / "wo.csv"
    path.write_bytes(WO_CSV + b"site-a,M-1,W2,corrective,never\n")
    call_command("ingest", "work_orders", str(path), "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(lines[-1])
    assert (summary["status"], summary["rows_inserted"], summary["rows_rejected"]) == ("done", 1, 1)
    # the row's key (here its work-order number) lets the user find it in their export
    assert any("line 3 [key W2]: opened_at: not a timestamp" in line for line in lines)


def test_cli_fails_when_the_file_cannot_be_read(world, tmp_path):
    path = tmp_path / "wo.csv"
    path.write_bytes(b"site,asset\nsite-a,M-1\n")
    with pytest.raises(CommandError, match="Required column missing") as error:
        call_command("ingest", "work_orders", str(path))
    assert error.value.returncode == 1
    assert IngestBatch.objects.get().status == Status.FAILED
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ingest", "work_orders", str(tmp_path / "absent.csv"))


def test_cli_lists_mappings(db, capsys):  # stored mappings are listed too
    call_command("ingest", "--list-mappings")
    out = capsys.readouterr().out
    for name in ("canonical", "historian-long", "historian-wide", "cmms-work-orders"):
        assert name in out
    assert "readings: sensor_id, site, asset, metric, sensor, measured_at*, value*" in out

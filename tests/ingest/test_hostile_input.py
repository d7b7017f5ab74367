"""Hostile files and payloads: a bad byte refuses its own line, a giant line is refused
as it streams past, and bulk JSON that would break the parser gets a 4xx JSON answer."""

import datetime as dt
import io
import json

import pytest
from django.test import override_settings

from ingest import csvchunks
from ingest.models import IngestBatch, Status
from ingest.services import batch_ingest_file
from reliability.models import Reading
from tests.factories import SensorFactory
from tests.people import client_for

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def sensor(world):
    return SensorFactory(asset=world.asset_a, metric="temperature")


def reading_lines(sensor, count: int) -> list[bytes]:
    return [
        f"{sensor.pk},{(START + dt.timedelta(minutes=i)).isoformat()},{20 + i % 7}".encode()
        for i in range(count)
    ]


def load_bytes(tmp_path, kind: str, data: bytes):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(data)
    return batch_ingest_file(path=path, kind=kind)


def rejected(batch):
    return list(batch.rejected_rows.order_by("line").values_list("line", "reason", "raw"))


# --- 5: one bad byte refuses its own line ---------------------------------------------------


def test_a_nul_and_a_latin1_byte_refuse_only_their_lines(world, sensor, tmp_path):
    lines = reading_lines(sensor, 3000)
    lines[2498] = lines[2498].replace(b",", b",\x00", 1)  # file line 2,500 (header is 1)
    lines[2798] = lines[2798] + b"\xe9"  # file line 2,800: Latin-1 "é" in a UTF-8 file
    assert len(b"\n".join(lines[:2498])) > 64 * 1024  # past the upload's first-bytes sniff
    batch = load_bytes(tmp_path, "readings", b"sensor_id,measured_at,value\n" + b"\n".join(lines))
    assert batch.status == Status.DONE, batch.error
    assert (batch.rows_read, batch.rows_inserted, batch.rows_rejected) == (3000, 2998, 2)
    assert Reading.objects.filter(sensor=sensor).count() == 2998
    (nul_line, nul_reason, nul_raw), (bad_line, bad_reason, bad_raw) = rejected(batch)
    assert (nul_line, bad_line) == (2500, 2800)
    assert "NUL" in nul_reason and "\x00" not in nul_raw and "\\x00" in nul_raw
    assert "0xE9" in bad_reason and bad_raw.endswith("\\xe9")


def test_a_nul_byte_in_a_work_order_line_refuses_that_line(world, tmp_path):
    header = b"site,asset,external_id,kind,opened_at\n"
    lines = [f"site-a,M-1,W{i},corrective,2026-11-02T08:00Z".encode() for i in range(3)]
    lines[1] = lines[1].replace(b"W1", b"W\x001")
    batch = load_bytes(tmp_path, "work_orders", header + b"\n".join(lines) + b"\n")
    assert batch.status == Status.DONE, batch.error
    assert (batch.rows_inserted, batch.rows_rejected) == (2, 1)
    assert [line for line, _, _ in rejected(batch)] == [3]


# --- 6: a giant line is refused as it streams past ----------------------------------------


class RecordingHandle(io.BytesIO):
    """A file whose largest single read is remembered."""

    largest = 0

    def read(self, size=-1):
        data = super().read(size)
        self.largest = max(self.largest, len(data))
        return data


def test_a_line_over_the_limit_is_skipped_unread_and_the_next_lines_load():
    header = b"a,b\n"
    giant = b"1," + b"x" * (3 * 1024**2) + b"\n"
    handle = RecordingHandle(header + b"1,2\n" + giant + b"3,4\n5,6\n")
    columns = ["a", "b"]
    block, limit = 64 * 1024, 256 * 1024
    first = csvchunks.read_chunk(handle, len(header), 2, columns, block, max_line=limit)
    assert first.frame["b"].tolist() == ["2"] and first.last_line == 2
    second = csvchunks.read_chunk(handle, first.end_offset, 3, columns, block, max_line=limit)
    assert second.frame.empty and second.last_line == 3
    assert second.end_offset == len(header) + 4 + len(giant)
    [(line, reason, raw)] = second.malformed
    assert line == 3 and "longer than" in reason and len(raw) < 300
    assert handle.largest <= 4 * limit  # never the whole line at once
    third = csvchunks.read_chunk(handle, second.end_offset, 4, columns, block, max_line=limit)
    assert third.frame["a"].tolist() == ["3", "5"] and third.frame["__line__"].tolist() == [4, 5]


@override_settings(INGEST_MAX_LINE_BYTES=512 * 1024)
def test_a_batch_refuses_a_3_mib_line_and_loads_the_rest(world, sensor, tmp_path):
    lines = reading_lines(sensor, 4)
    lines.insert(2, f"{sensor.pk},2026-11-02T00:00:00Z,".encode() + b"9" * (3 * 1024**2))
    batch = load_bytes(tmp_path, "readings", b"sensor_id,measured_at,value\n" + b"\n".join(lines))
    assert batch.status == Status.DONE, batch.error
    assert (batch.rows_inserted, batch.rows_rejected) == (4, 1)
    [(line, reason, raw)] = rejected(batch)
    assert line == 4 and "longer than 524,288 bytes" in reason and len(raw) < 300


# --- 7: bulk JSON that would break the parser ------------------------------------------------

READINGS_URL = "/api/v1/ingest/readings/"


@pytest.fixture
def integrator(world):
    return client_for(world, "integrator_a")


def post_raw(client, body: bytes | str, url=READINGS_URL):
    return client.post(url, data=body, content_type="application/json")


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_100000_deep_is_a_400(integrator, opening):
    closing = "]" if opening == "[" else "}"
    response = post_raw(integrator, opening * 100_000 + "1" + closing * 100_000)
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert not IngestBatch.objects.exists()


@pytest.mark.parametrize("url", [READINGS_URL, "/api/v1/ingest/work-orders/"])
def test_a_lone_surrogate_is_a_400_naming_the_row(integrator, sensor, url):
    good = {"sensor_id": sensor.pk, "measured_at": "2026-11-02T00:00:00Z", "value": 1}
    body = json.dumps({"rows": [good, {**good, "measured_at": "@"}]}).replace("@", "\\ud800")
    response = post_raw(integrator, body, url)
    assert response.status_code == 400
    message = json.dumps(response.json())
    assert "row 2" in message and "measured_at" in message
    assert not IngestBatch.objects.exists()


def test_a_body_over_the_cap_is_a_413_json(integrator, sensor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    rows = [
        {"sensor_id": sensor.pk, "measured_at": "2026-11-02T00:00:00Z", "value": i}
        for i in range(100)
    ]
    response = post_raw(integrator, json.dumps({"rows": rows}))
    assert response.status_code == 413
    assert "1,000 bytes" in response.json()["detail"]


def test_a_100000_digit_number_is_a_plain_message_naming_the_row(integrator, sensor):
    row = {"sensor_id": sensor.pk, "measured_at": "2026-11-02T00:00:00Z", "value": 7}
    body = json.dumps({"rows": [row]}).replace(": 7}", ": " + "9" * 100_000 + "}")
    response = post_raw(integrator, body)
    assert response.status_code == 400
    message = json.dumps(response.json())
    assert "row 1" in message and "value" in message and "digits" in message
    assert "sys.set_int_max_str_digits" not in message and "Exceeds the limit" not in message


def test_a_nul_in_a_json_string_rejects_that_row_only(
    integrator, sensor, django_capture_on_commit_callbacks, eager_tasks
):
    rows = [
        {"sensor_id": sensor.pk, "measured_at": f"2026-11-02T00:0{m}:00Z", "value": m}
        for m in range(3)
    ]
    rows[1]["value"] = "1\x002"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raw(integrator, json.dumps({"rows": rows}))
    assert response.status_code == 202, response.content
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert batch.status == Status.DONE, batch.error
    assert (batch.rows_inserted, batch.rows_rejected) == (2, 1)
    [(line, reason, raw)] = rejected(batch)
    assert line == 3 and "NUL" in reason and "\\x00" in raw


def test_a_bulk_request_with_many_bad_rows_names_the_first_twenty(integrator, sensor):
    """A million rows holding a lone surrogate would otherwise get a million-line answer."""
    row = {"sensor_id": sensor.pk, "measured_at": "2026-11-02T00:00:00Z", "value": "@"}
    body = json.dumps({"rows": [row] * 100}).replace("@", "\\ud800")
    response = post_raw(integrator, body)
    assert response.status_code == 400
    problems = response.json()["rows"]
    assert len(problems) == 21 and problems[0].startswith("row 1 (line 2), field 'value'")
    assert problems[-1] == "… and perhaps more: the first 20 are shown."

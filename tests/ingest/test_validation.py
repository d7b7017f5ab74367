"""Bad rows are reported exactly, by line, field and reason; every good row loads."""

import pytest

from ingest.models import Status
from reliability.models import Reading, WorkOrder
from tests.factories import SensorFactory


@pytest.fixture
def sensor(world):
    return SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms")


def rejected(batch):
    return [(r.line, r.field, r.reason) for r in batch.rejected_rows.order_by("line", "id")]


def test_readings_file_with_bad_rows_at_known_lines(sensor, load):
    s = sensor.pk
    text = (
        "sensor_id,measured_at,value\n"  # line 1
        f"{s},2026-11-02T00:00:00+00:00,2.5\n"  # 2 good
        f"{s},2026-11-02T00:10:00Z,2.6\n"  # 3 good
        "999999,2026-11-02T00:00:00Z,1\n"  # 4 unknown sensor
        f"{s},2026-11-02T00:20:00,2.7\n"  # 5 naive timestamp
        f"{s},yesterday,2.7\n"  # 6 unparseable timestamp
        f"{s},2026-11-02T00:30:00Z,nan\n"  # 7 NaN
        f"{s},2026-11-02T00:31:00Z,inf\n"  # 8 inf
        f"{s},2026-11-02T00:40:00Z,-3\n"  # 9 below physical range
        f"{s},2026-11-02T00:10:00Z,2.6\n"  # 10 repeat of line 3, same value: duplicate
        f"{s},2026-11-02T00:10:00Z,2.9\n"  # 11 same key as line 3, other value
        f'{s},"2026-11-02T00:45:00Z,2\n'  # 12 malformed quoting
        f"{s},2026-11-02T00:50:00Z\n"  # 13 missing field
        "\n"  # 14 blank: skipped
        f"{s},2026-11-02T00:55:00Z,2.8\n"  # 15 good
    )
    batch = load("readings", text)
    assert batch.status == Status.DONE
    assert rejected(batch) == [
        (4, "sensor_id", "no sensor with this id that you may load into"),
        (5, "measured_at", "no UTC offset and the mapping sets no timezone (add +00:00 or Z)"),
        (6, "measured_at", "not a timestamp (ISO 8601)"),
        (7, "value", "must be a finite number (not NaN)"),
        (8, "value", "must be a finite number (not inf)"),
        (9, "value", "outside the physical range of vibration_velocity_rms (0 to 200)"),
        (11, "value", "same sensor and time as line 3 with another value"),
        (12, "", "malformed CSV: unexpected end of data"),
        (13, "", "expected 3 fields, found 2"),
    ]
    assert (batch.rows_read, batch.rows_inserted, batch.rows_duplicate, batch.rows_rejected) == (
        13,
        3,
        1,
        9,
    )
    assert Reading.objects.filter(sensor=sensor).count() == 3
    raw = dict(batch.rejected_rows.values_list("line", "raw"))
    assert raw[4] == "999999,2026-11-02T00:00:00Z,1"
    assert raw[12] == f'{s},"2026-11-02T00:45:00Z,2'


def test_same_result_whatever_the_chunk_size(sensor, load, settings):
    """Chunk boundaries (here every few lines) change nothing in what is reported."""
    s = sensor.pk
    lines = [f"{s},2026-11-02T{h:02d}:00:00Z,{h % 7}" for h in range(24)]
    lines[5] = f"{s},2026-11-02T05:00:00Z,-1"
    lines[9] = f'{s},"oops,1'
    text = "sensor_id,measured_at,value\n" + "\n".join(lines) + "\n"
    big = load("readings", text)
    Reading.objects.all().delete()
    settings.INGEST_CHUNK_BYTES = 64
    small = load("readings", text)
    assert (
        rejected(big)
        == rejected(small)
        == [
            (7, "value", "outside the physical range of vibration_velocity_rms (0 to 200)"),
            (11, "", "malformed CSV: unexpected end of data"),
        ]
    )
    assert big.rows_inserted == small.rows_inserted == 22


def test_missing_required_column_fails_the_batch_naming_it(world, load):
    batch = load("work_orders", "site,asset,kind,opened_at\nsite-a,M-1,corrective,2026-11-02\n")
    assert batch.status == Status.FAILED
    assert "Required column missing: 'external_id'" in batch.error
    assert batch.rows_read == 0


def test_mapped_missing_column_is_named_as_the_file_would_name_it(world, load):
    batch = load("work_orders", "Site,Asset Tag\nsite-a,M-1\n", mapping="cmms-work-orders")
    assert batch.status == Status.FAILED
    assert "'WO Number' (our external_id)" in batch.error


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "The file is empty"),
        ("a,a\n1,2\n", "names the column 'a' twice"),
    ],
)
def test_unreadable_files_fail_with_a_reason(world, load, content, message):
    batch = load("readings", content)
    assert batch.status == Status.FAILED
    assert message in batch.error


def test_work_order_checks(world, load):
    text = (
        "site,asset,external_id,kind,opened_at,started_at,completed_at,downtime_minutes,"
        "parts_cost\n"
        "site-a,M-1,W1,corrective,2026-11-02T08:00Z,2026-11-02T09:00Z,2026-11-02T10:00Z,60,10\n"
        "site-x,M-1,W2,corrective,2026-11-02T08:00Z,,,0,0\n"  # 3 unknown site
        "site-a,NOPE,W3,corrective,2026-11-02T08:00Z,,,0,0\n"  # 4 unknown asset
        "site-a,M-1,W4,corrective,2026-11-02T08:00Z,2026-11-02T07:00Z,,0,0\n"  # 5 start<open
        "site-a,M-1,W5,corrective,2026-11-02T08:00Z,,,-5,-1\n"  # 6 negative
        "site-a,M-1,W6,repair,2026-11-02T08:00Z,,,0,0\n"  # 7 bad kind
        "site-a,M-1,W1,corrective,2026-11-02T08:00Z,,,0,0\n"  # 8 repeats line 2's key
    )
    batch = load("work_orders", text)
    assert rejected(batch) == [
        (3, "site", "no site 'site-x' that you may load into"),
        (4, "asset", "unknown asset code at this site"),
        (5, "started_at", "is before opened_at"),
        (6, "downtime_minutes", "must not be negative"),  # parts_cost -1 is a credit: fine
        (7, "kind", "must be one of: preventive, predictive, corrective, emergency"),
        (8, "", "repeats the site_id/external_id of line 2"),
    ]
    assert list(WorkOrder.objects.values_list("external_id", flat=True)) == ["W1"]


def test_integrator_rows_for_other_sites_are_refused_per_row(world, load):
    text = (
        "site,asset,external_id,kind,opened_at\n"
        "site-a,M-1,W1,corrective,2026-11-02T08:00Z\n"
        "site-b,M-1,W2,corrective,2026-11-02T08:00Z\n"
    )
    batch = load("work_orders", text, user=world.user("integrator_a"))
    assert rejected(batch) == [(3, "site", "no site 'site-b' that you may load into")]
    assert list(WorkOrder.objects.values_list("site__code", flat=True)) == ["site-a"]


def test_integrator_cannot_load_readings_of_another_sites_sensor(world, load):
    other = SensorFactory(asset=world.asset_b, metric="temperature")
    text = f"sensor_id,measured_at,value\n{other.pk},2026-11-02T00:00:00Z,40\n"
    batch = load("readings", text, user=world.user("integrator_a"))
    assert rejected(batch) == [(2, "sensor_id", "no sensor with this id that you may load into")]
    assert not Reading.objects.exists()


def test_a_correction_to_a_stored_reading_is_reported_not_lost(sensor, load):
    load("readings", f"sensor_id,measured_at,value\n{sensor.pk},2026-11-02T00:00:00Z,2.5\n")
    batch = load("readings", f"sensor_id,measured_at,value\n{sensor.pk},2026-11-02T00:00:00Z,3.5\n")
    assert rejected(batch) == [
        (
            2,
            "value",
            "a reading for this sensor and time is stored with value 2.5; readings are "
            "never overwritten",
        )
    ]
    assert Reading.objects.get().value == 2.5


def test_deleting_a_sensor_with_readings_is_refused_by_the_database(sensor, load):
    from django.db import IntegrityError, connection

    load("readings", f"sensor_id,measured_at,value\n{sensor.pk},2026-11-02T00:00:00Z,2.5\n")
    with pytest.raises(IntegrityError, match="still has readings"), connection.cursor() as c:
        c.execute("DELETE FROM reliability_sensor WHERE id = %s", [sensor.pk])


def test_an_asset_with_two_sensors_for_a_metric_needs_the_sensor_named(world, load):
    SensorFactory(asset=world.asset_a, code="de", metric="vibration_velocity_rms")
    SensorFactory(asset=world.asset_a, code="nde", metric="vibration_velocity_rms")
    text = (
        "site,asset,metric,measured_at,value\n"
        "site-a,M-1,vibration_velocity_rms,2026-11-02T00:00:00Z,2\n"
        "site-a,M-1,vibration_velocity_rms,2026-11-02T00:00:00Z,3\n"
    )
    batch = load("readings", text)
    reason = (
        "the asset has 2 vibration_velocity_rms sensors (de, nde); name one in a 'sensor' column"
    )
    assert rejected(batch) == [(2, "sensor", reason), (3, "sensor", reason)]
    named = load(
        "readings",
        text.replace("value\n", "value,sensor\n")
        .replace(",2\n", ",2,de\n")
        .replace(",3\n", ",3,nde\n"),
    )
    assert (named.rows_inserted, named.rows_rejected) == (2, 0)


def test_readings_stored_by_another_batch_meanwhile_are_merged_not_lost(sensor, load):
    """Between looking at what is stored and copying, another batch may store the same
    readings: the COPY then fails on the key and the chunk is merged row by row instead."""
    from unittest import mock

    import numpy as np

    from ingest import readings

    first = f"sensor_id,measured_at,value\n{sensor.pk},2026-11-02T00:00:00Z,2.5\n"
    load("readings", first)
    both = first + f"{sensor.pk},2026-11-02T01:00:00Z,2.7\n"

    def sees_nothing(cursor, sensor_ids, unix_us, values, lines, outcome):
        return np.ones(len(sensor_ids), dtype=bool)  # as if looked before the other commit

    with mock.patch.object(readings, "_leave_out_stored", side_effect=sees_nothing):
        batch = load("readings", both)
    assert (batch.rows_inserted, batch.rows_duplicate, batch.rows_rejected) == (1, 1, 0)
    assert Reading.objects.filter(sensor=sensor).count() == 2

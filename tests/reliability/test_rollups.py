"""Roll-ups of readings: kept by the ingest chunk by chunk, equal to a rebuild from scratch.

The incremental roll-ups must be exactly what ``rollups.rebuild()`` computes from the
readings table, and both what a plain Python grouping of the stored readings gives,
however the readings arrived: re-sent files, overlapping and out-of-order files, tiny
chunks, rejected rows, the staging fallback. Buckets are UTC hours and days.
"""

import datetime as dt
import io
import math
import random
from collections import defaultdict
from unittest import mock

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import ProtectedError, Sum
from django.test import override_settings

from ingest import readings as ingest_readings
from ingest.models import Status
from ingest.services import batch_ingest_file
from reliability import rollups
from reliability.models import Reading, ReadingDaily, ReadingHourly
from tests.factories import SensorFactory

UTC = dt.UTC
START = dt.datetime(2026, 11, 1, 21, 0, tzinfo=UTC)
TINY_CHUNK_BYTES = 64  # two or three lines per chunk


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield tmp_path


@pytest.fixture
def sensors(world):
    return [
        SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms"),
        SensorFactory(asset=world.asset_a, code="temp", metric="temperature"),
        SensorFactory(asset=world.asset_b, code="amps", metric="current"),
    ]


@pytest.fixture
def load(media):
    counter = iter(range(10_000))

    def _load(lines, expect_status=Status.DONE):
        path = media / f"readings-{next(counter)}.csv"
        path.write_text("sensor_id,measured_at,value\n" + "".join(f"{x}\n" for x in lines))
        batch = batch_ingest_file(path=path, kind="readings")
        assert batch.status == expect_status, batch.error
        return batch

    return _load


def line(sensor, at: dt.datetime, value) -> str:
    return f"{sensor.pk},{at.isoformat()},{value}"


def stored(model, sensors=None) -> dict:
    rows = model.objects.all()
    if sensors is not None:
        rows = rows.filter(sensor__in=sensors)
    return {
        (r.sensor_id, r.bucket): (r.count, r.sum, r.min, r.max, r.sum_sq)
        for r in rows.order_by("sensor_id", "bucket")
    }


def from_readings(sensors, grain: str) -> dict:
    """The roll-ups, grouped in Python from the stored readings (the oracle)."""
    groups = defaultdict(list)
    for sensor_id, at, value in Reading.objects.filter(sensor__in=sensors).values_list(
        "sensor_id", "measured_at", "value"
    ):
        at = at.astimezone(UTC)
        bucket = at.replace(minute=0, second=0, microsecond=0)
        if grain == "day":
            bucket = bucket.replace(hour=0)
        groups[(sensor_id, bucket)].append(float(np.float32(value)))
    return {
        key: (len(v), math.fsum(v), min(v), max(v), math.fsum(x * x for x in v))
        for key, v in groups.items()
    }


def assert_same(actual: dict, expected: dict) -> None:
    assert sorted(actual) == sorted(expected)
    for key, (count, total, low, high, total_sq) in expected.items():
        got = actual[key]
        assert got[0] == count, key
        assert got[1] == pytest.approx(total, rel=1e-9, abs=1e-9), key
        assert (np.float32(got[2]), np.float32(got[3])) == (np.float32(low), np.float32(high))
        assert got[4] == pytest.approx(total_sq, rel=1e-9, abs=1e-9), key


def assert_incremental_equals_rebuilt(sensors) -> None:
    hourly, daily = stored(ReadingHourly, sensors), stored(ReadingDaily, sensors)
    assert_same(hourly, from_readings(sensors, "hour"))
    assert_same(daily, from_readings(sensors, "day"))
    ReadingHourly.objects.all().delete()
    ReadingDaily.objects.all().delete()
    result = rollups.rebuild()
    assert result.readings == Reading.objects.filter(sensor__in=sensors).count()
    assert_same(stored(ReadingHourly, sensors), hourly)
    assert_same(stored(ReadingDaily, sensors), daily)


def readings_over(sensors, hours: int, every_minutes: int, seed: int) -> list[str]:
    """Readings of each sensor every few minutes over ``hours``, from START (21:00 UTC,
    so they cross UTC midnight), with values in each metric's range."""
    rng = random.Random(seed)
    levels = {"vibration_velocity_rms": 4.0, "temperature": 60.0, "current": 120.0}
    lines = []
    for minute in range(0, hours * 60, every_minutes):
        at = START + dt.timedelta(minutes=minute, seconds=rng.randrange(60))
        for sensor in sensors:
            value = round(levels[sensor.metric] * rng.uniform(0.5, 1.5), 3)
            lines.append(line(sensor, at, value))
    return lines


# --- Incremental = rebuilt ---------------------------------------------------------------


def test_incremental_rollups_equal_a_rebuild_after_many_kinds_of_loads(sensors, load, settings):
    rows = readings_over(sensors, hours=6, every_minutes=7, seed=1)
    first, later = rows[: len(rows) // 2], rows[len(rows) // 2 :]

    # The later half first (out of order), in a file read a few lines per chunk, so its
    # chunks split hours and days between them.
    settings.INGEST_CHUNK_BYTES = TINY_CHUNK_BYTES
    batch = load(later)
    assert batch.rows_inserted == len(later)
    settings.INGEST_CHUNK_BYTES = 16 * 1024**2
    # Then the first half overlapping a stretch of the later one, shuffled.
    overlap = first + later[:40]
    random.Random(2).shuffle(overlap)
    batch = load(overlap)
    assert (batch.rows_inserted, batch.rows_duplicate) == (len(first), 40)
    # The whole file re-sent: all duplicates, in tiny chunks again.
    settings.INGEST_CHUNK_BYTES = TINY_CHUNK_BYTES
    batch = load(rows)
    assert (batch.rows_inserted, batch.rows_duplicate) == (0, len(rows))
    # A file with repeats within itself, a stored reading with another value, bad rows.
    s = sensors[0]
    fresh = START + dt.timedelta(hours=7, minutes=1)
    batch = load(
        [
            line(s, fresh, 2.5),
            line(s, fresh, 2.5),  # repeat in the file: duplicate
            line(s, fresh, 2.6),  # same key, another value: refused
            rows[0].rsplit(",", 1)[0] + ",199",  # stored with another value: refused
            line(s, fresh + dt.timedelta(minutes=1), -4),  # out of range: refused
            line(s, fresh + dt.timedelta(minutes=2), "nan"),  # refused
            line(s, fresh + dt.timedelta(minutes=3), 3.25),
        ]
    )
    assert (batch.rows_inserted, batch.rows_duplicate, batch.rows_rejected) == (2, 1, 4)

    total = Reading.objects.filter(sensor__in=sensors).count()
    assert total == len(rows) + 2
    assert ReadingHourly.objects.aggregate(n=Sum("count"))["n"] == total
    assert ReadingDaily.objects.aggregate(n=Sum("count"))["n"] == total
    assert ReadingDaily.objects.filter(sensor=s).count() == 2  # 21:00 → 04:01: two UTC days
    assert_incremental_equals_rebuilt(sensors)


def test_rollups_of_a_random_order_in_random_files_equal_a_rebuild(sensors, load, settings):
    rows = readings_over(sensors, hours=30, every_minutes=29, seed=3)
    rng = random.Random(4)
    for chunk_bytes in (TINY_CHUNK_BYTES, 300, 16 * 1024**2):
        settings.INGEST_CHUNK_BYTES = chunk_bytes
        shuffled = list(rows)
        rng.shuffle(shuffled)
        cuts = sorted(rng.sample(range(len(rows)), 3))
        for lo, hi in zip([0, *cuts], [*cuts, len(rows)], strict=True):
            load(shuffled[max(0, lo - 5) : hi])  # each file overlaps the one before
    assert ReadingHourly.objects.aggregate(n=Sum("count"))["n"] == len(rows)
    assert_incremental_equals_rebuilt(sensors)


def test_the_staging_fallback_adds_only_the_rows_it_inserted(sensors, load):
    """When another batch stored some readings between the look and the COPY, the chunk is
    merged through the staging table: only its really new rows reach the roll-ups."""
    s = sensors[0]
    at = dt.datetime(2026, 11, 2, 10, 15, tzinfo=UTC)
    load([line(s, at, 2.5)])

    def sees_nothing(cursor, sensor_ids, unix_us, values, lines, outcome):
        return np.ones(len(sensor_ids), dtype=bool)  # as if looked before the other commit

    with mock.patch.object(ingest_readings, "_leave_out_stored", side_effect=sees_nothing):
        batch = load(
            [
                line(s, at, 2.5),  # stored meanwhile: a duplicate
                line(s, at + dt.timedelta(minutes=1), 2.75),
                line(s, at + dt.timedelta(hours=1), 3.0),
            ]
        )
    assert (batch.rows_inserted, batch.rows_duplicate, batch.rows_rejected) == (2, 1, 0)
    hour = at.replace(minute=0)
    assert stored(ReadingHourly)[(s.pk, hour)] == (2, 5.25, 2.5, 2.75, 2.5**2 + 2.75**2)
    assert stored(ReadingHourly)[(s.pk, hour + dt.timedelta(hours=1))][0] == 1
    assert stored(ReadingDaily)[(s.pk, hour.replace(hour=0))][:4] == (3, 8.25, 2.5, 3.0)
    assert_incremental_equals_rebuilt(sensors)


def test_the_fallback_refuses_a_changed_value_and_rolls_up_nothing_for_it(sensors, load):
    s = sensors[0]
    at = dt.datetime(2026, 11, 2, 10, 15, tzinfo=UTC)
    load([line(s, at, 2.5)])
    with mock.patch.object(
        ingest_readings,
        "_leave_out_stored",
        side_effect=lambda cursor, ids, *args: np.ones(len(ids), dtype=bool),
    ):
        batch = load([line(s, at, 9.5)])
    assert (batch.rows_inserted, batch.rows_rejected) == (0, 1)
    assert stored(ReadingHourly) == {(s.pk, at.replace(minute=0)): (1, 2.5, 2.5, 2.5, 6.25)}


# --- Buckets ---------------------------------------------------------------------------


def test_buckets_are_utc_hours_and_days(sensors, load):
    s = sensors[0]
    load(
        [
            f"{s.pk},2026-11-02T23:30:00-05:00,2.0",  # 04:30 UTC on 3 November
            f"{s.pk},2026-11-03T05:10:00+05:30,4.0",  # 23:40 UTC on 2 November
        ]
    )
    assert stored(ReadingHourly) == {
        (s.pk, dt.datetime(2026, 11, 3, 4, tzinfo=UTC)): (1, 2.0, 2.0, 2.0, 4.0),
        (s.pk, dt.datetime(2026, 11, 2, 23, tzinfo=UTC)): (1, 4.0, 4.0, 4.0, 16.0),
    }
    assert stored(ReadingDaily) == {
        (s.pk, dt.datetime(2026, 11, 3, tzinfo=UTC)): (1, 2.0, 2.0, 2.0, 4.0),
        (s.pk, dt.datetime(2026, 11, 2, tzinfo=UTC)): (1, 4.0, 4.0, 4.0, 16.0),
    }
    assert_incremental_equals_rebuilt(sensors)


def test_a_reading_on_the_boundary_belongs_to_the_bucket_it_starts(sensors, load):
    s = sensors[0]
    load(
        [
            f"{s.pk},2026-11-02T09:59:59.999999Z,1.0",
            f"{s.pk},2026-11-02T10:00:00Z,2.0",  # the first instant of 10:00
            f"{s.pk},2026-11-02T23:59:59.999999Z,3.0",
            f"{s.pk},2026-11-03T00:00:00Z,4.0",  # the first instant of 3 November
        ]
    )
    hourly = {bucket: values[0:2] for (_, bucket), values in stored(ReadingHourly).items()}
    assert hourly == {
        dt.datetime(2026, 11, 2, 9, tzinfo=UTC): (1, 1.0),
        dt.datetime(2026, 11, 2, 10, tzinfo=UTC): (1, 2.0),
        dt.datetime(2026, 11, 2, 23, tzinfo=UTC): (1, 3.0),
        dt.datetime(2026, 11, 3, 0, tzinfo=UTC): (1, 4.0),
    }
    daily = {bucket: values[0:2] for (_, bucket), values in stored(ReadingDaily).items()}
    assert daily == {
        dt.datetime(2026, 11, 2, tzinfo=UTC): (3, 6.0),
        dt.datetime(2026, 11, 3, tzinfo=UTC): (1, 4.0),
    }
    assert_incremental_equals_rebuilt(sensors)


def test_rebuild_buckets_in_utc_whatever_the_session_time_zone(sensors, load):
    s = sensors[0]
    load([f"{s.pk},2026-11-02T23:30:00-05:00,2.0", f"{s.pk},2026-07-01T00:30:00Z,3.0"])
    expected_hourly, expected_daily = stored(ReadingHourly), stored(ReadingDaily)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'America/New_York'")  # until the test ends
    ReadingHourly.objects.all().delete()
    ReadingDaily.objects.all().delete()
    rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")  # as Django reads timestamps
    assert stored(ReadingHourly) == expected_hourly
    assert stored(ReadingDaily) == expected_daily
    assert dt.datetime(2026, 11, 3, tzinfo=UTC) in {b for _, b in expected_daily}


def test_add_readings_before_1970_and_far_ahead(sensors):
    """The numpy grouping key holds any instant PostgreSQL does: floor, not truncation."""
    s = sensors[0]
    instants = [
        dt.datetime(1969, 12, 31, 23, 30, tzinfo=UTC),
        dt.datetime(1969, 12, 31, 23, 45, tzinfo=UTC),
        dt.datetime(2999, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    unix_us = np.array([(t - epoch) // dt.timedelta(microseconds=1) for t in instants])
    with connection.cursor() as cursor:
        rollups.add_readings(cursor, np.full(3, s.pk), unix_us, np.array([1.0, 2.0, 5.0]))
    assert stored(ReadingHourly) == {
        (s.pk, dt.datetime(1969, 12, 31, 23, tzinfo=UTC)): (2, 3.0, 1.0, 2.0, 5.0),
        (s.pk, dt.datetime(2999, 1, 1, tzinfo=UTC)): (1, 5.0, 5.0, 5.0, 25.0),
    }
    assert sorted(b for _, b in stored(ReadingDaily)) == [
        dt.datetime(1969, 12, 31, tzinfo=UTC),
        dt.datetime(2999, 1, 1, tzinfo=UTC),
    ]


# --- Rebuild -----------------------------------------------------------------------------


def test_rebuild_command_for_some_sensors_since_a_day(sensors, load):
    rows = readings_over(sensors, hours=30, every_minutes=31, seed=5)
    load(rows)
    good_hourly, good_daily = stored(ReadingHourly), stored(ReadingDaily)
    a, b = sensors[0], sensors[1]
    # Spoil every roll-up row, then rebuild sensor a from 2 November on.
    ReadingHourly.objects.update(count=99)
    ReadingDaily.objects.update(count=99)
    out = io.StringIO()
    call_command("rebuild_rollups", "--sensor", str(a.pk), "--since", "2026-11-02", stdout=out)
    text = out.getvalue()
    assert "Rebuilt roll-ups of 1 sensors (2026-11-02 to 2026-11-04 UTC)" in text
    n_a = Reading.objects.filter(sensor=a, measured_at__gte="2026-11-02T00:00:00Z").count()
    assert f"{n_a:,} readings" in text
    hourly = stored(ReadingHourly)
    for (sensor_id, bucket), values in hourly.items():
        fixed = sensor_id == a.pk and bucket >= dt.datetime(2026, 11, 2, tzinfo=UTC)
        assert (values[0] == good_hourly[(sensor_id, bucket)][0]) is fixed
        assert (values[0] == 99) is not fixed
    assert stored(ReadingDaily, [b]) == {
        k: (99, *v[1:]) for k, v in good_daily.items() if k[0] == b.pk
    }
    # The whole rebuild puts everything right.
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert_same(stored(ReadingHourly), good_hourly)
    assert_same(stored(ReadingDaily), good_daily)


def test_rebuild_drops_roll_ups_of_readings_deleted_and_of_deleted_sensors(sensors, load):
    rows = readings_over(sensors, hours=30, every_minutes=31, seed=6)
    load(rows)
    # Retention deletes the first day's readings; a sensor is deleted past the admin.
    Reading.objects.filter(measured_at__lt=dt.datetime(2026, 11, 2, tzinfo=UTC)).delete()
    gone = sensors[2]
    Reading.objects.filter(sensor=gone).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reliability_sensor WHERE id = %s", [gone.pk])
    result = rollups.rebuild(since=dt.date(2026, 11, 1), days_per_step=1)
    assert result.steps == 3  # 1, 2 and 3 November
    assert result.removed > 0
    assert not ReadingHourly.objects.filter(sensor_id=gone.pk).exists()
    assert not ReadingDaily.objects.filter(bucket__lt=dt.datetime(2026, 11, 2, tzinfo=UTC)).exists()
    kept = sensors[:2]
    assert_same(stored(ReadingHourly), from_readings(kept, "hour"))
    assert_same(stored(ReadingDaily), from_readings(kept, "day"))


def test_rebuild_with_nothing_stored_does_nothing(db):
    result = rollups.rebuild()
    assert (result.steps, result.readings, result.hourly, result.first_day) == (0, 0, 0, None)
    out = io.StringIO()
    call_command("rebuild_rollups", "--since", "2026-01-01", stdout=out)
    assert "nothing stored" in out.getvalue()


# --- The models ---------------------------------------------------------------------------


def test_mean_and_spread_come_from_the_sums(sensors, load):
    s = sensors[0]
    at = dt.datetime(2026, 11, 2, 10, tzinfo=UTC)
    load([line(s, at + dt.timedelta(minutes=m), v) for m, v in enumerate([2.0, 4.0, 4.0, 6.0])])
    hour = ReadingHourly.objects.get(sensor=s, bucket=at)
    assert (hour.count, hour.mean, hour.min, hour.max) == (4, 4.0, 2.0, 6.0)
    assert hour.std == pytest.approx(math.sqrt(2.0))


def test_roll_ups_are_seen_by_who_sees_the_site(world, sensors, load):
    at = dt.datetime(2026, 11, 2, 10, tzinfo=UTC)
    load([line(s, at, 2.0) for s in sensors])  # sensors at site A, A and B
    for model in (ReadingHourly, ReadingDaily):
        seen = model.objects.visible_to(world.users["manager_a"])
        assert sorted(seen.values_list("sensor_id", flat=True)) == [
            sensors[0].pk,
            sensors[1].pk,
        ]
        assert not model.objects.visible_to(world.users["anonymous"]).exists()


def test_a_sensor_with_roll_ups_is_protected_from_deletion(sensors, load):
    s = sensors[0]
    load([line(s, dt.datetime(2026, 11, 2, 10, tzinfo=UTC), 2.0)])
    Reading.objects.filter(sensor=s).delete()
    with pytest.raises(ProtectedError):
        s.delete()


def test_adding_holds_the_roll_up_lock_shared_until_the_chunk_commits(sensors):
    """A rebuild window takes it exclusively: it never sees a chunk's readings without
    the chunk's additions, nor replaces additions whose readings it did not see."""
    with connection.cursor() as cursor:
        rollups.add_readings(cursor, np.array([sensors[0].pk]), np.array([0]), np.array([1.0]))
        cursor.execute(
            "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            " AND classid = %s AND objid = %s",
            rollups.LOCK,
        )
        assert cursor.fetchall() == [("ShareLock",)]

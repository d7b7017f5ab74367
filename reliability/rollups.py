"""Hourly and daily roll-ups of readings per sensor, kept up to date as batches land.

A sensor is one asset × one metric, so a roll-up row per (sensor, UTC bucket) answers
"count, mean, min, max, spread of this asset's metric per hour or day" without touching
the readings table. Each row holds only mergeable aggregates (count, sum, min, max, sum
of squares): a chunk of new readings is aggregated with numpy and *added* to the stored
rows (``add_readings``), inside the chunk's own transaction, so the readings and their
roll-ups commit together. A percentile is not mergeable, so none is kept: pages use max
and mean (and the spread from ``sum_sq``).

``rebuild`` recomputes them from the readings with SQL, one time window per transaction:
after a backfill that bypassed the ingest, after deleting readings (retention), or to
check the incremental ones. See docs/readings.md "Roll-ups".
"""

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction

from .models import Reading, ReadingDaily, ReadingHourly, Sensor
from .readings_copy import PG_EPOCH_US, copy_into

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
HOURLY_TABLE = ReadingHourly._meta.db_table
DAILY_TABLE = ReadingDaily._meta.db_table
READING_TABLE = Reading._meta.db_table
SENSOR_TABLE = Sensor._meta.db_table
STAGE = "reliability_rollup_stage"
STAGE_COLUMNS = "sensor_id, hour, day, count, sum, min, max, sum_sq"
COLUMNS = "sensor_id, bucket, count, sum, min, max, sum_sq"
# pg_advisory_xact_lock key pair: shared by chunks adding to the roll-ups, exclusive for a
# rebuild window (ingest.services takes (4711, batch id) for whole batches).
LOCK = (4712, 1)
# Adding a chunk's aggregates to what is stored: the result does not depend on the order
# chunks land in.
MERGE = """ON CONFLICT (sensor_id, bucket) DO UPDATE SET
    count = t.count + EXCLUDED.count,
    sum = t.sum + EXCLUDED.sum,
    min = LEAST(t.min, EXCLUDED.min),
    max = GREATEST(t.max, EXCLUDED.max),
    sum_sq = t.sum_sq + EXCLUDED.sum_sq"""
REPLACE = """ON CONFLICT (sensor_id, bucket) DO UPDATE SET
    count = EXCLUDED.count,
    sum = EXCLUDED.sum,
    min = EXCLUDED.min,
    max = EXCLUDED.max,
    sum_sq = EXCLUDED.sum_sq"""

# One staged row in PostgreSQL's binary COPY format: a sensor's aggregates for one hour.
_STAGE_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("sensor_len", ">i4"),
        ("sensor", ">i4"),
        ("hour_len", ">i4"),
        ("hour", ">i8"),
        ("day_len", ">i4"),
        ("day", ">i8"),
        ("count_len", ">i4"),
        ("count", ">i4"),
        ("sum_len", ">i4"),
        ("sum", ">f8"),
        ("min_len", ">i4"),
        ("min", ">f4"),
        ("max_len", ">i4"),
        ("max", ">f4"),
        ("sum_sq_len", ">i4"),
        ("sum_sq", ">f8"),
    ]
)
_LENGTHS = {"sensor": 4, "hour": 8, "day": 8, "count": 4, "sum": 8, "min": 4, "max": 4, "sum_sq": 8}


# --- Incremental: the readings a chunk has just inserted ------------------------------


def add_readings(cursor, sensor_ids: np.ndarray, unix_us: np.ndarray, values: np.ndarray):
    """Add readings just inserted (and only those) to the hourly and daily roll-ups.

    ``unix_us`` are microseconds since the Unix epoch (UTC), as the ingest holds them.
    Runs in the caller's transaction (the chunk's): the roll-ups commit, or roll back,
    with the readings. The chunk is aggregated per sensor and UTC hour with numpy (about
    13 ms for 470,000 rows), the few thousand hourly rows are binary-COPYed into a
    temporary table, and one statement merges them into both tables, in key order so two
    batches updating the same rows wait for each other instead of deadlocking.
    """
    if not len(sensor_ids):
        return
    payload = _encode(*_per_hour(sensor_ids, unix_us, values))
    with transaction.atomic(savepoint=False):  # all or nothing even in autocommit
        # Held until this transaction ends: a rebuild waits for it, and it for a rebuild.
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", LOCK)
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (sensor_id int4, hour timestamptz, "
            "day timestamptz, count int4, sum float8, min float4, max float4, sum_sq float8) "
            "ON COMMIT DELETE ROWS"
        )
        copy_into(cursor, STAGE, payload, columns=STAGE_COLUMNS)
        # Reading the stage through DELETE … RETURNING leaves it empty for the next call.
        cursor.execute(
            f"""WITH staged AS (DELETE FROM {STAGE} RETURNING *),
                hourly AS (
                    INSERT INTO {HOURLY_TABLE} AS t ({COLUMNS})
                    SELECT sensor_id, hour, count, sum, min, max, sum_sq FROM staged
                    ORDER BY sensor_id, hour
                    {MERGE}
                )
                INSERT INTO {DAILY_TABLE} AS t ({COLUMNS})
                SELECT sensor_id, day, sum(count), sum(sum), min(min), max(max), sum(sum_sq)
                FROM staged GROUP BY sensor_id, day ORDER BY sensor_id, day
                {MERGE}"""
        )


def _per_hour(sensor_ids, unix_us, values):
    """Aggregates per (sensor, UTC hour): sensor, hour and day starts (Unix µs), count,
    sum, min, max, sum of squares. Values are taken as stored: rounded to float4."""
    stored = np.asarray(values).astype(np.float32)
    wide = stored.astype(np.float64)
    hour = np.floor_divide(np.asarray(unix_us, dtype=np.int64), HOUR_US)
    # One int64 key per (sensor, hour): sensor ids are below 2**31, and hours since 1970
    # offset by 2**31 fit in 32 bits for any year a Python datetime holds (1 to 9999).
    key = (np.asarray(sensor_ids, dtype=np.int64) << 32) | (hour + 2**31)
    codes, keys = pd.factorize(key, sort=True)
    groups = len(keys)
    count = np.bincount(codes, minlength=groups)
    total = np.bincount(codes, weights=wide, minlength=groups)
    total_sq = np.bincount(codes, weights=wide * wide, minlength=groups)
    low = np.full(groups, np.inf, dtype=np.float32)
    np.minimum.at(low, codes, stored)
    high = np.full(groups, -np.inf, dtype=np.float32)
    np.maximum.at(high, codes, stored)
    sensor = keys >> 32
    hour_us = ((keys & 0xFFFFFFFF) - 2**31) * HOUR_US
    day_us = np.floor_divide(hour_us, DAY_US) * DAY_US
    return sensor, hour_us, day_us, count, total, low, high, total_sq


def _encode(sensor, hour_us, day_us, count, total, low, high, total_sq) -> bytes:
    rows = np.empty(len(sensor), dtype=_STAGE_ROW)
    rows["fields"] = 8
    for name, length in _LENGTHS.items():
        rows[f"{name}_len"] = length
    rows["sensor"] = sensor
    rows["hour"] = hour_us - PG_EPOCH_US
    rows["day"] = day_us - PG_EPOCH_US
    rows["count"] = count
    rows["sum"] = total
    rows["min"] = low
    rows["max"] = high
    rows["sum_sq"] = total_sq
    return rows.tobytes()


# --- Rebuild: from the readings table ----------------------------------------------------


@dataclass
class Rebuilt:
    sensors: int = 0
    steps: int = 0
    readings: int = 0
    hourly: int = 0
    daily: int = 0
    removed: int = 0  # roll-up rows of sensors that no longer exist
    first_day: dt.datetime | None = None
    end: dt.datetime | None = None
    seconds: float = 0.0


def rebuild(
    sensor_ids=None, since: dt.date | dt.datetime | None = None, *, days_per_step: int = 7
) -> Rebuilt:
    """Recompute the roll-ups of ``sensor_ids`` (all sensors when None) from the UTC day
    of ``since`` on (all history when None), replacing what is stored.

    Works through time windows of ``days_per_step`` UTC days, one transaction each, so a
    rebuild over a large table never holds one huge transaction, and each window reads
    its readings once (through the BRIN index on measured_at; one sensor's readings are
    spread over the whole table, so batches of sensors would each read most blocks).
    Each window takes the roll-up lock exclusively: it waits for chunks that are adding
    to the roll-ups to commit, and holds new additions off until it commits (seconds),
    so no landed chunk is counted twice or lost while a rebuild runs.
    """
    started = time.perf_counter()
    result = Rebuilt()
    floor = _utc_day(since) if since is not None else None
    with connection.cursor() as cursor:
        if sensor_ids is None:
            cursor.execute(f"SELECT id FROM {SENSOR_TABLE} ORDER BY id")
            sensors = [row[0] for row in cursor.fetchall()]
        else:
            sensors = sorted({int(s) for s in sensor_ids})
        result.sensors = len(sensors)
        first, last = _extent(cursor, sensors, floor)
        if first is not None:
            start = _utc_day(first) if floor is None else max(floor, _utc_day(first))
            result.first_day = start
            result.end = _utc_day(last) + dt.timedelta(days=1)
            step = dt.timedelta(days=days_per_step)
            while start < result.end:
                stop = min(start + step, result.end)
                with transaction.atomic():
                    readings, hourly, daily = _rebuild_window(cursor, sensors, start, stop)
                result.steps += 1
                result.readings += readings
                result.hourly += hourly
                result.daily += daily
                start = stop
        if sensor_ids is None:
            result.removed = _remove_orphans(cursor, floor)
    result.seconds = time.perf_counter() - started
    return result


def _extent(cursor, sensors, floor):
    """The first and last instant, from ``floor`` on, holding readings or roll-ups of
    ``sensors``: a few index probes per sensor, never a scan."""
    lower = floor or dt.datetime.min.replace(tzinfo=dt.UTC)
    cursor.execute(
        f"""SELECT min(e.lo) AT TIME ZONE 'UTC', max(e.hi) AT TIME ZONE 'UTC'
            FROM unnest(%s::int[]) AS s(id)
            CROSS JOIN LATERAL (
                SELECT min(measured_at) AS lo, max(measured_at) AS hi FROM {READING_TABLE}
                WHERE sensor_id = s.id AND measured_at >= %s
                UNION ALL
                SELECT min(bucket), max(bucket) FROM {HOURLY_TABLE}
                WHERE sensor_id = s.id AND bucket >= %s
                UNION ALL
                SELECT min(bucket), max(bucket) FROM {DAILY_TABLE}
                WHERE sensor_id = s.id AND bucket >= %s
            ) e""",
        [sensors, lower, lower, lower],
    )
    # Read as UTC wall times: right whatever the session's time zone.
    return [None if t is None else t.replace(tzinfo=dt.UTC) for t in cursor.fetchone()]


def _rebuild_window(cursor, sensors, start, stop) -> tuple[int, int, int]:
    # Exclusive against every chunk adding to the roll-ups: one holding the lock has
    # committed its readings with its additions before the statements below take their
    # snapshots; one that has not reached ``add_readings`` yet adds to what this writes.
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", LOCK)
    window = [sensors, start, stop]
    for table in (HOURLY_TABLE, DAILY_TABLE):
        cursor.execute(
            f"DELETE FROM {table} WHERE sensor_id = ANY(%s) AND bucket >= %s AND bucket < %s",
            window,
        )
    # date_trunc with an explicit 'UTC': the buckets do not depend on the session's zone.
    # ON CONFLICT replaces: a row deleted above may have been re-added by a chunk that
    # committed in between (its readings are in this statement's snapshot).
    cursor.execute(
        f"""INSERT INTO {HOURLY_TABLE} AS t ({COLUMNS})
            SELECT sensor_id, date_trunc('hour', measured_at, 'UTC'), count(*),
                   sum(value::float8), min(value), max(value), sum(value::float8 * value)
            FROM {READING_TABLE}
            WHERE sensor_id = ANY(%s) AND measured_at >= %s AND measured_at < %s
            GROUP BY 1, 2 ORDER BY 1, 2
            {REPLACE}
            RETURNING count""",
        window,
    )
    counts = cursor.fetchall()
    readings, hourly = sum(c for (c,) in counts), len(counts)
    cursor.execute(
        f"""INSERT INTO {DAILY_TABLE} AS t ({COLUMNS})
            SELECT sensor_id, date_trunc('day', bucket, 'UTC'), sum(count), sum(sum),
                   min(min), max(max), sum(sum_sq)
            FROM {HOURLY_TABLE}
            WHERE sensor_id = ANY(%s) AND bucket >= %s AND bucket < %s
            GROUP BY 1, 2 ORDER BY 1, 2
            {REPLACE}""",
        window,
    )
    return readings, hourly, cursor.rowcount


def _remove_orphans(cursor, floor) -> int:
    """Roll-up rows of sensors deleted (by SQL, past the admin's PROTECT)."""
    removed = 0
    for table in (HOURLY_TABLE, DAILY_TABLE):
        cursor.execute(
            f"""DELETE FROM {table} t WHERE t.bucket >= %s
                AND NOT EXISTS (SELECT 1 FROM {SENSOR_TABLE} s WHERE s.id = t.sensor_id)""",
            [floor or dt.datetime.min.replace(tzinfo=dt.UTC)],
        )
        removed += cursor.rowcount
    return removed


def _utc_day(value: dt.date | dt.datetime) -> dt.datetime:
    """Midnight UTC of the UTC day holding ``value`` (a date is taken as a UTC day)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a datetime without a time zone is ambiguous; give a UTC one")
        value = value.astimezone(dt.UTC).date()
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)

"""The readings fast path: whole-column validation, then binary COPY of new readings.

Measured on this machine (docs/performance.md): binary COPY into the readings table runs
at about 0.8M rows/s, while staging and ``INSERT … SELECT … ON CONFLICT DO NOTHING`` runs
at about 0.35M rows/s for new rows. So each chunk reads back, by binary COPY TO and one
primary-key range per sensor, the readings already stored inside its own time span
(nothing, for new data: the usual historian feed), sorts its rows into new, duplicate and
conflicting with numpy, and copies only the new ones straight into the table. A re-sent
file is therefore read, never written. Only when another batch stores the same readings
between the look and the copy does a chunk fall back to a staging table and an anti-join.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import psycopg2
from django.db import IntegrityError, connection, transaction

from reliability import readings_copy, rollups
from reliability.models import METRIC_BOUNDS, Reading, Sensor

from .fields import Errors, Field, convert
from .mappings import SITE_TIMEZONE
from .records import MISSING, Context, resolve_site

READING_TABLE = Reading._meta.db_table
SENSOR_TABLE = Sensor._meta.db_table
BRIN_INDEX = "reading_measured_at_brin"
METRICS = list(METRIC_BOUNDS)
SENSOR_ID = Field("sensor_id", "int", minimum=1, maximum=2**31 - 1)
MEASURED_AT = Field("measured_at", "datetime")
VALUE = Field("value", "float")
METRIC = Field("metric", "choice", choices=tuple(METRICS))
EPOCH = "timestamptz 'epoch'"


@dataclass
class SensorIndex:
    """The sensors a batch may write, as arrays and lookups, read once per batch."""

    ids: np.ndarray  # sorted
    site_of: dict[int, int]
    metric_of: np.ndarray  # metric index per id, aligned with ``ids``
    by_asset_metric: dict[tuple[int, str, str], list[tuple[int, str]]] = field(
        default_factory=dict
    )  # (site_id, asset code, metric) -> [(sensor id, sensor code)]

    @classmethod
    def load(cls, ctx: Context) -> "SensorIndex":
        sensors = Sensor.objects.all()
        if ctx.writable_sites is not None:
            sensors = sensors.filter(asset__site_id__in=ctx.writable_sites)
        rows = list(sensors.values_list("pk", "asset__site_id", "metric", "asset__code", "code"))
        rows.sort()
        by_asset_metric: dict = {}
        for pk, site_id, metric, asset_code, code in rows:
            by_asset_metric.setdefault((site_id, asset_code.lower(), metric), []).append(
                (pk, code.lower())
            )
        return cls(
            ids=np.array([r[0] for r in rows], dtype=np.int64),
            site_of={r[0]: r[1] for r in rows},
            metric_of=np.array([METRICS.index(r[2]) for r in rows], dtype=np.int8),
            by_asset_metric=by_asset_metric,
        )


@dataclass
class Outcome:
    inserted: int = 0
    duplicate: int = 0
    refused: int = 0  # rows not stored for a reason (each has entries in ``rejected``)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, reason)
    accepted_sites: set[int] = field(default_factory=set)


def process(frame: pd.DataFrame, ctx: Context, sensors: SensorIndex) -> Outcome:
    """Validate one chunk of readings and store the good ones; report the rest."""
    errors = Errors()
    lines = frame["__line__"].to_numpy()
    sensor_ids = _sensor_ids(frame, ctx, sensors, errors)
    position = np.searchsorted(sensors.ids, sensor_ids)
    position = np.clip(position, 0, max(len(sensors.ids) - 1, 0))
    metric = sensors.metric_of[position] if len(sensors.ids) else np.zeros(len(frame), np.int8)
    tz = _timezones(frame, ctx, sensors, sensor_ids)
    measured = convert(
        frame["measured_at"].reset_index(drop=True),
        MEASURED_AT,
        errors,
        tz=tz,
        fmt=ctx.mapping.timestamp_format,
        date_order=ctx.mapping.date_order,
    )
    values = convert(
        frame["value"].reset_index(drop=True), VALUE, errors, decimal=ctx.mapping.decimal
    ).to_numpy()
    if ctx.mapping.units:
        values = ctx.mapping.convert_units(
            values, "value", selector=lambda m: metric == METRICS.index(m) if m in METRICS else None
        )
    _check_bounds(values, metric, sensor_ids, errors)
    bad = np.zeros(len(frame), dtype=bool)
    bad[errors.rows()] = True
    outcome = Outcome(refused=int(bad.sum()))
    for row, reasons in errors.by_row.items():
        for name, reason in reasons:
            outcome.rejected.append((int(lines[row]), name, reason))
    good = ~bad
    unix_us = measured.to_numpy(dtype="datetime64[us]").astype(np.int64)
    keep, repeats = _first_of_each_key(sensor_ids, unix_us, values, good, lines, outcome)
    outcome.duplicate += repeats
    if keep.any():
        _store(sensor_ids[keep], unix_us[keep], values[keep], lines[keep], outcome)
        outcome.accepted_sites |= {
            sensors.site_of[s] for s in np.unique(sensor_ids[keep]) if s in sensors.site_of
        }
    return outcome


def _sensor_ids(frame, ctx, sensors: SensorIndex, errors: Errors) -> np.ndarray:
    if "sensor_id" in frame.columns:
        ids = convert(frame["sensor_id"].reset_index(drop=True), SENSOR_ID, errors)
        ids = ids.fillna(MISSING).to_numpy().astype(np.int64)
        known = np.isin(ids, sensors.ids)
        unknown = ~known & (ids != MISSING)
        if unknown.any():
            errors.add_mask(unknown, "sensor_id", "no sensor with this id that you may load into")
        return np.where(known, ids, MISSING)
    values: dict = {}
    resolve_site(frame, values, ctx, errors)
    site_ids = values["site_id"].to_numpy()
    metrics = convert(frame["metric"].reset_index(drop=True), METRIC, errors).to_numpy()
    assets = frame["asset"].reset_index(drop=True).fillna("").str.strip().str.lower().to_numpy()
    codes = (
        frame["sensor"].reset_index(drop=True).fillna("").str.strip().str.lower().to_numpy()
        if "sensor" in frame.columns
        else np.full(len(frame), "", dtype=object)
    )
    keys = pd.DataFrame({"site": site_ids, "asset": assets, "metric": metrics, "code": codes})
    group = keys.groupby(["site", "asset", "metric", "code"], sort=False, dropna=False).ngroup()
    unique = keys.drop_duplicates().reset_index(drop=True)
    # drop_duplicates keeps first occurrences in order, as ngroup(sort=False) numbers them.
    resolved = [_one_sensor(sensors, *row) for row in unique.itertuples(index=False)]
    ids = np.array([r[0] for r in resolved], dtype=np.int64)[group.to_numpy()]
    for number, (_sensor_id, reason, where) in enumerate(resolved):
        site_id, metric = unique.at[number, "site"], unique.at[number, "metric"]
        if reason and site_id != MISSING and metric in METRICS:
            errors.add(np.flatnonzero(group.to_numpy() == number), where, reason)
    return ids


def _one_sensor(sensors: SensorIndex, site_id, asset, metric, code):
    if not asset:
        return MISSING, "a value is required", "asset"
    candidates = sensors.by_asset_metric.get((site_id, asset, metric), [])
    if code:
        candidates = [c for c in candidates if c[1] == code]
    if len(candidates) == 1:
        return candidates[0][0], "", ""
    if not candidates:
        return MISSING, f"no {metric} sensor on this asset at this site", "asset"
    names = ", ".join(sorted(c[1] for c in candidates))
    return (
        MISSING,
        f"the asset has {len(candidates)} {metric} sensors ({names}); name one in "
        "a 'sensor' column",
        "sensor",
    )


def _timezones(frame, ctx: Context, sensors: SensorIndex, sensor_ids):
    if ctx.mapping.timezone != SITE_TIMEZONE:
        return ctx.mapping.timezone
    zones = {site.pk: site.timezone for site in ctx.sites().values()}
    zone_of_sensor = {sensor: zones.get(site) for sensor, site in sensors.site_of.items()}
    return pd.Series(sensor_ids).map(zone_of_sensor).fillna("UTC")


def _check_bounds(values, metric, sensor_ids, errors: Errors) -> None:
    known = sensor_ids != MISSING
    finite = np.isfinite(values)
    for index, name in enumerate(METRICS):
        low, high = METRIC_BOUNDS[name]
        rows = known & finite & (metric == index)
        out = rows & ((values < low) | (values > high))
        if out.any():
            errors.add_mask(
                out, "value", f"outside the physical range of {name} ({low:g} to {high:g})"
            )


def _first_of_each_key(sensor_ids, unix_us, values, good, lines, outcome: Outcome):
    """Keep the first reading of each (sensor, instant) in the chunk. A repeat with the
    same value is a duplicate; with another value it is refused, naming the first line."""
    keep = good.copy()
    candidates = np.flatnonzero(good)
    if not len(candidates):
        return keep, 0
    frame = pd.DataFrame({"s": sensor_ids[candidates], "t": unix_us[candidates]})
    repeated = frame.duplicated(["s", "t"], keep="first").to_numpy()
    if not repeated.any():
        return keep, 0
    firsts = frame[~repeated].reset_index().set_index(["s", "t"])["index"]
    repeats = 0
    for local in np.flatnonzero(repeated):
        row = candidates[local]
        first = candidates[firsts[(sensor_ids[row], unix_us[row])]]
        keep[row] = False
        if values[row] == values[first] or (np.isnan(values[row]) and np.isnan(values[first])):
            repeats += 1
        else:
            outcome.refused += 1
            outcome.rejected.append(
                (
                    int(lines[row]),
                    "value",
                    f"same sensor and time as line {lines[first]} with another value",
                )
            )
    return keep, repeats


def _store(sensor_ids, unix_us, values, lines, outcome: Outcome) -> None:
    """Lock the chunk's sensors against deletion, read back what is stored within the
    chunk's time span for each, and COPY only the readings not stored yet."""
    with connection.cursor() as cursor:
        present = _lock_sensors(cursor, np.unique(sensor_ids))
        gone = ~np.isin(sensor_ids, present)
        if gone.any():
            outcome.refused += int(gone.sum())
            for line in lines[gone]:
                outcome.rejected.append((int(line), "sensor_id", "the sensor was deleted"))
            keep = ~gone
            sensor_ids, unix_us, values, lines = (
                sensor_ids[keep],
                unix_us[keep],
                values[keep],
                lines[keep],
            )
        if not len(sensor_ids):
            return
        new = _leave_out_stored(cursor, sensor_ids, unix_us, values, lines, outcome)
        if not new.any():
            return
        try:
            with transaction.atomic():
                readings_copy.copy_into(
                    cursor,
                    READING_TABLE,
                    readings_copy.encode(unix_us[new], sensor_ids[new], values[new]),
                )
        except (IntegrityError, psycopg2.IntegrityError):  # copy_expert is not wrapped
            # Another batch stored some of them since we looked: merge row by row instead.
            _stage_and_merge(
                cursor, sensor_ids[new], unix_us[new], values[new], lines[new], outcome
            )
        else:
            outcome.inserted += int(new.sum())
            # Exactly the rows just copied, in this chunk's transaction.
            rollups.add_readings(cursor, sensor_ids[new], unix_us[new], values[new])


def _leave_out_stored(cursor, sensor_ids, unix_us, values, lines, outcome) -> np.ndarray:
    """Which readings are new. One read of the primary key per sensor, over the chunk's
    time span for that sensor (nothing comes back for new data, the usual case). A stored
    reading re-sent with its value is a duplicate; with another value it is refused:
    readings are never overwritten."""
    stored_us, stored_sensor, stored_value = _stored_in_spans(cursor, sensor_ids, unix_us)
    if not len(stored_us):
        return np.ones(len(sensor_ids), dtype=bool)
    chunk = pd.DataFrame({"s": sensor_ids, "t": unix_us})
    stored = pd.DataFrame({"s": stored_sensor, "t": stored_us, "stored": stored_value})
    matched = chunk.merge(stored, on=["s", "t"], how="left")["stored"].to_numpy()
    new = np.isnan(matched)
    conflict = ~new & (values.astype(np.float32) != matched.astype(np.float32))
    outcome.duplicate += int((~new & ~conflict).sum())
    outcome.refused += int(conflict.sum())
    for line, value in zip(lines[conflict], matched[conflict], strict=True):
        outcome.rejected.append(
            (
                int(line),
                "value",
                f"a reading for this sensor and time is stored with value {value:g}; "
                "readings are never overwritten",
            )
        )
    return new


def _stored_in_spans(cursor, sensor_ids, unix_us):
    spans = pd.DataFrame({"s": sensor_ids, "t": unix_us}).groupby("s")["t"].agg(["min", "max"])
    # LATERAL with OFFSET 0 (kept as a subquery): one primary-key range scan per sensor.
    query = cursor.mogrify(
        f"""SELECT r.measured_at, r.sensor_id, r.value
            FROM unnest(%s::int[], %s::bigint[], %s::bigint[]) AS span(s, lo, hi)
            CROSS JOIN LATERAL (
                SELECT measured_at, sensor_id, value FROM {READING_TABLE}
                WHERE sensor_id = span.s
                  AND measured_at BETWEEN {EPOCH} + span.lo * interval '1 microsecond'
                                      AND {EPOCH} + span.hi * interval '1 microsecond'
                OFFSET 0
            ) r""",
        [
            [int(s) for s in spans.index],
            [int(t) for t in spans["min"]],
            [int(t) for t in spans["max"]],
        ],
    )
    # Measured on the large demo: with thousands of sensors in a chunk PostgreSQL still
    # chose a hash join over a scan of the whole readings table (15 s a chunk, against
    # 0.1 s for one index probe per sensor), so hash and merge joins are off for this one
    # query; SET LOCAL keeps it inside the chunk's transaction.
    cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
    try:
        return readings_copy.copy_out(cursor, query)
    finally:
        cursor.execute("SET LOCAL enable_hashjoin = on; SET LOCAL enable_mergejoin = on")


def summarize_time_index() -> None:
    """Summarise the BRIN index over the blocks a batch added. Until then a time-window
    query reads every new block (94 ms instead of 1.2 ms for an hour of all sensors after
    2M new readings, docs/performance.md); autovacuum would do it only later."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT brin_summarize_new_values(%s::regclass)", [BRIN_INDEX])


def _lock_sensors(cursor, sensor_ids: np.ndarray) -> np.ndarray:
    """FOR KEY SHARE on the sensors, as a foreign key's check would take per row: a sensor
    cannot be deleted until this chunk commits. Returns the ids that still exist."""
    cursor.execute(
        f"SELECT id FROM {SENSOR_TABLE} WHERE id = ANY(%s) FOR KEY SHARE",
        [[int(s) for s in sensor_ids]],
    )
    return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def _stage_and_merge(cursor, sensor_ids, unix_us, values, lines, outcome: Outcome) -> None:
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS ingest_reading_stage "
        "(measured_at timestamptz, sensor_id int4, value float4, line int4) ON COMMIT DELETE ROWS"
    )
    cursor.execute("TRUNCATE ingest_reading_stage")
    readings_copy.copy_into(
        cursor,
        "ingest_reading_stage",
        readings_copy.encode(unix_us, sensor_ids, values, lines=lines),
        columns="measured_at, sensor_id, value, line",
    )
    cursor.execute("ANALYZE ingest_reading_stage")
    # A stored reading with another value: refused, so a correction is never lost silently.
    cursor.execute(
        f"""SELECT s.line, r.value FROM ingest_reading_stage s
            JOIN {READING_TABLE} r USING (sensor_id, measured_at)
            WHERE r.value IS DISTINCT FROM s.value"""
    )
    conflicts = cursor.fetchall()
    outcome.refused += len(conflicts)
    for line, stored in conflicts:
        outcome.rejected.append(
            (
                int(line),
                "value",
                f"a reading for this sensor and time is stored with value "
                f"{stored:g}; readings are never overwritten",
            )
        )
    # The rows actually inserted come back (binary COPY of RETURNING) for the roll-ups.
    inserted_us, inserted_sensor, inserted_value = readings_copy.copy_out(
        cursor,
        f"""INSERT INTO {READING_TABLE} ({readings_copy.COLUMNS})
            SELECT s.measured_at, s.sensor_id, s.value FROM ingest_reading_stage s
            WHERE NOT EXISTS (
                SELECT 1 FROM {READING_TABLE} r
                WHERE r.sensor_id = s.sensor_id AND r.measured_at = s.measured_at
            )
            ON CONFLICT DO NOTHING
            RETURNING {readings_copy.COLUMNS}""".encode(),
    )
    rollups.add_readings(cursor, inserted_sensor, inserted_us, inserted_value)
    inserted = len(inserted_us)
    outcome.inserted += inserted
    outcome.duplicate += len(sensor_ids) - inserted - len(conflicts)

"""Benchmark: alert evaluation and roll-up maintenance for one day of minute readings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_recompute \
        python bench/alerts.py [--profile] [--top 15]

Alert evaluation and roll-up maintenance for one day of minute readings from every sensor
of the large demo: seconds per day of data, and the ratio to the time the ingest of that
day takes. Target: alerts and roll-ups add at most 25 % to ingest time.

Uses the database named by DATABASE_URL, which must hold the large demo (seed 7, end
2026-11-01; ``bench/recompute.py`` loads it). Steps:

1. Setup (not measured as a figure): ``migrate``; when the roll-up tables are empty,
   ``reliability.rollups.rebuild(since=2026-10-18)`` so the evaluation has 14 days of
   hourly history; removes what an interrupted run may have left.
2. Writes a CSV in the canonical readings format (``sensor_id,measured_at,value``) with
   one reading per minute of 2026-11-02 (UTC) for every active sensor, timestamp-major
   (as a historian sends them, minute by minute). Each sensor's hourly level is the demo
   plan's value for that hour (``sensor_values``: baseline, daily cycle, fault episodes);
   each minute adds 1 % noise.
3. Ingest: ``ingest.services.batch_ingest_file(path=path, kind="readings")`` in this process,
   after a ``CHECKPOINT``. The time spent in ``reliability.rollups.add_readings`` (called by the
   ingest inside each chunk's transaction) is measured by wrapping it; ``ingest_s`` is the
   ingest's total minus that. The site recompute a finished batch asks for is not run: in
   production it is a separate Celery task, debounced; here (no broker, eager tasks) it
   would run inline and write today's score snapshots. The sites it would queue are
   printed. The ingest alone is broken down by step (wrapping the functions it calls).
4. Alerts: ``reliability.alerting.alerts_evaluate(now=2026-11-03T00:00Z)`` over all
   sensors (it reads the hourly roll-ups of the last 14 days), after a ``CHECKPOINT``;
   its phases (reading the hourly means, assessing each sensor, recording alerts) are
   measured by wrapping them.
5. ``alerts_and_rollups_s`` = roll-up time + evaluation time; ``overhead_ratio`` =
   ``alerts_and_rollups_s`` ÷ ``ingest_s``. With ``--profile``, or when the target is
   missed, profiles (cProfile) the evaluation again (after deleting the alerts it opened)
   and the roll-up maintenance again (after deleting the day's roll-up rows, replaying
   ``add_readings`` over the same rows in the same chunks), and prints the hotspots.
6. Cleanup: deletes the day's readings, its roll-up rows (hourly buckets of 2026-11-02,
   the daily bucket 2026-11-02), the alerts this run opened (ids above the largest before
   the run; alerts it updated are counted, they cannot be restored), the ingest batch with
   its stored file and the CSV, then ``VACUUM ANALYZE`` of the readings and roll-up tables.

Prints one line per figure, then one JSON object as the last line.
"""

import argparse
import cProfile
import datetime as dt
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")
# The ingest stores each file it loads; keep the benchmark's copy out of DATA_DIR.
OWN_MEDIA_ROOT = None if "MEDIA_ROOT" in os.environ else tempfile.mkdtemp(prefix="bench_media_")
if OWN_MEDIA_ROOT:
    os.environ["MEDIA_ROOT"] = OWN_MEDIA_ROOT

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from hotspots import hotspots  # noqa: E402

from demo.generator import generate, sensor_values  # noqa: E402
from demo.scales import SCALES  # noqa: E402
from ingest import readings as ingest_readings  # noqa: E402
from ingest import services as ingest_services  # noqa: E402
from ingest.models import IngestBatch  # noqa: E402
from ingest.signals import batch_loaded  # noqa: E402
from reliability import alerting, rollups  # noqa: E402
from reliability.models import METRIC_BOUNDS, Alert, ReadingDaily, ReadingHourly, Sensor  # noqa: E402
from scores.receivers import RECOMPUTE_AFTER_INGEST, recompute_after_ingest  # noqa: E402

SEED = 7
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # the demo's end
NEW_DAY = dt.date(2026, 11, 2)
DAY_START = dt.datetime.combine(NEW_DAY, dt.time(0), tzinfo=dt.UTC)
DAY_END = DAY_START + dt.timedelta(days=1)
EVALUATE_AT = DAY_END  # 2026-11-03T00:00Z: the day just ended
ROLLUP_SINCE = dt.date(2026, 10, 18)
MINUTES = 24 * 60
MINUTE_NOISE = 0.01
CSV_CHUNK_MINUTES = 30
TARGET_RATIO = 0.25


def main() -> None:
    args = _parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the benchmark's own database (it adds and deletes data).")
    result: dict = {}
    setup: dict = {}

    t0 = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    setup["migrate_s"] = _round(time.perf_counter() - t0)
    _line("migrate", f"{setup['migrate_s']} s")
    leftover = _remove_added(None)
    if any(leftover.values()):
        _line("removed a previous run's leftovers", leftover)
        _vacuum()
    setup["rollups"] = _ensure_rollups()

    sensors = list(
        Sensor.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "metric", "asset__site__code", "asset__code", "code")
    )
    t0 = time.perf_counter()
    data = generate(SCALES["large"], seed=SEED, end=END)
    setup["demo_plan_s"] = _round(time.perf_counter() - t0)
    sensor_ids, unix_us, values = _minute_readings(data, sensors)
    rows = len(sensor_ids)
    result["readings"] = rows
    result["sensors"] = len(sensors)
    _line(
        "readings", f"{rows:,} ({len(sensors):,} active sensors × {MINUTES:,} minutes of {NEW_DAY})"
    )

    max_alert_before = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    open_before = Alert.objects.exclude(status="closed").count()
    fd, name = tempfile.mkstemp(prefix="bench_alerts_", suffix=".csv")
    path = Path(name)
    phases: dict = {}
    try:
        with os.fdopen(fd, "wb") as out:
            t0 = time.perf_counter()
            _write_csv(out, sensor_ids, unix_us, values)
            phases["write_csv"] = _round(time.perf_counter() - t0)
        result["file_bytes"] = path.stat().st_size
        _line(
            "CSV file",
            f"{result['file_bytes']:,} bytes ({result['file_bytes'] / rows:.1f} bytes/row), "
            f"written in {phases['write_csv']} s",
        )

        chunk_rows = _ingest(path, rows, result, phases)
        _evaluate(result, phases, open_before)

        result["alerts_and_rollups_s"] = _round(phases["rollups"] + phases["evaluate"])
        result["overhead_ratio"] = round(
            (phases["rollups"] + phases["evaluate"]) / phases["ingest_alone"], 3
        )
        result["seconds_per_day_of_data"] = result["alerts_and_rollups_s"]
        result["target_met"] = result["overhead_ratio"] <= TARGET_RATIO
        _line(
            "alerts_and_rollups_s",
            f"{result['alerts_and_rollups_s']} s per day of data "
            f"(roll-ups {phases['rollups']} s + evaluation {phases['evaluate']} s)",
        )
        _line(
            "overhead_ratio",
            f"{result['overhead_ratio']} of the ingest alone ({result['ingest_s']} s; "
            f"target ≤ {TARGET_RATIO}: {'met' if result['target_met'] else 'MISSED'})",
        )
        if args.profile or not result["target_met"]:
            result["hotspots"] = _profile(
                args.top, max_alert_before, sensor_ids, unix_us, values, chunk_rows
            )
    finally:
        t0 = time.perf_counter()
        removed = _remove_added(max_alert_before)
        removed["batches"] = _delete_batches(path.name)
        path.unlink(missing_ok=True)
        _vacuum()
        phases["cleanup"] = _round(time.perf_counter() - t0)
        _line(
            "cleanup",
            f"deleted {removed['readings']:,} readings, {removed['hourly']:,} hourly and "
            f"{removed['daily']:,} daily roll-up rows, {removed['alerts']} alerts, "
            f"{removed['batches']} ingest batch(es) with the file; VACUUM ANALYZE "
            f"({phases['cleanup']} s)",
        )
    result["phases_s"] = phases
    result["setup"] = setup
    _line("phases (s)", phases)
    last = {
        "readings": result["readings"],
        "ingest_s": result["ingest_s"],
        "alerts_and_rollups_s": result["alerts_and_rollups_s"],
        "overhead_ratio": result["overhead_ratio"],
    }
    details = {k: v for k, v in result.items() if k != "hotspots"}  # printed above
    _line("details", json.dumps(details, sort_keys=True, default=str))
    print(json.dumps(last))


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--profile", action="store_true", help="Profile even when the target is met."
    )
    parser.add_argument("--top", type=int, default=15, help="Hotspots to print when profiling.")
    return parser.parse_args()


# --- Step 1: setup ------------------------------------------------------------------------


def _ensure_rollups() -> dict:
    """Build the roll-ups of the last days when the tables are empty (a fresh migration):
    the evaluation reads 14 days of hourly roll-ups."""
    hourly = ReadingHourly.objects.exists()
    daily = ReadingDaily.objects.exists()
    if hourly and daily:
        _line("roll-ups", "present; not rebuilt")
        return {"rebuilt": False}
    t0 = time.perf_counter()
    rebuilt = rollups.rebuild(since=ROLLUP_SINCE)
    seconds = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {rollups.HOURLY_TABLE}")
        cursor.execute(f"ANALYZE {rollups.DAILY_TABLE}")
    _line(
        "roll-ups rebuilt (setup)",
        f"since {ROLLUP_SINCE}: {rebuilt.readings:,} readings → {rebuilt.hourly:,} hourly and "
        f"{rebuilt.daily:,} daily rows, {rebuilt.steps} steps in {seconds:.2f} s",
    )
    return {
        "rebuilt": True,
        "since": ROLLUP_SINCE.isoformat(),
        "readings": rebuilt.readings,
        "hourly": rebuilt.hourly,
        "daily": rebuilt.daily,
        "seconds": _round(seconds),
    }


# --- Step 2: the day's minute readings ----------------------------------------------------


def _minute_readings(data, sensors):
    """Timestamp-major arrays (sensor id, Unix µs, value) for every minute of NEW_DAY and
    every sensor: the demo plan's value for the hour, with MINUTE_NOISE relative noise."""
    plans = {(p.site, p.asset, p.code): p for p in data.sensors}
    hours = np.arange(
        np.datetime64(DAY_START.replace(tzinfo=None), "h"),
        np.datetime64(DAY_END.replace(tzinfo=None), "h"),
    )
    hourly = np.empty((len(hours), len(sensors)), dtype=np.float64)
    upper = np.empty(len(sensors))
    for column, (_pk, metric, site, asset, code) in enumerate(sensors):
        plan = plans.get((site, asset, code))
        hourly[:, column] = sensor_values(plan, hours) if plan is not None else 1.0
        upper[column] = METRIC_BOUNDS[metric][1]
    rng = np.random.default_rng(SEED)
    values = hourly[np.repeat(np.arange(len(hours)), 60)]  # (minute, sensor)
    values *= 1 + MINUTE_NOISE * rng.standard_normal(values.shape)
    values = np.clip(values, 0.0, upper).round(3).astype(np.float32)
    ids = np.array([s[0] for s in sensors], dtype=np.int64)
    first_us = int(DAY_START.timestamp()) * 1_000_000
    minute_us = first_us + np.arange(MINUTES, dtype=np.int64) * 60_000_000
    return (
        np.tile(ids, MINUTES),
        np.repeat(minute_us, len(ids)),
        values.reshape(-1),
    )


def _write_csv(out, sensor_ids, unix_us, values) -> None:
    """Our readings format, CSV_CHUNK_MINUTES minutes at a time, with numpy string ufuncs."""
    out.write(b"sensor_id,measured_at,value\n")
    per_minute = int(np.count_nonzero(unix_us == unix_us[0]))
    step = per_minute * CSV_CHUNK_MINUTES
    for i0 in range(0, len(sensor_ids), step):
        i1 = min(len(sensor_ids), i0 + step)
        stamps = np.datetime_as_string(unix_us[i0:i1].astype("datetime64[us]"), unit="s")
        line = np.strings.add(sensor_ids[i0:i1].astype("S11"), b",")
        line = np.strings.add(line, stamps.astype("S19"))
        line = np.strings.add(line, b"+00:00,")
        line = np.strings.add(line, values[i0:i1].astype(str).astype("S"))
        out.write(b"\n".join(line.tolist()))
        out.write(b"\n")


# --- Step 3: the ingest -------------------------------------------------------------------


def _ingest(path: Path, rows: int, result: dict, phases: dict) -> list[int]:
    """Times the ingest of the file, and apart the roll-up maintenance inside it.
    Returns the row count of each ``add_readings`` call (to replay them when profiling).

    Also wraps, for a breakdown of the ingest only, the steps it calls by module attribute:
    reading and parsing chunks, each chunk's transaction (commit included), the readings'
    processing, the look-up of stored readings, the sensor locks, the readings' COPY and
    the batch's end (BRIN summary)."""
    chunk_rows: list[int] = []
    spent: dict[str, float] = {}
    patches = [
        (rollups, "add_readings", "rollups"),
        (ingest_services.csvchunks, "count_lines", "count_lines"),
        (ingest_services.csvchunks, "read_chunk", "read_chunk"),
        (ingest_services, "_commit_chunk", "chunk_transaction"),
        (ingest_readings, "process", "process"),
        (ingest_readings, "_lock_sensors", "lock_sensors"),
        (ingest_readings, "_stored_in_spans", "stored_in_spans"),
        (ingest_readings.readings_copy, "copy_into", "copy_readings"),
        (ingest_services, "_finish", "finish"),
    ]
    originals = [(module, name, getattr(module, name)) for module, name, _ in patches]
    for module, name, bucket in patches:
        spent[bucket] = 0.0
        function = getattr(module, name)
        wrapper = _timed(function, spent, bucket)
        if name == "add_readings":
            wrapper = _counting(wrapper, chunk_rows)
        setattr(module, name, wrapper)
    # The recompute a finished batch asks for is not run here: the scores' receiver of
    # batch_loaded is swapped for one that only notes the sites.
    queued: list[int] = []

    def note_sites(sender, site_ids, **kwargs):
        queued.extend(site_ids)

    batch_loaded.disconnect(dispatch_uid=RECOMPUTE_AFTER_INGEST)
    batch_loaded.connect(note_sites, dispatch_uid="bench-alerts-note-sites")
    try:
        _checkpoint()
        t0 = time.perf_counter()
        batch = ingest_services.batch_ingest_file(path=path, kind="readings")
        total = time.perf_counter() - t0
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
        batch_loaded.disconnect(dispatch_uid="bench-alerts-note-sites")
        batch_loaded.connect(recompute_after_ingest, dispatch_uid=RECOMPUTE_AFTER_INGEST)
    counts = {
        f: getattr(batch, f)
        for f in ("status", "rows_read", "rows_inserted", "rows_duplicate", "rows_rejected")
    }
    _line("ingest batch", counts)
    if counts["status"] != "done" or counts["rows_inserted"] != rows:
        raise RuntimeError(f"ingest did not store every row: {counts} ({batch.error})")
    rollup_s = spent["rollups"]
    phases["ingest_total"] = _round(total)
    phases["rollups"] = _round(rollup_s)
    phases["ingest_alone"] = _round(total - rollup_s)
    result["ingest_s"] = phases["ingest_alone"]
    result["rollup_s"] = phases["rollups"]
    result["rollup_calls"] = len(chunk_rows)
    result["ingest_rows_per_s"] = round(rows / total)
    result["site_recompute_not_run_for"] = len(queued)
    breakdown = {
        "store_file_and_batch": total
        - spent["count_lines"]
        - spent["read_chunk"]
        - spent["chunk_transaction"]
        - spent["finish"],
        "count_lines": spent["count_lines"],
        "read_and_parse_chunks": spent["read_chunk"],
        "copy_readings": spent["copy_readings"],
        "stored_in_spans": spent["stored_in_spans"],
        "lock_sensors": spent["lock_sensors"],
        "process_other": spent["process"]
        - spent["copy_readings"]
        - spent["stored_in_spans"]
        - spent["lock_sensors"]
        - rollup_s,
        "chunk_other_and_commit": spent["chunk_transaction"] - spent["process"],
        "finish_brin_summary": spent["finish"],
    }
    phases["ingest_breakdown"] = {k: _round(v) for k, v in breakdown.items()}
    _line(
        "ingest total",
        f"{total:.2f} s ({result['ingest_rows_per_s']:,} rows/s, {len(chunk_rows)} chunks)",
    )
    _line(
        "roll-ups (add_readings)",
        f"{rollup_s:.2f} s in {len(chunk_rows)} calls "
        f"({1000 * rollup_s / max(1, len(chunk_rows)):.0f} ms per chunk)",
    )
    _line("ingest_s (ingest alone)", f"{result['ingest_s']} s")
    _line("ingest alone, by step (s)", phases["ingest_breakdown"])
    _line("site recompute not run", f"{len(queued)} sites would be queued")
    return chunk_rows


def _timed(function, spent: dict, bucket: str):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[bucket] += time.perf_counter() - t0

    return wrapper


def _counting(function, sizes: list[int]):
    @functools.wraps(function)
    def wrapper(cursor, sensor_ids, *args, **kwargs):
        sizes.append(len(sensor_ids))
        return function(cursor, sensor_ids, *args, **kwargs)

    return wrapper


# --- Step 4: alert evaluation -------------------------------------------------------------


def _evaluate(result: dict, phases: dict, open_before: int) -> None:
    spent = {"_hourly_means": 0.0, "assess": 0.0, "_record": 0.0}
    originals = {name: getattr(alerting, name) for name in spent}
    for name, original in originals.items():
        setattr(alerting, name, _timed(original, spent, name))
    try:
        _checkpoint()
        t0 = time.perf_counter()
        counts = alerting.alerts_evaluate(now=EVALUATE_AT)
        seconds = time.perf_counter() - t0
    finally:
        for name, original in originals.items():
            setattr(alerting, name, original)
    phases["evaluate"] = _round(seconds)
    phases["evaluate_read_hourly"] = _round(spent["_hourly_means"])
    phases["evaluate_assess"] = _round(spent["assess"])
    phases["evaluate_record"] = _round(spent["_record"])
    phases["evaluate_other"] = _round(seconds - sum(spent.values()))
    result["evaluate_s"] = phases["evaluate"]
    result["alerts"] = {**counts, "open_before": open_before}
    _line(
        "alerts_evaluate",
        f"{seconds:.2f} s for {counts['sensors']:,} sensors as of {EVALUATE_AT.isoformat()}: "
        f"{counts['opened']} opened, {counts['updated']} updated "
        f"({open_before} open before the run)",
    )
    _line(
        "evaluation phases",
        f"read hourly means {phases['evaluate_read_hourly']} s, assess "
        f"{phases['evaluate_assess']} s, record {phases['evaluate_record']} s, other "
        f"{phases['evaluate_other']} s",
    )


# --- Step 5: profile ----------------------------------------------------------------------


def _profile(top: int, max_alert_before: int, sensor_ids, unix_us, values, chunk_rows):
    """cProfile the evaluation again (its alerts deleted first, so it opens them again) and
    the roll-up maintenance again (the day's roll-up rows deleted, ``add_readings`` replayed
    over the same rows in the same chunks, one transaction each)."""
    found = {}
    Alert.objects.filter(pk__gt=max_alert_before).delete()
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    alerting.alerts_evaluate(now=EVALUATE_AT)
    profiler.disable()
    _line("profiled alerts_evaluate", f"{time.perf_counter() - t0:.2f} s (with the profiler)")
    found["alerts_evaluate"] = hotspots(profiler, top, "alerts_evaluate", exclude="bench/alerts.py")

    _delete_day_rollups()
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    start = 0
    for size in chunk_rows:
        stop = start + size
        with transaction.atomic(), connection.cursor() as cursor:
            profiler.enable()
            rollups.add_readings(
                cursor, sensor_ids[start:stop], unix_us[start:stop], values[start:stop]
            )
            profiler.disable()
        start = stop
    _line(
        "profiled add_readings replay",
        f"{time.perf_counter() - t0:.2f} s for {start:,} rows in {len(chunk_rows)} calls "
        "(with the profiler)",
    )
    found["add_readings"] = hotspots(
        profiler, top, "add_readings (replayed)", exclude="bench/alerts.py"
    )
    return found


# --- Step 6: clean up ---------------------------------------------------------------------


def _remove_added(max_alert_before: int | None) -> dict:
    """The day's readings and roll-up rows, and this run's alerts: those above
    ``max_alert_before``; when None (a previous run's leftovers), those detected after the
    demo's end, which only an evaluation of NEW_DAY can have opened."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reliability_reading WHERE measured_at >= %s AND measured_at < %s",
            [DAY_START, DAY_END],
        )
        readings = cursor.rowcount
        hourly, daily = _delete_day_rollups()
        if max_alert_before is None:
            alerts = Alert.objects.filter(detected_at__gt=END + dt.timedelta(days=1))
        else:
            alerts = Alert.objects.filter(pk__gt=max_alert_before)
        alert_count = alerts.count()
        alerts.delete()
    return {"readings": readings, "hourly": hourly, "daily": daily, "alerts": alert_count}


def _delete_day_rollups() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {rollups.HOURLY_TABLE} WHERE bucket >= %s AND bucket < %s",
            [DAY_START, DAY_END],
        )
        hourly = cursor.rowcount
        cursor.execute(f"DELETE FROM {rollups.DAILY_TABLE} WHERE bucket = %s", [DAY_START])
        daily = cursor.rowcount
    return hourly, daily


def _delete_batches(file_name: str) -> int:
    """The benchmark's batches (found by the temporary file's unique name) and their files."""
    batches = list(IngestBatch.objects.filter(file_name=file_name))
    for batch in batches:
        batch.file.delete(save=False)
        batch.delete()  # its rejected rows go with it (CASCADE)
    return len(batches)


def _vacuum() -> None:
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE reliability_reading")
        cursor.execute(f"VACUUM ANALYZE {rollups.HOURLY_TABLE}")
        cursor.execute(f"VACUUM ANALYZE {rollups.DAILY_TABLE}")


# --- Helpers ------------------------------------------------------------------------------


def _checkpoint() -> None:
    """Flush dirty buffers first, so one phase's writes are not paid for by the next."""
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _line(label: str, value) -> None:
    print(f"{label:>40}: {value}", flush=True)


def _round(seconds: float) -> float:
    return round(seconds, 2)


if __name__ == "__main__":
    try:
        main()
    finally:
        if OWN_MEDIA_ROOT:
            shutil.rmtree(OWN_MEDIA_ROOT, ignore_errors=True)

"""Benchmark: readings ingest against plain PostgreSQL COPY, on the same file and database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ingest \
        python bench/ingest.py --rows 2000000

Loads the small demo portfolio if the database has no sensors, then writes ``--rows``
readings (one per sensor per minute, after the latest stored reading) to a temporary CSV in
our readings format (``sensor_id,measured_at,value``) and measures, in rows per second:

- ``copy``: CSV ``COPY`` into an unlogged table with no index or constraint (the ceiling);
- ``indexed_copy``: the same ``COPY`` into an empty copy of ``reliability_reading`` (same
  primary key, BRIN index and check, logged; like it, no foreign key);
- ``partitioned_copy``: the same into a copy partitioned by month on ``measured_at``;
- ``ingest``: ``ingest.services.batch_ingest_file(path=path, kind="readings")``, the full batch path
  into ``reliability_reading``; ``resend``: the same file again (all duplicates).

Every timed phase starts after a ``CHECKPOINT`` and includes its commit. Two typical reads
are timed on the plain and the partitioned copy. At the end the scratch tables are dropped
and the generated readings and the benchmark's ingest batches (with their stored files, kept
in a temporary MEDIA_ROOT unless one is set) are deleted, so a re-run starts from the same
state. Prints one line per figure, then one JSON object as the last line.
``--skip-ingest`` measures only the COPY figures.
"""

import argparse
import datetime as dt
import io
import json
import math
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
# The ingest stores each file it loads; keep the benchmark's copies out of DATA_DIR.
OWN_MEDIA_ROOT = None if "MEDIA_ROOT" in os.environ else tempfile.mkdtemp(prefix="bench_media_")
if OWN_MEDIA_ROOT:
    os.environ["MEDIA_ROOT"] = OWN_MEDIA_ROOT

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402

from reliability.models import Reading, Sensor  # noqa: E402

COPY_SQL = "COPY {table} (sensor_id, measured_at, value) FROM STDIN WITH (FORMAT csv, HEADER true)"
SCRATCH_TABLES = ("scratch_raw", "scratch_indexed", "scratch_part")
CHUNK_ROWS = 250_000
# Each sensor hovers around a level drawn from its metric's range (well inside the bounds
# the ingest checks), with 5% noise.
LEVELS = {"vibration_velocity_rms": (0.5, 8.0), "temperature": (30.0, 90.0), "current": (5, 200)}
QUERY_REPEATS = 5


def main() -> None:
    args = _parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the benchmark's own database (it creates and drops tables).")
    call_command("migrate", "--noinput", verbosity=0)
    if not Sensor.objects.exists():
        print("No sensors: loading the small demo portfolio (seed 7, end 2026-11-01)")
        summary = io.StringIO()
        call_command(
            "seed_demo",
            *("--scale", "small", "--seed", "7", "--end-date", "2026-11-01", "--json"),
            stdout=summary,
            stderr=io.StringIO(),
        )
        print(f"demo loaded: {json.loads(summary.getvalue().splitlines()[-1])['checksum']}")

    # A previous run's deleted readings leave dead index entries in the very key range this
    # run writes: every uniqueness check would visit them. Start from a vacuumed table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reliability_reading")
    sensors = sorted(Sensor.objects.values_list("id", "metric"))
    sensor_ids = np.array([pk for pk, _ in sensors], dtype=np.int64)
    metrics = [metric for _, metric in sensors]
    latest = Reading.objects.aggregate(latest=Max("measured_at"))["latest"]
    step = dt.timedelta(seconds=args.step_seconds)
    start = _first_instant_after(latest, step)
    instants = math.ceil(args.rows / len(sensor_ids))
    end = start + (instants - 1) * step
    seconds: dict[str, float] = {}
    result: dict = {
        "rows": args.rows,
        "sensors": len(sensor_ids),
        "first_measured_at": start.isoformat(),
        "last_measured_at": end.isoformat(),
        "seconds": seconds,
    }

    fd, name = tempfile.mkstemp(prefix="bench_ingest_", suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            t0 = time.perf_counter()
            _write_csv(out, sensor_ids, metrics, start, step, args.rows, args.seed)
            seconds["generate"] = _round(time.perf_counter() - t0)
        result["file_bytes"] = path.stat().st_size
        _line("rows", f"{args.rows:,} ({len(sensor_ids)} sensors × {instants:,} instants)")
        _line("time range", f"{start.isoformat()} → {end.isoformat()}")
        _line(
            "CSV file",
            f"{result['file_bytes']:,} bytes ({result['file_bytes'] / args.rows:.1f} bytes/row), "
            f"written in {seconds['generate']} s",
        )

        _drop_scratch()
        _create_scratch(start, end)
        for key, table in [
            ("copy", "scratch_raw"),
            ("indexed_copy", "scratch_indexed"),
            ("partitioned_copy", "scratch_part"),
        ]:
            elapsed = _timed_copy(path, table)
            seconds[key] = _round(elapsed)
            loaded = _count(table)
            assert loaded == args.rows, f"{table}: {loaded} rows loaded, expected {args.rows}"
            result[f"{key}_rows_per_s"] = round(args.rows / elapsed)
            _line(f"{key} rows/s", f"{result[f'{key}_rows_per_s']:,} ({elapsed:.2f} s, {table})")
        result["partitioned_vs_indexed_copy"] = round(
            result["partitioned_copy_rows_per_s"] / result["indexed_copy_rows_per_s"], 2
        )
        _line("partitioned ÷ indexed COPY", result["partitioned_vs_indexed_copy"])
        result["partitions"] = _partition_count("scratch_part")
        result["query_ms"] = _compare_queries(int(sensor_ids[0]), end)
        for key, ms in result["query_ms"].items():
            _line(f"query {key}", f"{ms} ms (best of {QUERY_REPEATS})")

        if args.skip_ingest:
            result.update(
                ingest_rows_per_s=None, resend_rows_per_s=None, ratio=None, raw_ratio=None
            )
            _line("ingest", "skipped (--skip-ingest)")
        else:
            _run_ingest(path, args.rows, result)
    finally:
        t0 = time.perf_counter()
        _drop_scratch()
        deleted = _delete_generated(start, end)
        batches = _delete_batches(path.name)
        seconds["cleanup"] = _round(time.perf_counter() - t0)
        path.unlink(missing_ok=True)
        print(
            f"cleanup: dropped scratch tables, deleted {deleted:,} generated readings "
            f"and {batches} ingest batches with their stored files"
        )
    print(json.dumps(result, sort_keys=True))


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7, help="Seed of the readings' values.")
    parser.add_argument("--step-seconds", type=int, default=60, help="Seconds between instants.")
    parser.add_argument("--skip-ingest", action="store_true", help="Measure only the COPY figures.")
    args = parser.parse_args()
    if args.rows < 1 or args.step_seconds < 1:
        parser.error("--rows and --step-seconds must be positive")
    return args


# --- The file ---------------------------------------------------------------------------


def _first_instant_after(latest: dt.datetime | None, step: dt.timedelta) -> dt.datetime:
    """The first whole step strictly after ``latest`` (UTC)."""
    if latest is None:
        return dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    steps = (latest.astimezone(dt.UTC) - epoch) // step
    return epoch + (steps + 1) * step


def _write_csv(out, sensor_ids, metrics, start, step, rows, seed) -> None:
    """Timestamp-major rows, built with numpy string ufuncs, CHUNK_ROWS at a time."""
    rng = np.random.default_rng(seed)
    n = len(sensor_ids)
    low, high = np.array([LEVELS.get(m, (1.0, 50.0)) for m in metrics], dtype=float).T
    levels = rng.uniform(low, high)
    ids = sensor_ids.astype("S11")
    first = np.datetime64(start.replace(tzinfo=None), "s")
    out.write(b"sensor_id,measured_at,value\n")
    per_chunk = max(1, CHUNK_ROWS // n)
    instants = math.ceil(rows / n)
    step_s = np.timedelta64(int(step.total_seconds()), "s")
    for i0 in range(0, instants, per_chunk):
        i1 = min(instants, i0 + per_chunk)
        stamps = np.datetime_as_string(first + np.arange(i0, i1) * step_s, unit="s")
        stamps = np.strings.add(stamps.astype("S19"), b"+00:00")
        count = min(rows - i0 * n, (i1 - i0) * n)
        which = np.tile(np.arange(n), i1 - i0)[:count]
        when = np.repeat(np.arange(i1 - i0), n)[:count]
        noise = rng.normal(1.0, 0.05, count).clip(0.5, 1.5)
        values = (levels[which] * noise).round(3).astype(np.float32)
        line = np.strings.add(ids[which], b",")
        line = np.strings.add(line, stamps[when])
        line = np.strings.add(line, b",")
        line = np.strings.add(line, values.astype(str).astype("S"))
        out.write(b"\n".join(line.tolist()))
        out.write(b"\n")


# --- COPY into scratch tables -------------------------------------------------------------


def _create_scratch(start: dt.datetime, end: dt.datetime) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "CREATE UNLOGGED TABLE scratch_raw "
            "(measured_at timestamptz, sensor_id int4, value float4)"
        )
        cur.execute("CREATE TABLE scratch_indexed (LIKE reliability_reading INCLUDING ALL)")
        cur.execute(
            "CREATE TABLE scratch_part (LIKE reliability_reading INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS) PARTITION BY RANGE (measured_at)"
        )
        cur.execute("ALTER TABLE scratch_part ADD PRIMARY KEY (sensor_id, measured_at)")
        cur.execute("CREATE INDEX scratch_part_brin ON scratch_part USING brin (measured_at)")
        month = dt.datetime(start.year, start.month, 1, tzinfo=dt.UTC)
        while month <= end:
            following = _next_month(month)
            cur.execute(
                f"CREATE TABLE scratch_part_{month:%Y_%m} PARTITION OF scratch_part "
                "FOR VALUES FROM (%s) TO (%s)",
                [month, following],
            )
            month = following


def _next_month(month: dt.datetime) -> dt.datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def _timed_copy(path: Path, table: str) -> float:
    _checkpoint()
    with path.open("rb") as f:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.copy_expert(COPY_SQL.format(table=table), f)
        return time.perf_counter() - started


def _compare_queries(sensor_id: int, end: dt.datetime) -> dict[str, float]:
    """Best-of-N milliseconds of two typical reads on the plain and the partitioned table.

    Measured twice: straight after the COPY (ANALYZE only: the BRIN ranges COPY filled are
    not summarised yet, so BRIN returns every new block) and after VACUUM ANALYZE.
    """
    week = (
        "SELECT count(*), avg(value) FROM {t} "
        "WHERE sensor_id = %s AND measured_at > %s AND measured_at <= %s",
        [sensor_id, end - dt.timedelta(days=7), end],
    )
    hour = (
        "SELECT sensor_id, count(*), avg(value) FROM {t} "
        "WHERE measured_at > %s AND measured_at <= %s GROUP BY sensor_id",
        [end - dt.timedelta(hours=1), end],
    )
    tables = [("indexed", "scratch_indexed"), ("partitioned", "scratch_part")]
    timings = {}
    for state, maintenance in [("fresh", "ANALYZE"), ("vacuumed", "VACUUM ANALYZE")]:
        with connection.cursor() as cur:
            for _, table in tables:
                cur.execute(f"{maintenance} {table}")
        for label, (sql, params) in {"sensor_7d": week, "all_sensors_1h": hour}.items():
            for key, table in tables:
                best = math.inf
                with connection.cursor() as cur:
                    for _ in range(QUERY_REPEATS):
                        started = time.perf_counter()
                        cur.execute(sql.format(t=table), params)
                        cur.fetchall()
                        best = min(best, time.perf_counter() - started)
                timings[f"{label}_{key}_{state}"] = round(best * 1000, 2)
    return timings


# --- The ingest path ----------------------------------------------------------------------


def _run_ingest(path: Path, rows: int, result: dict) -> None:
    from ingest.services import batch_ingest_file

    seconds = result["seconds"]
    for key in ("ingest", "resend"):
        _checkpoint()
        started = time.perf_counter()
        wall_start = dt.datetime.now(dt.UTC)
        batch = batch_ingest_file(path=path, kind="readings")
        elapsed = time.perf_counter() - started
        seconds[key] = _round(elapsed)
        # Storing the file ends just before the batch row is saved; running is the chunks.
        seconds[f"{key}_store_file"] = _round((batch.created_at - wall_start).total_seconds())
        seconds[f"{key}_run"] = _round((batch.finished_at - batch.started_at).total_seconds())
        counts = {
            f: getattr(batch, f)
            for f in ("status", "rows_read", "rows_inserted", "rows_duplicate", "rows_rejected")
        }
        result[f"{key}_batch"] = {"id": batch.pk, **counts}
        _line(f"{key} batch", counts)
        assert counts["status"] == "done", f"{key}: batch status {counts['status']!r}"
        assert counts["rows_rejected"] == 0, f"{key}: {counts['rows_rejected']} rows rejected"
        if key == "ingest":
            assert counts["rows_inserted"] == rows, f"ingest inserted {counts['rows_inserted']}"
        else:
            assert counts["rows_duplicate"] == rows, f"resend: {counts['rows_duplicate']} dups"
            assert counts["rows_inserted"] == 0, f"resend inserted {counts['rows_inserted']}"
        result[f"{key}_rows_per_s"] = round(rows / elapsed)
        _line(f"{key} rows/s", f"{result[f'{key}_rows_per_s']:,} ({elapsed:.2f} s)")
    result["ratio"] = round(result["ingest_rows_per_s"] / result["indexed_copy_rows_per_s"], 2)
    result["raw_ratio"] = round(result["ingest_rows_per_s"] / result["copy_rows_per_s"], 2)
    _line("ratio (ingest ÷ indexed COPY)", result["ratio"])
    _line("raw_ratio (ingest ÷ unindexed COPY)", result["raw_ratio"])


# --- Helpers ------------------------------------------------------------------------------


def _checkpoint() -> None:
    """Flush dirty buffers first, so one phase's writes are not paid for by the next."""
    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")


def _count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


def _partition_count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [table])
        return cur.fetchone()[0]


def _drop_scratch() -> None:
    with connection.cursor() as cur:
        for table in SCRATCH_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


def _delete_batches(file_name: str) -> int:
    """The benchmark's batches (found by the temporary file's unique name) and their files."""
    if "ingest" not in settings.INSTALLED_APPS:
        return 0
    from ingest.models import IngestBatch

    batches = list(IngestBatch.objects.filter(file_name=file_name))
    for batch in batches:
        batch.file.delete(save=False)
        batch.delete()  # its rejected rows go with it (CASCADE)
    return len(batches)


def _delete_generated(start: dt.datetime, end: dt.datetime) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM reliability_reading WHERE measured_at >= %s AND measured_at <= %s",
            [start, end],
        )
        return cur.rowcount


def _line(label: str, value) -> None:
    print(f"{label:>40}: {value}")


def _round(seconds: float) -> float:
    return round(seconds, 2)


if __name__ == "__main__":
    try:
        main()
    finally:
        if OWN_MEDIA_ROOT:
            shutil.rmtree(OWN_MEDIA_ROOT, ignore_errors=True)

"""Benchmark: the peak memory of a readings batch whose file holds one giant line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_giant \
        python bench/giant_line.py --line-mb 200

Writes a readings CSV (``sensor_id,measured_at,value``) with ``--rows`` good lines, then one
line of ``--line-mb`` MB (no newline inside it), then ``--rows`` more good lines, and loads
it with ``ingest.services.batch_ingest_file`` in this process. The giant line is longer
than INGEST_MAX_LINE_BYTES, so it is refused as it streams past: the process's peak RSS
stays bounded by the chunk size (INGEST_CHUNK_BYTES), not by the line. Prints the peak RSS
before and after the batch, the batch's counts, then one JSON object as the last line.
The batch, its stored file and its readings are deleted at the end.
"""

import argparse
import datetime as dt
import io
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")
OWN_MEDIA_ROOT = None if "MEDIA_ROOT" in os.environ else tempfile.mkdtemp(prefix="bench_media_")
if OWN_MEDIA_ROOT:
    os.environ["MEDIA_ROOT"] = OWN_MEDIA_ROOT

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from ingest.services import batch_ingest_file  # noqa: E402
from reliability.models import Reading, Sensor  # noqa: E402

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def write_file(path: Path, sensor_id: int, rows: int, line_mb: int) -> None:
    block = b"9" * (1 << 20)
    with path.open("wb") as out:
        out.write(b"sensor_id,measured_at,value\n")
        for i in range(rows):
            at = START + dt.timedelta(seconds=i)
            out.write(f"{sensor_id},{at.isoformat()},{i % 50}\n".encode())
        out.write(f"{sensor_id},{START.isoformat()},".encode())
        for _ in range(line_mb):  # the giant line, written a MiB at a time
            out.write(block)
        out.write(b"\n")
        for i in range(rows, 2 * rows):
            at = START + dt.timedelta(seconds=i)
            out.write(f"{sensor_id},{at.isoformat()},{i % 50}\n".encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--line-mb", type=int, default=200, help="the giant line's size, MiB")
    parser.add_argument("--rows", type=int, default=1000, help="good lines before and after")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the benchmark's own database.")
    call_command("migrate", "--noinput", verbosity=0)
    if not Sensor.objects.exists():
        print("No sensors: loading the small demo portfolio (seed 7, end 2026-11-01);")
        print("that load raises this process's peak RSS: run again for the batch's own figure")
        call_command(
            "seed_demo",
            *("--scale", "small", "--seed", "7", "--end-date", "2026-11-01", "--json"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    sensor = Sensor.objects.order_by("pk").first()
    folder = Path(tempfile.mkdtemp(prefix="bench_giant_"))
    path = folder / "giant-line.csv"
    batch = None
    try:
        write_file(path, sensor.pk, args.rows, args.line_mb)
        before = peak_rss_mb()
        started = time.perf_counter()
        batch = batch_ingest_file(path=path, kind="readings")
        seconds = time.perf_counter() - started
        after = peak_rss_mb()
        result = {
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "line_mb": args.line_mb,
            "peak_rss_before_mb": round(before, 1),
            "peak_rss_mb": round(after, 1),
            "seconds": round(seconds, 2),
            "status": batch.status,
            "rows_inserted": batch.rows_inserted,
            "rows_rejected": batch.rows_rejected,
        }
        for label, value in result.items():
            print(f"{label:>20}: {value}")
        print(json.dumps(result))
    finally:
        if batch is not None:
            Reading.objects.filter(
                sensor=sensor,
                measured_at__gte=START,
                measured_at__lt=START + dt.timedelta(seconds=2 * args.rows),
            ).delete()
            batch.file.delete(save=False)
            batch.delete()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        if OWN_MEDIA_ROOT:
            shutil.rmtree(OWN_MEDIA_ROOT, ignore_errors=True)

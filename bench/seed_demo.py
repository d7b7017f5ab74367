"""Benchmark: build a demo portfolio and report load rates and the readings table's size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/seed_demo.py medium

Uses the database named by DATABASE_URL (or the embedded one), replacing any demo data
in it. Prints one JSON object: rows per table, seconds per step, readings per second,
bytes per reading on disk (heap, and heap plus indexes).
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def main(scale: str, seed: int = 7) -> None:
    call_command("migrate", "--noinput", verbosity=0)
    out = _Capture()
    started = time.perf_counter()
    call_command(
        "seed_demo",
        "--scale",
        scale,
        "--seed",
        str(seed),
        "--replace",
        "--json",
        "--end-date",
        "2026-11-01",
        stdout=out,
    )
    wall = time.perf_counter() - started
    result = json.loads(out.text.strip().splitlines()[-1])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reliability_reading")
        cursor.execute(
            "SELECT pg_relation_size('reliability_reading'), "
            "pg_total_relation_size('reliability_reading')"
        )
        heap, total = cursor.fetchone()
    readings = result["readings"]
    result.update(
        wall_seconds=round(wall, 1),
        readings_per_second=round(readings / result["seconds"]["readings"]),
        reading_heap_bytes_per_row=round(heap / readings, 1),
        reading_total_bytes_per_row=round(total / readings, 1),
    )
    print(json.dumps(result, indent=2))


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "small")

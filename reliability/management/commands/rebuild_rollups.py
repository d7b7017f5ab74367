"""``manage.py rebuild_rollups [--sensor ID …] [--since DATE]``: recompute the hourly and
daily roll-ups of readings from the readings table (reliability/rollups.py).

Needed after readings were loaded or deleted past the ingest (a restore, a retention
delete, raw SQL); the ingest keeps them up to date by itself. Safe while batches land.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from reliability import rollups


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--since takes a date YYYY-MM-DD (a UTC day), not {text!r}") from exc


class Command(BaseCommand):
    help = "Rebuild the hourly and daily roll-ups of readings from the readings table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sensor",
            type=int,
            action="append",
            metavar="ID",
            help="Only this sensor (repeatable). Default: every sensor.",
        )
        parser.add_argument(
            "--since",
            type=str,
            metavar="DATE",
            help="Only UTC days from this date on (YYYY-MM-DD). Default: all history.",
        )
        parser.add_argument(
            "--days-per-step",
            type=int,
            default=7,
            help="UTC days rebuilt per transaction (default 7).",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        since = _date(options["since"]) if options["since"] else None
        if options["days_per_step"] < 1:
            raise CommandError("--days-per-step must be at least 1")
        result = rollups.rebuild(options["sensor"], since, days_per_step=options["days_per_step"])
        if result.first_day is None:
            span = "nothing stored"
        else:
            span = f"{result.first_day:%Y-%m-%d} to {result.end:%Y-%m-%d} UTC"
        self.stdout.write(
            f"Rebuilt roll-ups of {result.sensors} sensors ({span}) in {result.steps} steps: "
            f"{result.readings:,} readings → {result.hourly:,} hourly and "
            f"{result.daily:,} daily rows; {result.removed:,} rows of deleted sensors "
            f"removed; {result.seconds:.2f} s "
            f"({result.readings / max(result.seconds, 1e-9):,.0f} readings/s)."
        )
        if options["json"]:
            summary = {
                "sensors": result.sensors,
                "steps": result.steps,
                "readings": result.readings,
                "hourly": result.hourly,
                "daily": result.daily,
                "removed": result.removed,
                "first_day": result.first_day.isoformat() if result.first_day else None,
                "end": result.end.isoformat() if result.end else None,
                "seconds": round(result.seconds, 3),
            }
            self.stdout.write(json.dumps(summary))

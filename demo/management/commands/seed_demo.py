"""python manage.py seed_demo --scale small|medium|large --seed N"""

import datetime as dt
import json as jsonlib
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.feeder import CATCH_UP, demo_readings_end
from demo.generator import generate
from demo.loader import (
    DEMO_PASSWORD,
    DEMO_USERS,
    DemoAlreadyLoaded,
    delete_demo,
    demo_portfolio_codes,
    load,
)
from demo.scales import SCALES
from portfolio.models import Portfolio
from reliability.services import escalations_evaluate


class Command(BaseCommand):
    help = "Build the deterministic demo portfolio (sites, assets, readings, OEM data, users)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--end-date",
            type=dt.date.fromisoformat,
            default=None,
            help="Data up to the start of this day (YYYY-MM-DD, UTC). Default: up to now "
            "(the last whole hour), so today's scores have last night's readings. Same seed "
            "and end give the same data.",
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete an existing demo portfolio first."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already holds any portfolio.",
        )
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="As --if-empty, but a demo whose readings end more than a day ago is "
            "replaced (dev.py demo: the live feed catches up a day at most).",
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *, scale, seed, end_date, replace, if_empty, if_stale, **options):
        readings_end = demo_readings_end() if if_stale else None
        if readings_end is not None:
            if readings_end > timezone.now() - CATCH_UP:
                self.stdout.write("The demo's readings are current; nothing to do.")
                return
            replace = True  # stale: the feed cannot bridge the gap
        elif (if_empty or if_stale) and Portfolio.objects.exists():
            self.stdout.write("The database already holds a portfolio; nothing to do.")
            return
        if end_date is not None:
            end = dt.datetime.combine(end_date, dt.time(0), tzinfo=dt.UTC)
        else:  # the demo's data reaches the moment it is loaded (readings are hourly)
            end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        started = time.perf_counter()
        data = generate(SCALES[scale], seed=seed, end=end)
        generated = time.perf_counter() - started
        replaced = time.perf_counter()
        if replace:
            delete_demo(demo_portfolio_codes(data))
        replaced = time.perf_counter() - replaced
        progress = (lambda msg: None) if options["json"] else (lambda msg: self.stderr.write(msg))
        try:
            timings = load(data, progress=progress)
        except DemoAlreadyLoaded as exc:
            raise CommandError(str(exc)) from exc
        # The alert left waiting for hours has escalated by now: its notification exists
        # when the demo opens (the periodic job, or the live feed, does it from then on).
        escalations_evaluate()
        summary = data.summary()
        result = {
            "scale": scale,
            "seed": seed,
            "end": end.isoformat(),
            **summary,
            "seconds": {"generate": round(generated, 2), "replace": round(replaced, 2), **timings},
        }
        if options["json"]:
            self.stdout.write(_json_dumps(result))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>24}: {value}")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo portfolio loaded. Logins (password "
                f"'{DEMO_PASSWORD}'): " + ", ".join(DEMO_USERS)
            )
        )


def _json_dumps(value) -> str:
    return jsonlib.dumps(value, sort_keys=True)

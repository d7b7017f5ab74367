"""python manage.py demo_feed [--once]: the live demo's readings, every minute (demo/feeder.py)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo.feeder import DEGRADE_MINUTES, plan_feed, tick


class Command(BaseCommand):
    help = (
        "Append a minute of readings for every sensor of the demo portfolio each minute, "
        "with one Tier 1 asset degrading so an alert opens within the hour; runs until "
        "stopped (dev.py demo starts it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")

    def handle(self, *, once, **options):
        plan = plan_feed(timezone.now())
        if not len(plan.sensor_ids):
            self.stdout.write("No demo sensor reported in the last day: nothing to feed.")
            return
        self.stdout.write(
            f"Feeding {len(plan.sensor_ids)} sensors every minute"
            + (
                f"; sensor {plan.degrading_sensor} degrades to zone D over "
                f"{DEGRADE_MINUTES} minutes"
                if plan.degrading_sensor
                else ""
            ),
        )
        while True:
            result = tick(plan, timezone.now())
            if result["alerts_opened"] or result["escalations"]:
                self.stdout.write(
                    f"{timezone.now():%H:%M} {result['alerts_opened']} alert(s) opened, "
                    f"{result['escalations']} escalation(s)"
                )
            if once:
                return
            time.sleep(60 - time.time() % 60 + 1)  # just after the next whole minute

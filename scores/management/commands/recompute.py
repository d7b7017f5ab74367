"""``manage.py recompute``: refresh sites' score snapshots now (and back in time), through
the service the nightly task uses (``scores.services.site_refresh``)."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.dates import quarter_ends
from portfolio.models import Site
from scores.services import site_refresh


class Command(BaseCommand):
    help = "Recompute site score snapshots (all sites, or one), optionally with history."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="Only this site (code).")
        parser.add_argument("--as-of", help="The day to compute as of (YYYY-MM-DD); today.")
        parser.add_argument(
            "--backfill-quarters",
            type=int,
            default=0,
            metavar="N",
            help="Also compute as of the last day of each of the N quarters before, so trends "
            "have a history.",
        )

    def handle(self, *args, **options):
        try:
            as_of = (
                dt.date.fromisoformat(options["as_of"])
                if options["as_of"]
                else timezone.now().date()
            )
        except ValueError as exc:
            raise CommandError(f"--as-of takes YYYY-MM-DD, not {options['as_of']!r}") from exc
        if options["backfill_quarters"] < 0:
            raise CommandError("--backfill-quarters takes a number ≥ 0")
        sites = Site.objects.order_by("code")
        if options["site"]:
            sites = sites.filter(code=options["site"])
            if not sites.exists():
                raise CommandError(f"No site with code {options['site']!r}")
        days = [*quarter_ends(as_of, options["backfill_quarters"]), as_of]
        started = time.perf_counter()
        for site in sites:
            for day in days:
                # Today (no --as-of) is refreshed as the nightly task does, alerts first.
                refresh_as_of = None if day == as_of and not options["as_of"] else day
                snapshot = site_refresh(site_id=site.pk, as_of=refresh_as_of)
                self.stdout.write(
                    f"{site.code} as of {day}: maturity "
                    f"{_show(snapshot.maturity_composite)}, risk {snapshot.risk_tier or '—'}, "
                    f"exposure {_show(snapshot.penalty_exposure)}"
                )
        count = sites.count() * len(days)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{count} snapshot(s) in {seconds:.1f} s")


def _show(value) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.1f}" if isinstance(value, float) else f"{value:,.0f}"

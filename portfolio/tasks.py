"""Portfolio tasks: recompute a site's scores (debounced after ingest), and all nightly."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from portfolio import services
from portfolio.models import Site

log = logging.getLogger(__name__)


def _pending_key(site_id: int) -> str:
    # Named after the database too: environments that share a Redis must not share marks.
    return f"recompute:pending:{connection.settings_dict['NAME']}:{site_id}"


def schedule_site_recompute(site_ids) -> list[int]:
    """Ask for each site's recompute once, however many batches ask within the delay.

    The first request sets a pending mark (an atomic cache add) and queues the task
    ``RECOMPUTE_DEBOUNCE_SECONDS`` later; later requests see the mark and add nothing. The
    task clears the mark before it reads, so data arriving during a recompute queues
    another. Returns the sites queued now.
    """
    delay = settings.RECOMPUTE_DEBOUNCE_SECONDS
    queued = []
    for site_id in site_ids:
        # The mark outlives the wait a little, in case the task starts late; not much more,
        # or a lost task would block the site's recomputes for long.
        if cache.add(_pending_key(site_id), 1, timeout=delay + 30):
            recompute_site.apply_async((site_id,), countdown=delay)
            queued.append(site_id)
    return queued


@shared_task(name="portfolio.recompute_site")
def recompute_site(site_id: int, as_of: str | None = None) -> None:
    """Recompute one site's snapshot (today's, or ``as_of`` ISO date)."""
    import datetime as dt

    cache.delete(_pending_key(site_id))
    if not Site.objects.filter(pk=site_id).exists():
        log.info("site %s is gone; nothing to recompute", site_id)
        return
    day = dt.date.fromisoformat(as_of) if as_of else None
    if day is None:
        # New data first becomes alerts (they feed coverage and response figures).
        from reliability.alerting import evaluate_alerts

        evaluate_alerts(site_ids=[site_id])
    services.site_recompute_scores(site_id, day)


@shared_task(name="portfolio.recompute_all_sites")
def recompute_all_sites() -> None:
    """Nightly (beat): one recompute task per site, so workers share the work."""
    for site_id in Site.objects.values_list("pk", flat=True):
        recompute_site.delay(site_id)


@shared_task(name="portfolio.evaluate_escalations")
def evaluate_escalations() -> None:
    """Every 5 minutes (beat): fire the escalation rules alerts now meet."""
    services.evaluate_escalations()

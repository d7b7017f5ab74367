"""Score tasks: recompute a site (debounced after ingest), and every site nightly.

Task names are what the broker carries: fixed strings, independent of the module that holds
the code, so a queued message still finds its task after the code moves.
"""

import datetime as dt
import logging

from celery import shared_task

from portfolio.models import Site
from scores import scheduling, services

log = logging.getLogger(__name__)


@shared_task(name="portfolio.recompute_site")
def recompute_site(site_id: int, as_of: str | None = None) -> None:
    """Refresh one site's scores (today's, or as of the ``as_of`` ISO date)."""
    scheduling.clear_pending(site_id)
    if not Site.objects.filter(pk=site_id).exists():
        log.info("site %s is gone; nothing to recompute", site_id)
        return
    services.site_refresh(site_id=site_id, as_of=dt.date.fromisoformat(as_of) if as_of else None)


@shared_task(name="portfolio.recompute_all_sites")
def recompute_all_sites() -> None:
    """Nightly (beat): one recompute task per site, so workers share the work."""
    for site_id in Site.objects.values_list("pk", flat=True):
        recompute_site.delay(site_id)


@shared_task(name="scores.queue_pending_recomputes")
def queue_pending_recomputes() -> None:
    """Every minute (beat): queue the recomputes that the broker refused when asked."""
    scheduling.queue_pending()

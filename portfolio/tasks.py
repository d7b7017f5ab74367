"""Portfolio tasks."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="portfolio.recompute_site")
def recompute_site(site_id: int) -> None:
    """Recompute a site's scores after its data changed (enqueued by ingest on success).

    The scoring itself lands with the scoring issue (SPEC §3); until then this records
    that a recompute was asked for, so the ingest → recompute hand-off is real and tested.
    """
    log.info("recompute requested for site %s", site_id)

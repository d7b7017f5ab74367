"""When a site's recompute runs: once per burst of changes (the debounce policy).

An ingest, a standard edit or anything else that changes a site's inputs asks for its
recompute here; a pending mark in the shared cache makes many asks within
``RECOMPUTE_DEBOUNCE_SECONDS`` cost one recompute.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def pending_key(site_id: int) -> str:
    # Named after the database too: environments that share a Redis must not share marks.
    return f"recompute:pending:{connection.settings_dict['NAME']}:{site_id}"


def schedule_site_recompute(site_ids) -> list[int]:
    """Ask for each site's recompute once, however many batches ask within the delay.

    The first request sets a pending mark (an atomic cache add) and queues the task
    ``RECOMPUTE_DEBOUNCE_SECONDS`` later; later requests see the mark and add nothing. The
    task clears the mark before it reads (``clear_pending``), so data arriving during a
    recompute queues another. Returns the sites queued now.
    """
    # tasks imports services, which import this module: take the task at call time.
    from scores.tasks import recompute_site

    delay = settings.RECOMPUTE_DEBOUNCE_SECONDS
    queued = []
    for site_id in site_ids:
        # The mark outlives the wait a little, in case the task starts late; not much more,
        # or a lost task would block the site's recomputes for long.
        if cache.add(pending_key(site_id), 1, timeout=delay + 30):
            recompute_site.apply_async((site_id,), countdown=delay)
            queued.append(site_id)
    return queued


def clear_pending(site_id: int) -> None:
    """The recompute is starting: a change from now on asks for another one."""
    cache.delete(pending_key(site_id))

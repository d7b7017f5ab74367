"""When a site's recompute runs: once per burst of changes (the debounce policy).

An ingest, a standard edit or anything else that changes a site's inputs asks for its
recompute here; a pending mark in the shared cache makes many asks within
``RECOMPUTE_DEBOUNCE_SECONDS`` cost one recompute.
"""

import logging
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from scores.models import PendingRecompute

log = logging.getLogger(__name__)


def pending_key(site_id: int) -> str:
    # Named after the database too: environments that share a Redis must not share marks.
    return f"recompute:pending:{connection.settings_dict['NAME']}:{site_id}"


def schedule_site_recompute(site_ids) -> list[int]:
    """Ask for each site's recompute once, however many batches ask within the delay.

    The first request sets a pending mark (an atomic cache add) and queues the task
    ``RECOMPUTE_DEBOUNCE_SECONDS`` later; later requests see the mark and add nothing. The
    task clears the mark before it reads (``clear_pending``), so data arriving during a
    recompute queues another. Returns the sites queued now.

    A site whose recompute cannot be queued (Redis, as broker or cache, is down) is
    recorded as a ``PendingRecompute`` for ``queue_pending`` (every minute) instead of
    raising: the caller (a finished batch) is not the one at fault.
    """
    # tasks imports services, which import this module: take the task at call time.
    from scores.tasks import recompute_site

    delay = settings.RECOMPUTE_DEBOUNCE_SECONDS
    queued = []
    for site_id in site_ids:
        # The mark outlives the wait a little, in case the task starts late; not much more,
        # or a lost task would block the site's recomputes for long.
        try:
            if cache.add(pending_key(site_id), 1, timeout=delay + 30):
                recompute_site.apply_async((site_id,), countdown=delay)
                queued.append(site_id)
        except Exception as exc:  # the broker or the cache is unreachable
            log.warning("recompute of site %s not queued, recorded for later: %r", site_id, exc)
            _record_pending(site_id, exc)
    return queued


def _record_pending(site_id: int, exc: Exception) -> None:
    # A mark without its task would hold off others; the cache may be what is down.
    with suppress(Exception):
        cache.delete(pending_key(site_id))
    PendingRecompute.objects.update_or_create(
        site_id=site_id,
        defaults={"requested_at": timezone.now(), "error": f"{type(exc).__name__}: {exc}"[:300]},
    )


def queue_pending() -> list[int]:
    """Queue the recomputes that could not be queued before; returns the sites queued.

    The rows are claimed (``FOR UPDATE SKIP LOCKED``) for as long as this runs, so two
    runs at once (a slow beat overlapping the next) never queue a site twice: the second
    skips what the first holds. A site asked for again meanwhile waits on the claim, then
    finds the row gone and records a new one.
    """
    # tasks imports services, which import this module: take the task at call time.
    from scores.tasks import recompute_site

    queued = []
    with transaction.atomic():
        for pending in PendingRecompute.objects.select_for_update(skip_locked=True):
            try:
                recompute_site.apply_async((pending.site_id,))
            except Exception as exc:
                log.warning("pending recomputes still cannot be queued: %r", exc)
                break
            pending.delete()
            queued.append(pending.site_id)
    return queued


def clear_pending(site_id: int) -> None:
    """The recompute is starting: a change from now on asks for another one."""
    cache.delete(pending_key(site_id))

"""The live demo under Celery beat (``DEMO_FEEDER`` on), for a demo run with a worker;
``manage.py demo_feed`` does the same in its own loop where there is none (dev.py demo)."""

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from demo.feeder import plan_feed, tick


def plan_key() -> str:
    # Named after the database: environments that share a Redis must not share a plan.
    return f"demo:feed-plan:{connection.settings_dict['NAME']}"


@shared_task(name="demo.feed")
def feed_demo() -> dict:
    """One minute of the live demo. The plan (which sensors, the one that degrades, from
    when) is made at the first run and kept in the cache, so the degrading asset stays the
    same one once its alert is open."""
    now = timezone.now()
    plan = cache.get(plan_key())
    if plan is None:
        plan = plan_feed(now)
        cache.set(plan_key(), plan, timeout=None)
    return tick(plan, now)

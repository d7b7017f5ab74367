"""The live demo under Celery beat (``DEMO_FEEDER`` on), for a demo run with a worker;
``manage.py demo_feed`` does the same in its own loop where there is none (dev.py demo)."""

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from demo.feeder import plan_feed, tick
from reliability.models import Sensor


def plan_key() -> str:
    """Named after the database (environments that share a Redis must not share a plan)
    and after the demo loaded in it (its newest sensor): a reloaded demo gets a new plan."""
    newest = Sensor.objects.aggregate(newest=Max("pk"))["newest"]
    return f"demo:feed-plan:{connection.settings_dict['NAME']}:{newest}"


@shared_task(name="demo.feed")
def feed_demo() -> dict:
    """One minute of the live demo. The plan (which sensors, the one that degrades, from
    when) is made at the first run and kept in the cache, so the degrading asset stays the
    same one once its alert is open."""
    now = timezone.now()
    plan = cache.get(plan_key())
    if plan is None:
        plan = plan_feed(now)
        if len(plan.sensor_ids):  # nothing to feed yet (the demo still loading): ask again
            cache.set(plan_key(), plan, timeout=None)
    return tick(plan, now)

"""The live demo: readings keep arriving while the demo runs.

Every minute ``tick`` appends, for each sensor of the demo portfolios that reported in the
last day, one reading per minute since its last one (at most an hour back), near the level
it held over that day. One Tier 1 vibration sensor at the first site degrades: from its
level to past its zone C/D boundary within ``DEGRADE_MINUTES`` of the feed's start, then
holds there, so an alert opens within the first hour, escalates and can be worked. Each
tick then evaluates the alerts and escalations of the fed sites, and every
``RECOMPUTE_EVERY_MINUTES`` asks for their scores' recompute.

Run by ``manage.py demo_feed`` (what ``dev.py demo`` starts), or by Celery beat when
``DEMO_FEEDER`` is on. Sensors that went silent in the demo's data stay silent: a dead
gateway does not come back by itself.
"""

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Max

from portfolio.models import Site
from reliability import condition, readings_copy, rollups
from reliability.alerting import alerts_evaluate
from reliability.models import Alert, AlertStatus, Metric, Reading, ReadingHourly, Sensor
from reliability.services import escalations_evaluate
from scores.scheduling import schedule_site_recompute

from .generator import DEMO_PORTFOLIO_CODES

DEGRADE_MINUTES = 40  # to past zone D; the hourly mean is in zone C within the hour
DEGRADE_PAST_ZONE_D = 1.15  # × the C/D boundary, where the degrading sensor settles
# A feeder stopped for longer does not backfill more; a demo older than this is reloaded
# (seed_demo --if-stale, what dev.py demo runs).
CATCH_UP = dt.timedelta(days=1)
LEVEL_WINDOW = dt.timedelta(days=1)  # the level and noise a sensor keeps: its last day's
RECOMPUTE_EVERY_MINUTES = 15
FEED_LOCK = (0x4445, 0x4D4F)  # advisory lock ("DE", "MO"): one tick at a time


@dataclass
class FeedPlan:
    """What the feed knows of each sensor it feeds, read once when it starts."""

    started_at: dt.datetime
    sensor_ids: np.ndarray  # int64
    levels: np.ndarray  # float64: the mean of the last day's hourly means
    spreads: np.ndarray  # float64: their standard deviation (noise of a minute's value)
    asset_ids: np.ndarray  # int64: each sensor's asset
    healthy: np.ndarray  # float64: where each sensor reads once its asset is repaired
    site_ids: list[int]
    degrading_sensor: int | None
    degrade_to: float | None


def demo_readings_end() -> dt.datetime | None:
    """The last hour with readings in the demo portfolios, or None without any."""
    last = ReadingHourly.objects.filter(
        sensor__asset__site__portfolio__code__in=DEMO_PORTFOLIO_CODES
    ).aggregate(last=Max("bucket"))["last"]
    return last + dt.timedelta(hours=1) if last is not None else None


def plan_feed(started_at: dt.datetime) -> FeedPlan:
    """The sensors of the demo portfolios that reported in the day before ``started_at``,
    each with its level and spread over that day, and the sensor that will degrade."""
    sites = Site.objects.filter(portfolio__code__in=DEMO_PORTFOLIO_CODES)
    since = started_at - LEVEL_WINDOW
    rows = list(
        ReadingHourly.objects.filter(
            sensor__asset__site__in=sites,
            sensor__is_active=True,
            bucket__gte=since,
            bucket__lt=started_at,
        )
        .order_by("sensor_id", "bucket")
        .values_list("sensor_id", "sum", "count")
    )
    by_sensor: dict[int, list[float]] = {}
    for sensor_id, total, count in rows:
        by_sensor.setdefault(sensor_id, []).append(total / count)
    sensor_ids = np.array(sorted(by_sensor), dtype=np.int64)
    # The level of the last hours (a fault developing keeps where it got to); the spread
    # of hour-to-hour changes (noise, not the day's cycle or a fault's rise).
    levels = np.array([np.mean(by_sensor[s][-3:]) for s in sensor_ids], dtype=np.float64)
    spreads = np.array([_noise(by_sensor[s]) for s in sensor_ids], dtype=np.float64)
    sensors = {
        s.pk: s for s in Sensor.objects.filter(pk__in=sensor_ids.tolist()).select_related("asset")
    }
    asset_ids = np.array([sensors[s].asset_id for s in sensor_ids], dtype=np.int64)
    healthy = np.array([_healthy_level(sensors[s]) for s in sensor_ids], dtype=np.float64)
    site_ids = sorted({sensor.asset.site_id for sensor in sensors.values()})
    degrading, degrade_to = _degrading_sensor(sensor_ids.tolist())
    return FeedPlan(
        started_at,
        sensor_ids,
        levels,
        spreads,
        asset_ids,
        healthy,
        site_ids,
        degrading,
        degrade_to,
    )


def _healthy_level(sensor: Sensor) -> float:
    """Where a sensor reads on a sound machine: well inside zone A/B for vibration, well
    under the class's warning for temperature and current."""
    if sensor.metric == Metric.VIBRATION_VELOCITY_RMS:
        zone_ab, _, _ = _zones(sensor.asset)
        return 0.6 * zone_ab
    warning, _ = condition.class_thresholds(sensor.asset.asset_class, sensor.metric)
    return warning - 20 if sensor.metric == Metric.TEMPERATURE else 0.7 * warning


def _noise(hourly_means: list[float]) -> float:
    changes = np.diff(hourly_means)
    return float(np.std(changes) / np.sqrt(2)) if len(changes) > 1 else 0.0


def _degrading_sensor(fed: list[int]) -> tuple[int | None, float | None]:
    """The vibration sensor of the first Tier 1 asset (by code) at the demo's first site
    that is fed and has no alert open on its vibration; and the level it settles at."""
    first_site = (
        Site.objects.filter(portfolio__code=DEMO_PORTFOLIO_CODES[0]).order_by("code").first()
    )
    if first_site is None:
        return None, None
    busy = Alert.objects.filter(
        status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
        metric=Metric.VIBRATION_VELOCITY_RMS,
    ).values("asset_id")
    sensor = (
        Sensor.objects.filter(
            pk__in=fed,
            metric=Metric.VIBRATION_VELOCITY_RMS,
            asset__site=first_site,
            asset__tier=1,
        )
        .exclude(asset_id__in=busy)
        .select_related("asset")
        .order_by("asset__code", "code")
        .first()
    )
    if sensor is None:
        return None, None
    _, _, zone_d = _zones(sensor.asset)
    return sensor.pk, zone_d * DEGRADE_PAST_ZONE_D


def _zones(asset) -> tuple[float, float, float]:
    """The asset's vibration zone boundaries (A/B, B/C, C/D), its overrides applied."""
    overrides = (asset.zone_ab_override, asset.zone_bc_override, asset.zone_cd_override)
    return condition.zone_boundaries(asset.machine_group, asset.foundation, overrides)


def feed(plan: FeedPlan, now: dt.datetime) -> int:
    """Append each planned sensor's readings for the whole minutes since its last one, up
    to ``now`` (at most ``CATCH_UP`` back), with their roll-ups; returns the rows added.
    A tick that finds another one running adds nothing."""
    if not len(plan.sensor_ids):
        return 0
    until = now.replace(second=0, microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", FEED_LOCK)
        if not cursor.fetchone()[0]:
            return 0
        last = _last_readings(cursor, plan.sensor_ids, until - CATCH_UP)
        repaired = _repaired_assets(plan)
        sensors, times, values = [], [], []
        rng = np.random.default_rng(zlib.crc32(until.isoformat().encode()))
        for index, sensor_id in enumerate(plan.sensor_ids.tolist()):
            start = max(last.get(sensor_id, until - CATCH_UP), until - CATCH_UP)
            minutes = np.arange(
                np.datetime64(start.replace(tzinfo=None), "m") + 1,
                np.datetime64(until.replace(tzinfo=None), "m") + 1,
            )
            if not len(minutes):
                continue
            level, spread = plan.levels[index], plan.spreads[index]
            if plan.asset_ids[index] in repaired:  # its alert was worked: the fault is gone
                level = plan.healthy[index]
            value = level + spread * rng.standard_normal(len(minutes))
            if sensor_id == plan.degrading_sensor and plan.asset_ids[index] not in repaired:
                value = _degraded(plan, minutes, level)
            sensors.append(np.full(len(minutes), sensor_id, dtype=np.int64))
            times.append(minutes.astype("datetime64[us]").astype(np.int64))
            values.append(np.maximum(value, 0).astype(np.float32))
        if not sensors:
            return 0
        sensor_ids, unix_us, readings = map(np.concatenate, (sensors, times, values))
        payload = readings_copy.encode(unix_us, sensor_ids, readings)
        readings_copy.copy_into(cursor, Reading._meta.db_table, payload)
        rollups.add_readings(cursor, sensor_ids, unix_us, readings)
    return len(sensor_ids)


def _degraded(plan: FeedPlan, minutes: np.ndarray, level: float) -> np.ndarray:
    """The degrading sensor: from its level to ``degrade_to`` over ``DEGRADE_MINUTES`` from
    the feed's start, rising slowly then fast (as a bearing fault does), then holding."""
    start = np.datetime64(plan.started_at.replace(tzinfo=None), "m")
    progress = np.clip((minutes - start) / np.timedelta64(DEGRADE_MINUTES, "m"), 0, 1)
    return level + (plan.degrade_to - level) * progress**1.5


def _repaired_assets(plan: FeedPlan) -> set[int]:
    """Assets whose alert was closed since the feed started: the technician worked it, so
    their sensors read healthy again (else the next minute's evaluation would open a new
    alert on the same fault)."""
    return set(
        Alert.objects.filter(
            asset_id__in=set(plan.asset_ids.tolist()),
            status=AlertStatus.CLOSED,
            closed_at__gte=plan.started_at,
        ).values_list("asset_id", flat=True)
    )


def _last_readings(cursor, sensor_ids: np.ndarray, since: dt.datetime) -> dict:
    """Each sensor's latest reading after ``since`` (one probe per sensor, newest first)."""
    cursor.execute(
        f"""SELECT s.id, (SELECT max(r.measured_at) FROM {Reading._meta.db_table} r
                          WHERE r.sensor_id = s.id AND r.measured_at > %s)
            FROM unnest(%s::int[]) AS s(id)""",
        [since, sensor_ids.tolist()],
    )
    return {sensor_id: at for sensor_id, at in cursor.fetchall() if at is not None}


def tick(plan: FeedPlan, now: dt.datetime) -> dict:
    """One minute of the live demo: the readings, then what they set off."""
    added = feed(plan, now)
    counts = alerts_evaluate(site_ids=plan.site_ids, now=now) if added else {}
    escalations = escalations_evaluate(now=now)
    recomputed = []
    if now.minute % RECOMPUTE_EVERY_MINUTES == 0:
        recomputed = schedule_site_recompute(plan.site_ids)
    return {
        "readings": added,
        "alerts_opened": counts.get("opened", 0),
        "escalations": len(escalations),
        "recomputes": recomputed,
    }

"""Read-side queries over readings and alerts, scoped by ``visible_to``."""

import datetime as dt

import numpy as np
import pandas as pd

from reliability import condition
from reliability.models import (
    Alert,
    FailureEvent,
    Reading,
    ReadingDaily,
    ReadingHourly,
    Sensor,
    WorkOrder,
    WorkOrderKind,
)

RAW_UP_TO = dt.timedelta(days=3)
HOURLY_UP_TO = dt.timedelta(days=90)


def reading_series(user, sensor_id: int, start, end, max_points: int = 500) -> dict:
    """A sensor's readings in [start, end) as at most ``max_points`` points for a chart.

    Up to 3 days: raw readings, thinned by min/max buckets so spikes survive. Up to 90
    days: the hourly roll-ups; longer: the daily ones (never the raw table), merged into
    coarser buckets when still too many: mean (count-weighted), min and max per point.
    Returns times (UTC), value (the mean for roll-ups), min, max, source and the window.
    """
    sensor = Sensor.objects.visible_to(user).get(pk=sensor_id)
    span = end - start
    if span <= RAW_UP_TO:
        rows = Reading.objects.filter(
            sensor=sensor, measured_at__gte=start, measured_at__lt=end
        ).order_by("measured_at")
        data = list(rows.values_list("measured_at", "value"))
        times = pd.to_datetime([t for t, _ in data], utc=True).tz_localize(None).to_numpy()
        values = np.array([v for _, v in data], dtype=float)
        if len(values) > max_points:
            times, values = condition.downsample_minmax(times, values, max_points)
        return _series(times, values, values, values, "readings", start, end)
    model = ReadingHourly if span <= HOURLY_UP_TO else ReadingDaily
    frame = pd.DataFrame(
        list(
            model.objects.filter(sensor=sensor, bucket__gte=start, bucket__lt=end)
            .order_by("bucket")
            .values_list("bucket", "count", "sum", "min", "max")
        ),
        columns=["bucket", "count", "sum", "min", "max"],
    )
    source = "hourly" if model is ReadingHourly else "daily"
    if len(frame) > max_points:
        width = (end - start) / max_points
        frame["group"] = (
            (pd.to_datetime(frame["bucket"], utc=True) - pd.Timestamp(start)) // width
        ).astype(int)
        frame = frame.groupby("group").agg(
            bucket=("bucket", "first"),
            count=("count", "sum"),
            sum=("sum", "sum"),
            min=("min", "min"),
            max=("max", "max"),
        )
        source += f", merged into {max_points} buckets"
    times = pd.to_datetime(frame["bucket"], utc=True).dt.tz_localize(None).to_numpy()
    mean = (frame["sum"] / frame["count"]).to_numpy(dtype=float)
    return _series(
        times,
        mean,
        frame["min"].to_numpy(dtype=float),
        frame["max"].to_numpy(dtype=float),
        source,
        start,
        end,
    )


def _series(times, value, low, high, source, start, end) -> dict:
    return {
        "times": [pd.Timestamp(t).tz_localize("UTC").isoformat() for t in times],
        "value": [float(v) for v in value],
        "min": [float(v) for v in low],
        "max": [float(v) for v in high],
        "source": source,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
    }


def recurring_failure_recommendations(user, since=None) -> list[dict]:
    """Recurring failures at the sites ``user`` sees whose alert onset falls consistently
    at week k of the asset's PM interval, with the proposed shorter interval and the
    cycles that show it (``condition.recurring_patterns``, SPEC §3 last row)."""
    since = since or (pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=3 * 365)).to_pydatetime()
    failures = pd.DataFrame(
        list(
            FailureEvent.objects.visible_to(user)
            .filter(started_at__gte=since, failure_mode__isnull=False)
            .values_list("asset_id", "failure_mode_id", "started_at")
        ),
        columns=["asset_id", "failure_mode_id", "started_at"],
    )
    if not len(failures):
        return []
    assets = set(failures["asset_id"])
    alerts = pd.DataFrame(
        list(
            Alert.objects.filter(asset_id__in=assets, detected_at__gte=since).values_list(
                "asset_id", "detected_at"
            )
        ),
        columns=["asset_id", "detected_at"],
    )
    pm = pd.DataFrame(
        list(
            WorkOrder.objects.filter(
                asset_id__in=assets,
                kind=WorkOrderKind.PREVENTIVE,
                completed_at__isnull=False,
                completed_at__gte=since - dt.timedelta(days=365),
            ).values_list("asset_id", "completed_at")
        ),
        columns=["asset_id", "completed_at"],
    )
    for frame, column in ((failures, "started_at"), (alerts, "detected_at"), (pm, "completed_at")):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    patterns = condition.recurring_patterns(failures, alerts, pm)
    if not patterns:
        return []
    from reliability.models import Asset, FailureMode

    names = {
        a.pk: a
        for a in Asset.objects.filter(pk__in={p["asset_id"] for p in patterns}).select_related(
            "site"
        )
    }
    modes = dict(FailureMode.objects.values_list("pk", "name"))
    for pattern in patterns:
        asset = names[pattern["asset_id"]]
        pattern.update(
            site=asset.site.name,
            asset=asset.code,
            failure_mode=modes.get(pattern["failure_mode_id"]),
        )
    return patterns

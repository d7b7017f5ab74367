"""Raising and updating condition alerts from the hourly roll-ups.

For each active sensor of the assets evaluated, the hourly means of the last
``EVALUATION_DAYS`` days (never raw readings) give:
- the latest level: the last hour's mean, classified into its ISO 20816-3 zone
  (vibration) or against the asset class's warning / alarm thresholds (temperature,
  current) — ``reliability.condition``;
- the trend: a Theil–Sen slope over the window and the time until the line reaches zone
  D (or the alarm threshold), with a confidence note when the fit is poor.

An alert opens when the level is in zone C or D, past a threshold, or when a good trend
reaches zone D / the alarm within ``TREND_HORIZON_HOURS``. There is one open alert per
asset and metric (the database enforces it): while the condition lasts the same alert
is updated (worst zone, rate, time to failure), never duplicated; people close it.
"""

import datetime as dt

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reliability import condition
from reliability.models import Alert, AlertStatus, Metric, ReadingHourly, Sensor

EVALUATION_DAYS = 14
TREND_HORIZON_HOURS = 30 * 24
ZONE_ORDER = {"": 0, "A": 1, "B": 2, "C": 3, "D": 4}
SEVERITY_ORDER = {None: 0, "info": 1, "warning": 2, "alarm": 3}


def alerts_evaluate(*, site_ids=None, asset_ids=None, now=None) -> dict:
    """Evaluate the sensors of the given sites or assets (all when neither is given)
    as of ``now``; returns counts of alerts opened and updated."""
    now = now or timezone.now()
    sensors = Sensor.objects.filter(is_active=True, asset__is_active=True)
    if site_ids is not None:
        sensors = sensors.filter(asset__site_id__in=list(site_ids))
    if asset_ids is not None:
        sensors = sensors.filter(asset_id__in=list(asset_ids))
    frame = pd.DataFrame(
        list(
            sensors.values_list(
                "pk",
                "metric",
                "asset_id",
                "asset__asset_class",
                "asset__machine_group",
                "asset__foundation",
                "asset__zone_ab_override",
                "asset__zone_bc_override",
                "asset__zone_cd_override",
            )
        ),
        columns=[
            "sensor_id",
            "metric",
            "asset_id",
            "asset_class",
            "machine_group",
            "foundation",
            "ab",
            "bc",
            "cd",
        ],
    )
    counts = {"sensors": int(len(frame)), "opened": 0, "updated": 0}
    if not len(frame):
        return counts
    hourly = _hourly_means(frame["sensor_id"].tolist(), now)
    findings = []
    for sensor in frame.itertuples(index=False):
        series = hourly.get(sensor.sensor_id)
        if series is None or not len(series):
            continue
        finding = assess(sensor, series[0], series[1], now)
        if finding is not None:
            findings.append(finding)
    # Several sensors of one asset and metric (drive and non-drive end): the worst speaks.
    worst: dict[tuple[int, str], dict] = {}
    for finding in findings:
        key = (finding["asset_id"], finding["metric"])
        if key not in worst or _rank(finding) > _rank(worst[key]):
            worst[key] = finding
    for finding in worst.values():
        counts["opened" if _record(finding) else "updated"] += 1
    return counts


def assess(sensor, times: np.ndarray, means: np.ndarray, now) -> dict | None:
    """The condition of one sensor from its hourly means; None when all is well.

    ``times`` are the hours' starts (UTC, numpy datetime64), ``means`` their mean values.
    """
    latest = float(means[-1])
    if sensor.metric == Metric.VIBRATION_VELOCITY_RMS:
        boundaries = condition.zone_boundaries(
            sensor.machine_group or None,
            sensor.foundation or "",
            (_opt(sensor.ab), _opt(sensor.bc), _opt(sensor.cd)),
        )
        zone = condition.classify_zone(latest, boundaries)
        severity = condition.SEVERITY_BY_ZONE[zone]
        threshold = boundaries[2]
        rule = "zone"
    else:
        warning, alarm = condition.class_thresholds(sensor.asset_class, sensor.metric)
        zone = ""
        severity = condition.threshold_severity(latest, warning, alarm)
        threshold = alarm
        rule = "threshold"
    hours = (times - times[0]).astype("timedelta64[s]").astype(float) / 3600.0
    needs_trend = severity in ("warning", "alarm") or _may_reach(hours, means, threshold)
    trend = (
        condition.trend_estimate(hours, means, threshold)
        if needs_trend and len(means) >= 3
        else None
    )
    trending = (
        trend is not None
        and str(trend["confidence"]).startswith("good")
        and trend["hours_to_threshold"] is not None
        and trend["hours_to_threshold"] <= TREND_HORIZON_HOURS
    )
    abnormal = severity in ("warning", "alarm") or trending
    if not abnormal:
        return None
    if severity not in ("warning", "alarm"):
        rule = "trend"
    at_threshold = latest >= threshold
    hours_to_failure = (
        0.0 if at_threshold else (trend["hours_to_threshold"] if trend is not None else None)
    )
    return {
        "sensor_id": int(sensor.sensor_id),
        "asset_id": int(sensor.asset_id),
        "metric": sensor.metric,
        "rule": rule,
        "zone": zone,
        "severity": severity,
        "rate_per_day": None if trend is None else float(trend["rate_per_day"]),
        "hours_to_failure": None if hours_to_failure is None else float(hours_to_failure),
        # Detected when the data showed it: the end of the last hour evaluated.
        "detected_at": min(
            pd.Timestamp(times[-1]).tz_localize("UTC").to_pydatetime() + dt.timedelta(hours=1), now
        ),
    }


def _may_reach(hours: np.ndarray, means: np.ndarray, threshold: float) -> bool:
    """A cheap least-squares screen before the robust fit: could this series reach the
    threshold within twice the trend horizon? Most healthy sensors stop here (the
    Theil–Sen fit costs a sort of all pairs of points)."""
    if len(means) < 3:
        return False
    x = hours - hours.mean()
    denominator = float((x * x).sum())
    if denominator == 0:
        return False
    slope = float((x * (means - means.mean())).sum()) / denominator
    if slope <= 0:
        return False
    return (threshold - float(means[-1])) / slope <= 2 * TREND_HORIZON_HOURS


def _rank(finding) -> tuple:
    return (
        ZONE_ORDER[finding["zone"]],
        SEVERITY_ORDER[finding["severity"]],
        -(finding["hours_to_failure"] or 1e12),
    )


def _record(finding) -> bool:
    """Open the alert, or update the open one; True when a new alert was opened."""
    still_open = (
        Alert.objects.select_for_update()
        .filter(asset_id=finding["asset_id"], metric=finding["metric"])
        .exclude(status=AlertStatus.CLOSED)
    )
    with transaction.atomic():
        current = still_open.first()
        if current is None:
            try:
                with transaction.atomic():
                    Alert.objects.create(
                        asset_id=finding["asset_id"],
                        sensor_id=finding["sensor_id"],
                        metric=finding["metric"],
                        rule=finding["rule"],
                        detected_at=finding["detected_at"],
                        first_zone=finding["zone"],
                        worst_zone=finding["zone"],
                        rate_per_day=finding["rate_per_day"],
                        estimated_hours_to_failure=finding["hours_to_failure"],
                    )
                return True
            except IntegrityError:  # another evaluation opened it meanwhile: update that one
                current = still_open.get()
        if ZONE_ORDER[finding["zone"]] > ZONE_ORDER[current.worst_zone]:
            current.worst_zone = finding["zone"]
        current.rate_per_day = finding["rate_per_day"]
        current.estimated_hours_to_failure = finding["hours_to_failure"]
        current.sensor_id = finding["sensor_id"]
        current.save(
            update_fields=["worst_zone", "rate_per_day", "estimated_hours_to_failure", "sensor"]
        )
        return False


def _hourly_means(sensor_ids: list[int], now) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per sensor: (hour starts, hourly means) over the evaluation window, time-ordered.
    Read with plain SQL as epoch seconds: building a timezone-aware datetime per row cost
    more than the rest of the evaluation (bench/alerts.py)."""
    since = now - dt.timedelta(days=EVALUATION_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT sensor_id, extract(epoch FROM bucket)::bigint, sum / count
                FROM {ReadingHourly._meta.db_table}
                WHERE sensor_id = ANY(%s) AND bucket >= %s AND bucket < %s
                ORDER BY sensor_id, bucket""",
            [list(sensor_ids), since, now],
        )
        rows = cursor.fetchall()
    if not rows:
        return {}
    data = np.array(rows, dtype=[("s", "i8"), ("t", "i8"), ("v", "f8")])
    cuts = np.flatnonzero(np.diff(data["s"])) + 1
    out = {}
    for part in np.split(data, cuts):
        out[int(part["s"][0])] = (part["t"].astype("datetime64[s]"), part["v"])
    return out


def _opt(value):
    return None if value is None or pd.isna(value) else float(value)

"""Page builders of reliability: the asset page, as one dataclass.

The builder turns selectors and pure functions into what the page shows; no HTTP and no
writes. The view parses the URL, calls it, lays out the charts (``reliability.charts``)
and renders.
"""

import datetime as dt
from dataclasses import dataclass

from reliability import charts, condition, selectors
from reliability.models import AlertStatus, Metric
from reliability.periods import Period

WINDOWS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
LATEST = 20


@dataclass
class WorkOrderPeriod:
    """Work orders completed in a period, for a site or an asset
    (templates/reliability/_work_orders.html): the API's totals for the same filters."""

    period: Period
    totals: dict  # selectors.work_order_totals
    rows: list[dict]  # the newest LATEST, with net_cost
    site_code: str
    asset_code: str  # "" for a whole site
    problems: list[str]  # a bad from/to, reported; the default period is shown


def work_order_period(
    *, site_code: str, period: Period, problems=(), site_id=None, asset_id=None, asset_code=""
) -> WorkOrderPeriod:
    """Count and net cost (credits netted) of the work orders of ``site_id`` or
    ``asset_id`` completed in ``period``, and the latest of them."""
    in_period = selectors.work_orders_completed_between(
        selectors.work_orders_of(site_id=site_id, asset_id=asset_id), period.start, period.end
    )
    return WorkOrderPeriod(
        period=period,
        totals=selectors.work_order_totals(in_period),
        rows=selectors.latest_work_orders(in_period, LATEST),
        site_code=site_code,
        asset_code=asset_code,
        problems=list(problems),
    )


@dataclass
class SensorSeries:
    """One sensor's readings over the window, with the limits the alerts judge them by."""

    sensor: dict
    points: dict  # selectors.reading_series
    zones: tuple | None  # ISO 20816-3 zone boundaries (vibration)
    thresholds: tuple | None  # the asset class's warning and alarm (temperature, current)
    note: str  # why limits are not drawn, if they are not
    alerts: list[dict]  # markers: the alerts of this sensor's metric in the window


@dataclass
class AssetPage:
    """Everything the asset page shows (templates/reliability/asset.html)."""

    asset: object
    currency: str
    window: str  # "30d"
    windows: list[str]  # the choices offered, the current one included
    end: dt.date
    window_label: str
    problems: list[str]
    sensors: list[dict]
    series: list[SensorSeries]
    alerts: dict
    work_orders: dict
    failures: dict
    reliability: dict
    patterns: list[dict]
    work_order_period: WorkOrderPeriod


def asset_page(
    user,
    asset,
    *,
    sensors: list[dict],
    days: int,
    end_day: dt.date,
    figures_day: dt.date,
    problems: list[str],
    period: Period,
    period_problems: list[str] = (),
) -> AssetPage:
    """The page of ``asset`` (one ``user`` may see): readings over the ``days`` UTC days
    ending with ``end_day``, and reliability figures as of ``figures_day``."""
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), dt.UTC)
    start = end - dt.timedelta(days=days)
    window_label = f"{days} days to {end_day} (UTC)"
    markers = selectors.asset_alerts_between(asset.pk, start, end)
    points = charts.points_per_chart(len(sensors))
    return AssetPage(
        asset=asset,
        currency=asset.site.portfolio.currency,
        window=f"{days}d",
        windows=sorted({*WINDOWS, f"{days}d"}, key=lambda w: int(w[:-1])),
        end=end_day,
        window_label=window_label,
        problems=problems,
        sensors=sensors,
        series=[
            _series(user, asset, sensor, start, end, points=points, markers=markers)
            for sensor in sensors
        ],
        alerts=selectors.asset_alerts(asset.pk, LATEST),
        work_orders=selectors.asset_work_orders(asset.pk, LATEST),
        failures=selectors.asset_failures(asset.pk, LATEST),
        reliability=selectors.asset_reliability_figures(asset.pk, figures_day, asset),
        patterns=selectors.asset_recurring_failure_recommendations(user, asset.pk),
        work_order_period=work_order_period(
            site_code=asset.site.code,
            asset_id=asset.pk,
            asset_code=asset.code,
            period=period,
            problems=period_problems,
        ),
    )


def _series(user, asset, sensor, start, end, *, points, markers) -> SensorSeries:
    """One sensor's series over [start, end), downsampled to ``points``, with its limits
    and the markers of its metric's alerts."""
    zones, thresholds, note = _limits(asset, sensor["metric"])
    return SensorSeries(
        sensor=sensor,
        points=selectors.reading_series(user, sensor["id"], start, end, max_points=points),
        zones=zones,
        thresholds=thresholds,
        note=note,
        alerts=[
            {
                "detected_at": alert["detected_at"],
                "label": f"alert {alert['id']}: "
                + (f"zone {alert['worst_zone']}" if alert["worst_zone"] else alert["rule"])
                + f", {AlertStatus(alert['status']).label.lower()}",
            }
            for alert in markers
            if alert["metric"] == sensor["metric"]
        ],
    )


def _limits(asset, metric) -> tuple[tuple | None, tuple | None, str]:
    """(zones, thresholds, note) of one metric of the asset, as the alerts judge it
    (reliability.alerting.assess: ISO zones with the asset's overrides for vibration, the
    class's warning/alarm for temperature and current)."""
    if metric == Metric.VIBRATION_VELOCITY_RMS:
        overrides = (asset.zone_ab_override, asset.zone_bc_override, asset.zone_cd_override)
        try:
            zones = condition.zone_boundaries(
                asset.machine_group or None, asset.foundation or "", overrides
            )
        except ValueError as exc:
            return None, None, f"zones not drawn: {exc}"
        return zones, None, ""
    try:
        return None, condition.class_thresholds(asset.asset_class, metric), ""
    except KeyError:
        return None, None, ""

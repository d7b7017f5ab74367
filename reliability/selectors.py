"""Read-side queries over readings and alerts, scoped by ``visible_to``."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)

from core.dates import MTBF_TREND_QUARTERS, SCORING_HISTORY_DAYS, TRAILING_YEAR_DAYS, day_end
from core.frames import as_number
from reliability import condition, metrics, statistics
from reliability.models import (
    Alert,
    Asset,
    EscalationRule,
    FailureEvent,
    FailureMode,
    Metric,
    Reading,
    ReadingDaily,
    ReadingHourly,
    Sensor,
    WorkOrder,
    WorkOrderKind,
)

RAW_UP_TO = dt.timedelta(days=3)
#: How far back recurring-failure patterns are looked for by default: 3 years.
PATTERN_LOOKBACK = pd.Timedelta(days=3 * TRAILING_YEAR_DAYS)
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
    return _recurring_recommendations(FailureEvent.objects.visible_to(user), since)


def _recurring_recommendations(failure_events, since=None) -> list[dict]:
    """``condition.recurring_patterns`` over the failures of ``failure_events`` (a queryset
    already scoped to what the caller may see) and those assets' alerts and PM work orders
    since ``since`` (default: the last 3 years), each named by site, asset and mode."""
    since = since or (pd.Timestamp.now(tz="UTC") - PATTERN_LOOKBACK).to_pydatetime()
    failures = pd.DataFrame(
        list(
            failure_events.filter(started_at__gte=since, failure_mode__isnull=False).values_list(
                "asset_id", "failure_mode_id", "started_at"
            )
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
                # the PM before the first failure may be a year older than it
                completed_at__gte=since - dt.timedelta(days=TRAILING_YEAR_DAYS),
            ).values_list("asset_id", "completed_at")
        ),
        columns=["asset_id", "completed_at"],
    )
    for frame, column in ((failures, "started_at"), (alerts, "detected_at"), (pm, "completed_at")):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    patterns = condition.recurring_patterns(failures, alerts, pm)
    if not patterns:
        return []
    names = {
        a.pk: a
        for a in Asset.objects.filter(pk__in={p["asset_id"] for p in patterns}).select_related(
            "site"
        )
    }
    modes = dict(FailureMode.objects.values_list("pk", "name"))
    return [
        {
            **pattern,
            "site": names[pattern["asset_id"]].site.name,
            "asset": names[pattern["asset_id"]].code,
            "failure_mode": modes.get(pattern["failure_mode_id"]),
        }
        for pattern in patterns
    ]


# --- The asset page ---------------------------------------------------------------------
# One asset's history for ``reliability.views.asset``: each list is its latest rows with the
# total count (a window function, so one query a list), and the inputs of the reliability
# figures in the shape ``scores.selectors.site_scoring_inputs`` gives the site recompute.


def site_work_order(site_id: int, number: str) -> WorkOrder | None:
    """The site's work order with this number (its CMMS id), if there is one."""
    return WorkOrder.objects.filter(site_id=site_id, external_id=number).first()


def visible_assets(user):
    """The assets ``user`` may see, with site, portfolio and line for the page header."""
    return Asset.objects.visible_to(user).select_related("site__portfolio", "line")


def asset_sensors(asset_id: int) -> list[dict]:
    """The asset's active sensors (id, code, metric) with ``last_day``: the UTC day of the
    latest daily roll-up, i.e. of the sensor's latest reading (None without readings). One
    backward probe of the roll-up key per sensor, never the readings table."""
    latest = ReadingDaily.objects.filter(sensor=OuterRef("pk")).order_by("-bucket")
    sensors = (
        Sensor.objects.filter(asset_id=asset_id, is_active=True)
        .annotate(last_bucket=Subquery(latest.values("bucket")[:1]))
        .values("id", "code", "metric", "last_bucket")
    )
    order = list(Metric.values)  # vibration first: the metric the zones judge
    sensors = sorted(sensors, key=lambda row: (order.index(row["metric"]), row["code"]))
    return [
        {
            **row,
            "last_day": row["last_bucket"].astimezone(dt.UTC).date()
            if row["last_bucket"]
            else None,
        }
        for row in sensors
    ]


def _latest(queryset, limit: int, *fields, **expressions) -> dict:
    """{"rows": the first ``limit`` rows as dicts, "count": all rows}, in one query."""
    rows = list(
        queryset.annotate(total=Window(Count("pk")), **expressions).values(
            *fields, *expressions, "total"
        )[:limit]
    )
    return {"rows": rows, "count": rows[0]["total"] if rows else 0}


def asset_alerts(asset_id: int, limit: int = 20) -> dict:
    """The asset's latest ``limit`` alerts, newest detection first, and how many it has."""
    return _latest(
        Alert.objects.filter(asset_id=asset_id).order_by("-detected_at", "-pk"),
        limit,
        "id",
        "metric",
        "rule",
        "first_zone",
        "worst_zone",
        "status",
        "detected_at",
        "acknowledged_at",
        "closed_at",
    )


def asset_alerts_between(asset_id: int, start, end) -> list[dict]:
    """The asset's alerts detected in [start, end), oldest first: the chart's markers."""
    return list(
        Alert.objects.filter(asset_id=asset_id, detected_at__gte=start, detected_at__lt=end)
        .order_by("detected_at", "pk")
        .values("id", "metric", "sensor_id", "rule", "worst_zone", "status", "detected_at")
    )


def asset_work_orders(asset_id: int, limit: int = 20) -> dict:
    """The asset's latest ``limit`` work orders, newest opened first, with ``cost`` = parts +
    labour (currency of the portfolio), and how many it has."""
    return _latest(
        WorkOrder.objects.filter(asset_id=asset_id).order_by("-opened_at", "-pk"),
        limit,
        "id",
        "external_id",
        "kind",
        "opened_at",
        "started_at",
        "completed_at",
        "downtime_minutes",
        cost=F("parts_cost") + F("labour_cost"),
    )


def asset_failures(asset_id: int, limit: int = 20) -> dict:
    """The asset's latest ``limit`` failure events, newest first, with ``duration``
    (ended − started; None while open, or when the end was never recorded), ``is_open``,
    the failure mode's name and the work order's number, and how many it has.
    ``duration_hours`` is the duration in hours."""
    found = _latest(
        FailureEvent.objects.filter(asset_id=asset_id).order_by("-started_at", "-pk"),
        limit,
        "id",
        "started_at",
        "ended_at",
        "is_open",
        "production_lost_units",
        "work_order_id",
        mode=F("failure_mode__name"),
        work_order_number=F("work_order__external_id"),
        duration=ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField()),
    )
    for row in found["rows"]:
        duration = row["duration"]
        row["duration_hours"] = None if duration is None else duration.total_seconds() / 3600
    return found


@dataclass
class AssetReliabilityInputs:
    """One asset's failures and work orders as of a day, shaped like ``SiteInputs``'."""

    as_of: dt.date
    window_end: pd.Timestamp  # the end of as_of (UTC): every window ends here
    failures: pd.DataFrame
    work_orders: pd.DataFrame
    installed: dict  # asset_id → start of its installation day (UTC), when known


def asset_reliability_inputs(
    asset_id: int, as_of: dt.date, asset: Asset | None = None
) -> AssetReliabilityInputs:
    """The failures and work orders of one asset read as the site recompute reads its site's
    (``scores.selectors.site_scoring_inputs``: same columns, same history, ends after
    ``as_of`` not yet known), so ``metrics.mtbf``/``mttr`` and ``statistics.mtbf_trend`` give
    this asset the same numbers as the site's figures. Two queries (three without
    ``asset``, the Asset with its site selected, which gives the installation day)."""
    window_end = day_end(as_of)
    since = window_end - pd.Timedelta(days=SCORING_HISTORY_DAYS)
    failures = failure_frame(FailureEvent.objects.filter(asset_id=asset_id), since, window_end)
    work_orders = work_order_frame(WorkOrder.objects.filter(asset_id=asset_id), since, window_end)
    asset = asset or Asset.objects.select_related("site").get(pk=asset_id)
    installed = {asset_id: installation_start(asset.installed_on, asset.site.timezone)}
    return AssetReliabilityInputs(as_of, window_end, failures, work_orders, installed)


def installation_start(installed_on: dt.date | None, timezone: str) -> pd.Timestamp | None:
    """00:00 of the installation day in the site's timezone, as a UTC instant: where the
    asset's operating time starts (None: installed before any window we compute)."""
    if installed_on is None:
        return None
    midnight = pd.Timestamp(installed_on).tz_localize(
        timezone, ambiguous=False, nonexistent="shift_forward"
    )
    return midnight.tz_convert("UTC")


def failure_frame(failures, since, window_end) -> pd.DataFrame:
    """Failure events of ``failures`` (a queryset) that bear on [since, window_end), as the
    scoring functions take them: those started in it, and those started before ``since``
    that were still down after it (open, or ended after ``since``), whose downtime falls in
    the windows (``metrics.mtbf`` clips it and does not count them as events: they started
    before). One query; per asset it walks the (asset, started_at) unique index. Read as
    of ``window_end``: a failure that had not ended by then was down at that moment, so it
    reads as open (``is_open`` True, ``ended_at`` NaT); an end missing in the data with
    ``is_open`` False stays an unknown duration (no downtime, so one started before
    ``since`` is left out)."""
    bearing = Q(started_at__gte=since) | Q(is_open=True) | Q(ended_at__gt=since)
    frame = values_frame(
        failures.filter(bearing, started_at__lt=window_end),
        {
            "failure_id": "pk",
            "asset_id": "asset_id",
            "started_at": "started_at",
            "ended_at": "ended_at",
            "failure_mode_id": "failure_mode_id",
            "detectable": "failure_mode__detectable_by_condition_monitoring",
            "work_order_id": "work_order_id",
            "is_open": "is_open",
        },
        dates=("started_at", "ended_at"),
    )
    later = frame["ended_at"] >= window_end
    frame.loc[later, "ended_at"] = pd.NaT
    frame["is_open"] = frame["is_open"].astype(bool) | later
    return frame


def work_order_frame(work_orders, since, window_end) -> pd.DataFrame:
    """Work orders of ``work_orders`` (a queryset) opened in [since, window_end), as the
    scoring functions take them: starts and completions after ``window_end`` are not yet
    known (NaT), costs are floats."""
    frame = values_frame(
        work_orders.filter(opened_at__lt=window_end, opened_at__gte=since),
        {
            "work_order_id": "pk",
            "asset_id": "asset_id",
            "kind": "kind",
            "opened_at": "opened_at",
            "started_at": "started_at",
            "completed_at": "completed_at",
            "downtime_minutes": "downtime_minutes",
            "parts_cost": "parts_cost",
            "labour_cost": "labour_cost",
            "changeover_window_id": "changeover_window_id",
        },
        dates=("opened_at", "started_at", "completed_at"),
    )
    for column in ("started_at", "completed_at"):
        frame.loc[frame[column] >= window_end, column] = pd.NaT
    for column in ("parts_cost", "labour_cost"):
        frame[column] = frame[column].astype(float)
    return frame


def values_frame(queryset, columns: dict[str, str], dates=()) -> pd.DataFrame:
    """A values() query as a DataFrame with our column names (``{ours: lookup}``), the
    ``dates`` columns as UTC timestamps."""
    frame = pd.DataFrame(list(queryset.values_list(*columns.values())), columns=list(columns))
    for column in dates:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def asset_recurring_failure_recommendations(user, asset_id: int, since=None) -> list[dict]:
    """``recurring_failure_recommendations`` for one asset: the same rows filtered to it,
    read from that asset's failures, alerts and PMs only."""
    failures = FailureEvent.objects.visible_to(user).filter(asset_id=asset_id)
    return _recurring_recommendations(failures, since)


def asset_reliability_figures(asset_id: int, as_of: dt.date, asset: Asset | None = None) -> dict:
    """MTBF and MTTR over the trailing 12 months to the end of ``as_of`` and the MTBF trend
    over the 4 complete quarters before it, from the functions and inputs the site
    recompute uses (scores/figures/site.py), so the numbers agree with the site's."""
    inputs = asset_reliability_inputs(asset_id, as_of, asset)
    year_start = inputs.window_end - pd.Timedelta(days=TRAILING_YEAR_DAYS)
    installed = inputs.installed
    mtbf = metrics.mtbf(
        inputs.failures, [asset_id], year_start, inputs.window_end, installed=installed
    ).iloc[0]
    repair = metrics.mttr(
        inputs.work_orders, year_start, inputs.window_end, inputs.failures, installed=installed
    )
    trend = statistics.mtbf_trend(
        inputs.failures, [asset_id], as_of, quarters=MTBF_TREND_QUARTERS, installed=installed
    ).iloc[0]
    per_quarter = metrics.failures_per_quarter(
        inputs.failures, trend["quarter_labels"], installed=installed
    )
    labels = trend["quarter_labels"]
    trend_window = f"4 quarters {labels[0]}–{labels[-1]} (complete quarters to {as_of})"
    return {
        "window": f"trailing 12 months to {as_of}",
        "mtbf": {
            "hours": float(mtbf["mtbf_hours"]),
            "censored": bool(mtbf["censored"]),
            "failures": int(mtbf["failures"]),
            "operating_hours": float(mtbf["operating_hours"]),
            "downtime_hours": float(mtbf["downtime_hours"]),
        },
        "mttr": repair,
        "trend": {
            "window": trend_window,
            "pct_per_quarter": trend["pct_per_quarter"],
            "slope_hours_per_quarter": as_number(trend["slope_hours_per_quarter"], "slope"),
            "direction": trend["direction"],
            "crow_amsaa_beta": trend["crow_amsaa_beta"],
            "censored_quarters": int(trend["censored_quarters"]),
            "quarter_labels": list(labels),
            "quarters": [float(q) for q in trend["quarters"]],
            "censored": list(trend["quarter_censored"]),
            "installed": list(trend["quarter_installed"]),
            "not_installed_quarters": int(sum(not q for q in trend["quarter_installed"])),
            "failures_per_quarter": list(per_quarter),
        },
    }


def active_escalation_rules(portfolio) -> list[EscalationRule]:
    """The portfolio's escalation rules that are switched on, by name."""
    return list(EscalationRule.objects.filter(portfolio=portfolio, is_active=True))


# --- Work orders of a period ------------------------------------------------------------
# One definition of "the work orders of a period" and of their totals, read by the API
# (GET /api/v1/work-orders/) and by the site and asset pages, so both show the same numbers.


def work_orders_of(*, site_id: int | None = None, asset_id: int | None = None):
    """The work orders of a site or of an asset (a page's scope, already checked)."""
    scope = {"asset_id": asset_id} if asset_id is not None else {"site_id": site_id}
    return WorkOrder.objects.filter(**scope)


def work_orders_completed_between(work_orders, start, end):
    """The work orders of ``work_orders`` (a queryset) completed in [start, end): the date
    basis of the maintenance-cost figure (``metrics.maintenance_cost``), so a trailing
    12-month period's net total is that figure's spend. Orders not yet completed are not in
    any period. Each row carries ``net_cost`` = parts_cost + labour_cost (negative for a
    credit), newest completion first."""
    in_period = work_orders.filter(completed_at__gte=start, completed_at__lt=end)
    return with_net_cost(in_period).order_by("-completed_at", "-pk")


def with_net_cost(work_orders):
    """``work_orders`` with ``net_cost`` = parts_cost + labour_cost on each row."""
    return work_orders.annotate(net_cost=F("parts_cost") + F("labour_cost"))


def work_order_totals(work_orders) -> dict:
    """Totals over ``work_orders`` (a queryset, e.g. of ``work_orders_completed_between``):
    count; net_parts = Σ parts_cost, net_labour = Σ labour_cost, net_total = net_parts +
    net_labour (Decimal; credit rows are negative, so they net); credits = how many rows
    have a negative net cost; currency = the portfolio's. Money of two currencies is never
    added: ``by_currency`` holds these totals per currency, and when the set spans more
    than one the top-level money (and currency) is None. An empty set totals 0. One query."""
    groups = list(
        work_orders.order_by()
        .values(currency=F("site__portfolio__currency"))
        .annotate(
            count=Count("pk"),
            net_parts=Sum("parts_cost", default=Decimal(0)),
            net_labour=Sum("labour_cost", default=Decimal(0)),
            credits=Count("pk", filter=Q(parts_cost__lt=-F("labour_cost"))),
        )
        .order_by("currency")
    )
    for group in groups:
        group["net_total"] = group["net_parts"] + group["net_labour"]
    one = groups[0] if len(groups) == 1 else None
    zero = Decimal(0) if not groups else None
    return {
        "count": sum(group["count"] for group in groups),
        "net_parts": one["net_parts"] if one else zero,
        "net_labour": one["net_labour"] if one else zero,
        "net_total": one["net_total"] if one else zero,
        "credits": sum(group["credits"] for group in groups),
        "currency": one["currency"] if one else None,
        "by_currency": groups,
    }


def latest_work_orders(work_orders, limit: int) -> list[dict]:
    """The first ``limit`` rows of ``work_orders`` (ordered, with ``net_cost``) for a page,
    with the asset's code."""
    return list(
        work_orders.values(
            "id",
            "external_id",
            "kind",
            "description",
            "opened_at",
            "completed_at",
            "parts_cost",
            "labour_cost",
            "net_cost",
            asset_code=F("asset__code"),
        )[:limit]
    )

"""A site's figures as of a day: every SPEC §3 number, from the pure functions.

No Django here: ``compute_site_figures`` takes the DataFrames of
``scores.selectors.site_scoring_inputs`` (any object with the same attributes) and
returns plain numbers plus ``details``: each figure's window and the inputs behind it, so
a board number can be traced to its rows, in the shape ``scores.snapshot`` defines. The
service stores the result as a snapshot.

Windows (all end at the end of ``as_of``, UTC; CM coverage's, for today, at the moment of
the computation, ``inputs.measured_to``):
- trailing 12 months: MTBF, MTTR, OEE, emergency premium, maintenance cost, penalty
  exposure (annualised when the site's history is shorter);
- the last 4 changeover windows that ended by ``as_of``: utilisation and PM completion;
- trailing 90 days: Tier 1 alert response (a recent behaviour, not a yearly average);
- the standard's freshness limit: CM coverage;
- 4 complete calendar quarters: MTBF trend; the last 2 quarters: penalty events;
- the next 12 months: failure probability, production value at risk, SDP probability
  (4 quarters ahead of the last scorecard).
"""

import datetime as dt

import numpy as np
import pandas as pd

from core.dates import (
    MTBF_TREND_QUARTERS,
    SCORING_HISTORY_DAYS,
    SDP_HORIZON_QUARTERS,
    TRAILING_YEAR_DAYS,
)
from core.frames import known_numbers
from oem import metrics as oem_metrics
from reliability import metrics, statistics
from scores.figures import finance, maturity
from scores.snapshot import SCORE_COLUMNS, Detail, SnapshotDetails, Window

HORIZON_HOURS = 8760
ALERT_WINDOW_DAYS = 90
TOP_BOTTLENECKS = 3
WEIBULL_MIN_FAILURES = 5
#: Columns of ``statistics.mtbf_trend`` for the asset page's chart, not stored in a snapshot.
TREND_CHART_COLUMNS = ["quarter_censored", "quarter_installed"]


def compute_site_figures(inputs) -> dict:
    """Every figure of one site as of ``inputs.as_of``; None where data cannot support it."""
    as_of, end = inputs.as_of, inputs.window_end
    year_start = end - pd.Timedelta(days=TRAILING_YEAR_DAYS)
    standard, site = inputs.standard, inputs.site
    asset_ids = list(inputs.assets["asset_id"])
    tier1 = inputs.assets[inputs.assets["tier"] == 1]
    windows: dict = {}

    def window(name: Window, start, stop, label, **extra):
        windows[name] = {
            "start": _iso(start),
            "end": _iso(stop),
            "label": label,
            **extra,
        }

    trailing_year = f"trailing 12 months to {as_of}"

    # Reliability: MTBF, MTTR, trend on the bottlenecks.
    installed = installation_times(inputs.assets)
    mtbf_table = metrics.mtbf(inputs.failures, asset_ids, year_start, end, installed=installed)
    window(Window.MTBF, year_start, end, trailing_year)
    mttr = metrics.mttr(inputs.work_orders, year_start, end, inputs.failures, installed=installed)
    window(Window.MTTR, year_start, end, trailing_year)
    bottlenecks = top_bottlenecks(inputs.assets)
    trend = statistics.mtbf_trend(
        inputs.failures, bottlenecks, as_of, quarters=MTBF_TREND_QUARTERS, installed=installed
    )
    trend_pct = _mean(trend["pct_per_quarter"]) if len(trend) else None
    window(
        Window.MTBF_TREND,
        None,
        end,
        f"{MTBF_TREND_QUARTERS} quarters to {as_of}",
        quarters=MTBF_TREND_QUARTERS,
        assets=[int(a) for a in bottlenecks],
    )

    # Production.
    oee = metrics.oee(inputs.production)
    window(Window.OEE, year_start, end, trailing_year)
    oee_lines = metrics.oee_by(inputs.production, "line_id") if len(inputs.production) else None

    # Changeover windows.
    changeover = metrics.changeover_utilization(inputs.windows, end, last_n=4)
    last_windows = inputs.windows[inputs.windows["window_id"].isin(changeover["window_ids"])]
    pm = metrics.pm_completion_in_windows(inputs.work_orders, last_windows)
    window(
        Window.CHANGEOVER,
        changeover.get("window_start"),
        changeover.get("window_end"),
        f"last 4 changeover windows to {as_of}",
        windows=[int(w) for w in changeover["window_ids"]],
    )

    # Condition monitoring.
    # Freshness is measured up to now for today (core.dates.measured_to), not to midnight.
    fresh_hours, fresh_to = standard["cm_freshness_hours"], inputs.measured_to
    coverage = metrics.cm_coverage(
        inputs.assets, inputs.last_readings, fresh_to, freshness_hours=fresh_hours
    )
    window(
        Window.CM_COVERAGE,
        fresh_to - pd.Timedelta(hours=fresh_hours),
        fresh_to,
        f"sensors reporting in the {fresh_hours} h to "
        + (f"the end of {as_of}" if fresh_to >= end else f"{fresh_to:%Y-%m-%d %H:%M} UTC"),
    )
    alert_start = end - pd.Timedelta(days=ALERT_WINDOW_DAYS)
    response = metrics.alert_response(inputs.alerts, alert_start, end)
    confirmation = metrics.alert_confirmation(inputs.alerts, alert_start, end)
    window(Window.ALERT_RESPONSE, alert_start, end, f"trailing {ALERT_WINDOW_DAYS} days to {as_of}")

    # Money: penalties, premium, cost, value at risk, revenue at risk.
    exposure = oem_metrics.penalty_exposure(inputs.penalties, as_of, inputs.history_start)
    addressable = oem_metrics.addressable_exposure(
        inputs.penalties, as_of, standard["expected_reduction"], inputs.history_start
    )
    window(
        Window.PENALTY_EXPOSURE,
        exposure["window_start"],
        exposure["window_end"],
        trailing_year + (" (annualised)" if exposure["annualized"] else ""),
        annualized=exposure["annualized"],
    )
    events_2q = oem_metrics.penalty_events(inputs.penalties, as_of, quarters=2)
    premium = finance.emergency_premium(
        inputs.work_orders, year_start, end, standard["emergency_premium_factor"]
    )
    window(Window.EMERGENCY_PREMIUM, year_start, end, trailing_year)
    cost = metrics.maintenance_cost(
        inputs.work_orders,
        year_start,
        end,
        site["annual_revenue"],
        float(inputs.assets["replacement_value"].sum()),
        site["annual_maintenance_spend"],
    )
    window(Window.MAINTENANCE_COST, year_start, end, trailing_year, source=cost["source"])
    at_risk = value_at_risk_inputs(inputs, mtbf_table, year_start, end, installed)
    pvar = finance.production_value_at_risk(at_risk, site["production_value_per_hour"])
    window(
        Window.PRODUCTION_VALUE_AT_RISK,
        end,
        end + pd.Timedelta(hours=HORIZON_HOURS),
        f"next 12 months from {as_of}",
    )
    revenue = oem_metrics.revenue_at_risk(
        inputs.relationships, inputs.scorecards, SDP_HORIZON_QUARTERS
    )
    revenue_total = _sum(revenue["revenue_at_risk"]) if len(revenue) else None
    window(
        Window.REVENUE_AT_RISK,
        None,
        end,
        f"next {SDP_HORIZON_QUARTERS} quarters of scorecards",
        horizon_quarters=SDP_HORIZON_QUARTERS,
    )
    by_quarter = oem_metrics.quarterly_exposure(inputs.penalties, as_of, quarters=2)
    warnings = oem_metrics.early_warnings(inputs.relationships, inputs.scorecards, by_quarter)

    # Maturity against the standard.
    values = {
        "cm_coverage": coverage["value"],
        "changeover_utilization": changeover["value"],
        "mtbf_trend_pct": trend_pct,
        "penalty_events_2q": events_2q,
        "alert_response_median_hours": response["median_hours"],
        "alert_response_p90_hours": response["p90_hours"],
    }
    scores = maturity.dimension_scores(values, standard)
    composite = maturity.composite(scores, standard)
    tier = maturity.risk_tier(composite, exposure["total"])
    gaps = maturity.gaps_to_standard(values, standard, as_of, getattr(inputs, "below_since", None))

    reduction = standard["expected_reduction"]
    case = finance.financial_case(
        downtime_hours_avoided=_times(_pvar_hours(at_risk), reduction),
        value_per_hour=site["production_value_per_hour"],
        emergency_premium_avoided=_times(premium["premium"], reduction),
        penalties_avoided=addressable["avoidable"],
        revenue_protected=_times(revenue_total, reduction),
    )

    details: SnapshotDetails = {
        Detail.AS_OF: as_of.isoformat(),
        Detail.WINDOWS: windows,
        Detail.MTBF: {
            "mean_hours": metrics.mean_mtbf(mtbf_table),
            "assets": int(len(mtbf_table)),
            "censored_assets": int(mtbf_table["censored"].sum()) if len(mtbf_table) else 0,
            "failures": int(mtbf_table["failures"].sum()) if len(mtbf_table) else 0,
            **_fleet(metrics.fleet_mtbf(mtbf_table)),
        },
        Detail.MTTR: mttr,
        Detail.MTBF_TREND: {
            "pct_per_quarter": trend_pct,
            # the per-quarter flags draw the asset page's chart; the snapshot keeps its shape
            "assets": _records(trend.drop(columns=TREND_CHART_COLUMNS).reset_index())
            if len(trend)
            else [],
        },
        Detail.OEE: oee,
        Detail.OEE_BY_LINE: _records(oee_lines.reset_index()) if oee_lines is not None else [],
        Detail.PRODUCTION_SUMS: _production_sums(inputs.production),
        Detail.CHANGEOVER: changeover,
        Detail.PM_COMPLETION: pm,
        Detail.CM_COVERAGE: coverage,
        Detail.ALERT_RESPONSE: response,
        Detail.ALERT_CONFIRMATION: confirmation,
        Detail.PENALTY_EXPOSURE: {
            **{k: v for k, v in exposure.items() if k != "by_relationship"},
            "by_relationship": _records(exposure["by_relationship"].reset_index()),
        },
        Detail.ADDRESSABLE_EXPOSURE: addressable,
        Detail.PENALTY_EVENTS_2Q: events_2q,
        Detail.EMERGENCY_PREMIUM: premium,
        Detail.MAINTENANCE_COST: {**cost, "revenue": site["annual_revenue"]},
        Detail.PRODUCTION_VALUE_AT_RISK: {
            "total": pvar["total"],
            "missing": pvar["missing"],
            "assets": _records(pvar["by_asset"].reset_index()),
        },
        Detail.REVENUE_AT_RISK: _records(revenue.reset_index()) if len(revenue) else [],
        Detail.EARLY_WARNINGS: warnings,
        Detail.MATURITY: {"values": values, "scores": scores, "composite": composite},
        Detail.GAPS: gaps,
        Detail.FINANCIAL_CASE: case,
        Detail.TIER1_ASSETS: int(len(tier1)),
        Detail.TIER1: tier1_reliability(
            tier1,
            mtbf_table,
            inputs.work_orders,
            pvar,
            year_start,
            end,
            inputs.failures,
            installed=installed,
        ),
        Detail.HISTORY_START: _iso(inputs.history_start),
    }
    return {
        **{column: scores[dimension] for dimension, column in SCORE_COLUMNS.items()},
        "maturity_composite": composite,
        "risk_tier": tier,
        "penalty_exposure": exposure["total"],
        "addressable_exposure": addressable["addressable"],
        "emergency_premium": premium["premium"],
        "production_value_at_risk": pvar["total"],
        "revenue_at_risk": revenue_total,
        "maintenance_cost_pct_revenue": cost["pct_revenue"],
        "oee": oee["oee"],
        "details": _plain(details),
    }


def tier1_reliability(
    tier1, mtbf_table, work_orders, pvar, start, end, failures=None, installed=None
) -> list[dict]:
    """Per Tier 1 asset: MTBF (censored "> T" when no failure), MTTR (the site MTTR's
    repair events, ``metrics.mttr_by_asset``, from installation) and the 12-month failure
    probability and value at risk, for the site page's Tier 1 table. Trailing 12 months to
    the end of as_of; the probability is the one production value at risk uses."""
    repairs = metrics.mttr_by_asset(work_orders, start, end, failures, installed=installed)
    at_risk = pvar["by_asset"]
    rows = []
    for asset in tier1.itertuples(index=False):
        reliability = mtbf_table.loc[asset.asset_id]
        repair = repairs.loc[asset.asset_id] if asset.asset_id in repairs.index else None
        risk = at_risk.loc[asset.asset_id] if asset.asset_id in at_risk.index else None
        rows.append(
            {
                "asset_id": int(asset.asset_id),
                "code": asset.code,
                "name": asset.name,
                "failures": int(reliability["failures"]),
                "mtbf_hours": float(reliability["mtbf_hours"]),
                "mtbf_censored": bool(reliability["censored"]),
                "mttr_hours": None if repair is None else float(repair["hours"]),
                "p_failure_12m": None if risk is None else risk.get("p_failure_12m"),
                "value_at_risk": None if risk is None else risk.get("value"),
            }
        )
    return rows


def top_bottlenecks(assets: pd.DataFrame, count: int = TOP_BOTTLENECKS) -> list[int]:
    """The assets whose MTBF trend scores the site: bottlenecks first, then Tier 1, each by
    replacement value (the costliest machines that stop the line), ``count`` of them."""
    if not len(assets):
        return []
    ranked = assets.assign(
        _bottleneck=~assets["is_bottleneck"].astype(bool), _tier=assets["tier"]
    ).sort_values(
        ["_bottleneck", "_tier", "replacement_value", "asset_id"],
        ascending=[True, True, False, True],
    )
    ranked = ranked[ranked["is_bottleneck"].astype(bool) | (ranked["tier"] == 1)]
    return [int(a) for a in ranked["asset_id"].head(count)]


def installation_times(assets: pd.DataFrame) -> dict | None:
    """asset_id → the instant its operating time starts (``installed_at``, UTC), for the
    assets whose installation is known; None when the frame has no such column."""
    if "installed_at" not in assets.columns:
        return None
    known = assets.loc[assets["installed_at"].notna()]
    return dict(zip(known["asset_id"], known["installed_at"], strict=True))


def _fleet(fleet: dict) -> dict:
    """The pooled fleet MTBF as the snapshot's MTBF detail stores it."""
    return {"fleet_hours": fleet["hours"], "fleet_censored": fleet["censored"]}


def value_at_risk_inputs(inputs, mtbf_table, start, end, installed=None) -> pd.DataFrame:
    """Tier 1 assets with P(failure in the next 12 months) and hours down per failure.

    P comes from a Weibull fit of the asset class's times between failures at the site
    when the class has at least 5 failures (right-censored at the window end), else from
    the asset's MTBF: 1 − exp(−8760 ÷ MTBF). An asset with no failure in the window (MTBF
    only "> T") takes its class's pooled rate at the site (failures ÷ operating hours),
    else the site's; with no failure at the site at all it is unknown. Hours per failure:
    the asset's own mean, else its class's, else the site's.
    """
    tier1 = inputs.assets[inputs.assets["tier"] == 1]
    if not len(tier1):
        return pd.DataFrame(columns=["asset_id", "p_failure_12m", "expected_downtime_hours"])
    # Assets that never failed add their survival time, or lifetimes would come out short.
    gaps = statistics.time_between_failures(
        inputs.failures, start, end, asset_ids=inputs.assets["asset_id"], installed=installed
    )
    classes = inputs.assets.set_index("asset_id")["asset_class"]
    fits = {}
    if len(gaps):
        gaps = gaps.assign(asset_class=gaps["asset_id"].map(classes))
        for asset_class, group in gaps.groupby("asset_class"):
            fit = statistics.weibull_fit(group["hours"].to_numpy(), group["observed"].to_numpy())
            if fit is not None and fit["failures"] >= WEIBULL_MIN_FAILURES:
                fits[asset_class] = fit
    # Hours per failure over the failures of the history (the frame also holds older ones
    # still down after its start, for their downtime in the windows).
    history = inputs.failures
    if len(history):
        began = pd.to_datetime(history["started_at"], utc=True)
        history = history.loc[began >= end - pd.Timedelta(days=SCORING_HISTORY_DAYS)]
    hours = finance.expected_downtime_hours(history)
    by_class = (
        hours.rename("h").to_frame().join(classes).groupby("asset_class")["h"].mean()
        if len(hours)
        else pd.Series(dtype=float)
    )
    site_mean = float(hours.mean()) if len(hours) else np.nan
    pooled = mtbf_table.join(classes).groupby("asset_class")[["failures", "operating_hours"]].sum()
    class_rates = {
        c: row.failures / row.operating_hours
        for c, row in pooled.iterrows()
        if row.failures > 0 and row.operating_hours > 0
    }
    total_hours = float(mtbf_table["operating_hours"].sum()) if len(mtbf_table) else 0.0
    site_rate = float(mtbf_table["failures"].sum()) / total_hours if total_hours else None
    rows = []
    for asset in tier1.itertuples(index=False):
        fit = fits.get(asset.asset_class)
        if fit is not None:
            p = statistics.weibull_failure_probability(fit["beta"], fit["eta"], HORIZON_HOURS)
            source = "weibull"
        elif not mtbf_table.at[asset.asset_id, "censored"]:
            p = statistics.exponential_failure_probability(
                float(mtbf_table.at[asset.asset_id, "mtbf_hours"]), HORIZON_HOURS
            )
            source = "mtbf"
        else:
            # No failure in the window: the asset's own MTBF is only "> T". Use the pooled
            # rate of its class at the site (failures ÷ operating hours, the censored
            # exponential estimate), else the site's, else leave it unknown.
            rate = class_rates.get(asset.asset_class) or site_rate
            p = (
                None
                if not rate
                else statistics.exponential_failure_probability(1 / rate, HORIZON_HOURS)
            )
            source = "class rate" if class_rates.get(asset.asset_class) else "site rate"
        own = hours.get(asset.asset_id, np.nan)
        expected = own if pd.notna(own) else by_class.get(asset.asset_class, site_mean)
        rows.append(
            {
                "asset_id": int(asset.asset_id),
                "code": asset.code,
                "p_failure_12m": np.nan if p is None else p,
                "expected_downtime_hours": expected,
                "probability_source": source,
            }
        )
    return pd.DataFrame(rows)


def _pvar_hours(at_risk: pd.DataFrame) -> float | None:
    if not len(at_risk):
        return None
    hours = at_risk["p_failure_12m"] * at_risk["expected_downtime_hours"]
    return float(hours.fillna(0).sum())


def _production_sums(production: pd.DataFrame) -> dict:
    """The sums OEE is made of, so a portfolio OEE can be rolled up from site snapshots."""
    if not len(production):
        return {}
    return {
        "planned_minutes": float(production["planned_production_minutes"].sum()),
        "run_minutes": float(production["run_minutes"].sum()),
        "ideal_minutes": float(
            (production["ideal_cycle_time_seconds"] * production["total_count"]).sum() / 60
        ),
        "total_count": float(production["total_count"].sum()),
        "good_count": float(production["good_count"].sum()),
    }


def _mean(values) -> float | None:
    clean = known_numbers(values)
    return float(np.mean(clean)) if clean else None


def _sum(values) -> float:
    clean = known_numbers(values)
    return float(np.sum(clean)) if clean else 0.0


def _times(value, factor):
    return None if value is None else float(value) * float(factor)


def _iso(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.isoformat()


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def _plain(value):
    """JSON-ready: numpy scalars to Python, NaN/NaT to None, timestamps and dates to ISO."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return _plain(_records(value))
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return value

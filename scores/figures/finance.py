"""Financial figures: emergency premium, production value at risk, payback, capital priority.

Pure functions over pandas data (SPEC.md §3): DataFrames and numbers in, numbers, dicts and
DataFrames out; no Django import. Money is computed as float in the portfolio currency (the
caller stores Decimal and rounds for display only).

An empty frame (even one with no columns) means "no rows"; a non-empty frame lacking a
required column, or holding values that cannot be right (negative cost, probability above
1), raises :class:`ScoringError`. Where a figure is unknown the result is ``None``; in
DataFrame columns that can hold ``None`` the column has ``object`` dtype holding floats and
``None`` (so both ``value is None`` and ``pd.isna(value)`` work).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.frames import (
    ScoringError,
    as_number,
    as_numbers,
    require_columns,
    utc_column,
    utc_window,
)

__all__ = [
    "ScoringError",
    "capital_priority",
    "emergency_premium",
    "expected_downtime_hours",
    "financial_case",
    "payback_months",
    "production_value_at_risk",
]

MONTHS_PER_YEAR = 12
SECONDS_PER_HOUR = 3600.0
EMERGENCY = "emergency"
# Cumulative sums of money in float: a budget comparison tolerates a millionth of a unit.
BUDGET_TOLERANCE = 1e-6


def _nullable(values, what: str) -> pd.Series:
    """An object column of floats with None (not NaN) where the value is unknown."""
    return pd.Series([as_number(v, what) for v in values], dtype=object)


# --------------------------------------------------------------------------- emergency work


def emergency_premium(work_orders: pd.DataFrame, window_start, window_end, factor) -> dict:
    """Emergency repair premium: what emergency work cost above the same work done planned.

    SPEC.md §3 "Emergency repair premium". Unit: currency over the window.

    Input columns ``kind``, ``completed_at`` (UTC timestamps), ``parts_cost``,
    ``labour_cost`` (optional ``work_order_id``). Window: ``completed_at`` in
    ``[window_start, window_end)``; naive bounds and timestamps are read as UTC.

    Formula::

        cost    = Σ (parts_cost + labour_cost) of kind "emergency" orders in the window
        premium = cost × (1 − 1 ÷ factor)        (factor = standard's emergency_premium_factor)

    An empty cost is 0. Credit rows (negative amounts: credit notes, reversals) net against
    the cost; a window whose emergency work nets to a credit has cost below 0 and premium 0
    (a credit is not an emergency avoided). Edge cases: factor 1 → premium 0; no orders →
    cost, premium 0.0 and count 0; open orders (no completed_at) are not counted; factor < 1
    or window_end before window_start raise ScoringError.

    Returns ``cost``, ``premium``, ``count``, ``work_order_ids`` (only when the frame has a
    ``work_order_id`` column, by completion time), plus ``planned_cost`` (cost ÷ factor),
    ``factor``, ``window_start`` and ``window_end`` (UTC Timestamps).
    """
    factor = as_number(factor, "factor", required=True)
    if factor < 1:
        raise ScoringError(f"emergency premium factor must be at least 1, got {factor!r}")
    start, end = utc_window(window_start, window_end, empty_ok=True)
    frame = require_columns(
        work_orders, ("kind", "completed_at", "parts_cost", "labour_cost"), "work_orders"
    )
    completed = utc_column(frame["completed_at"], "work_orders.completed_at")
    costs = as_numbers(frame["parts_cost"], "work_orders.parts_cost").fillna(0.0) + as_numbers(
        frame["labour_cost"], "work_orders.labour_cost"
    ).fillna(0.0)
    kind = frame["kind"].astype(object).map(lambda v: str(v).strip().lower() if pd.notna(v) else "")
    mask = (kind == EMERGENCY) & completed.notna() & (completed >= start) & (completed < end)
    cost = math.fsum(costs[mask])  # exactly rounded: independent of row order
    result = {
        "cost": cost,
        "premium": max(cost, 0.0) * (1.0 - 1.0 / factor),
        "count": int(mask.sum()),
        "planned_cost": cost / factor,
        "factor": factor,
        "window_start": start,
        "window_end": end,
    }
    if "work_order_id" in frame.columns:
        order = completed[mask].sort_values(kind="mergesort").index
        result["work_order_ids"] = frame.loc[order, "work_order_id"].tolist()
    return result


# --------------------------------------------------------------------------- production at risk


def expected_downtime_hours(failures: pd.DataFrame) -> pd.Series:
    """Expected downtime per failure, per asset: the mean duration of its ended failures.

    SPEC.md §3 "Production value at risk (site)" (expected downtime hours per failure).
    Unit: hours per failure event. Window: whatever failures the caller passes.

    Input columns ``asset_id``, ``started_at``, ``ended_at`` (optional
    ``failure_event_id``). Each distinct failure event counts once: rows are de-duplicated
    on ``failure_event_id`` when present, else on ``(asset_id, started_at)`` (the event's
    natural key), so a frame joined to several work orders or penalties is not over-counted.

    Formula: hours = (ended_at − started_at) in hours; result = mean hours per asset.

    Edge cases: events still down (no ended_at) are left out; an asset with no ended event
    is absent from the result; an empty frame gives an empty Series; ended before started
    raises ScoringError.

    Returns a float Series indexed by asset_id, named ``expected_downtime_hours``.
    """
    frame = require_columns(failures, ("asset_id", "started_at", "ended_at"), "failures")
    frame["started_at"] = utc_column(frame["started_at"], "failures.started_at")
    frame["ended_at"] = utc_column(frame["ended_at"], "failures.ended_at")
    frame = frame[frame["started_at"].notna() & frame["ended_at"].notna()]
    key = (
        ["failure_event_id"] if "failure_event_id" in frame.columns else ["asset_id", "started_at"]
    )
    frame = frame.drop_duplicates(subset=key, keep="first")
    hours = (frame["ended_at"] - frame["started_at"]).dt.total_seconds() / SECONDS_PER_HOUR
    if (hours < 0).any():
        raise ScoringError("a failure event ends before it starts")
    result = hours.astype(float).groupby(frame["asset_id"]).mean()
    result.name = "expected_downtime_hours"
    result.index.name = "asset_id"
    return result.astype(float)


def production_value_at_risk(assets: pd.DataFrame, value_per_hour: float) -> dict:
    """Production value at risk: expected production value lost to failures in 12 months.

    SPEC.md §3 "Production value at risk (site)". Unit: currency per year. Window: the next
    12 months (the caller passes P(failure in the next 12 months), e.g. 1 − exp(−8760 ÷ MTBF),
    and the Tier 1 assets of the site).

    Input columns ``asset_id``, ``p_failure_12m`` (0–1), ``expected_downtime_hours``; other
    columns are kept in ``by_asset``.

    Formula: value = Σ over assets of p_failure_12m × expected_downtime_hours × value_per_hour.

    Edge cases: an asset with an empty probability or empty hours contributes 0 and is listed
    in ``missing``; empty frame → total 0.0. A probability outside [0, 1], negative hours,
    a negative or empty value_per_hour or a repeated asset_id raise ScoringError.

    Returns ``total`` (float), ``by_asset`` (DataFrame indexed by asset_id, input order, with
    ``p_failure_12m``, ``expected_downtime_hours`` and ``value``), ``missing`` (asset ids),
    plus ``value_per_hour``.
    """
    rate = as_number(value_per_hour, "value_per_hour", required=True)
    if rate < 0:
        raise ScoringError("value_per_hour must not be negative")
    frame = require_columns(
        assets, ("asset_id", "p_failure_12m", "expected_downtime_hours"), "assets"
    )
    if frame["asset_id"].duplicated().any():
        raise ScoringError("assets has a repeated asset_id")
    p = as_numbers(frame["p_failure_12m"], "assets.p_failure_12m")
    hours = as_numbers(frame["expected_downtime_hours"], "assets.expected_downtime_hours")
    if ((p < 0) | (p > 1)).any():
        raise ScoringError("p_failure_12m must be between 0 and 1")
    if (hours < 0).any():
        raise ScoringError("expected_downtime_hours must not be negative")
    missing_mask = p.isna() | hours.isna()
    frame["p_failure_12m"] = p
    frame["expected_downtime_hours"] = hours
    frame["value"] = (p * hours * rate).where(~missing_mask, 0.0).astype(float)
    by_asset = frame.set_index("asset_id")
    return {
        "total": float(by_asset["value"].sum()),
        "by_asset": by_asset,
        "missing": frame.loc[missing_mask, "asset_id"].tolist(),
        "value_per_hour": rate,
    }


# --------------------------------------------------------------------------- investment


def payback_months(investment, exposure, expected_reduction) -> float | None:
    """Payback of a monitoring investment in months.

    SPEC.md §3 "Payback of a monitoring investment". Unit: months.

    Formula: months = investment ÷ (exposure × expected_reduction ÷ 12), exposure being the
    annual (addressable) exposure in currency per year.
    Example from the sources: 95,000 ÷ (420,000 × 0.8 ÷ 12) = 95,000 ÷ 28,000 = 3.392857…

    Edge cases: returns None when the monthly saving (denominator) is 0 or negative, or when
    any input is None/NaN; investment 0 → 0.0. A negative investment raises ScoringError.
    Not rounded.
    """
    values = [
        as_number(v, name)
        for v, name in (
            (investment, "investment"),
            (exposure, "exposure"),
            (expected_reduction, "expected_reduction"),
        )
    ]
    if any(v is None for v in values):
        return None
    investment, exposure, reduction = values
    if investment < 0:
        raise ScoringError("investment must not be negative")
    monthly = exposure * reduction / MONTHS_PER_YEAR
    if monthly <= 0:
        return None
    return investment / monthly


def capital_priority(sites: pd.DataFrame, budget: float | None = None) -> pd.DataFrame:
    """Capital priority: sites ranked by annual exposure avoided per dollar invested.

    SPEC.md §3 "Capital priority". Units: investment and avoided in currency (avoided per
    year), avoided_per_dollar in currency per currency, payback in months.

    Input columns ``site_id``, ``investment`` (≥ 0), ``avoided`` (annual exposure avoided;
    empty → 0); other columns are kept.

    Formula and order::

        avoided_per_dollar = avoided ÷ investment
        payback_months     = investment ÷ (avoided ÷ 12)
        ranked by avoided_per_dollar descending, ties by site_id ascending; sites with
        investment 0 last (by site_id) with avoided_per_dollar None
        cumulative_investment, cumulative_avoided = running sums in rank order
        within_budget      = cumulative_investment ≤ budget (all True when budget is None)

    so "fund the top N with budget B" is the rows with ``within_budget``. The budget
    comparison tolerates 1e-6 of float rounding.

    Edge cases: empty frame → empty result with all columns; avoided ≤ 0 → payback None;
    a negative or empty investment, a negative budget or a repeated site_id raise
    ScoringError.

    Returns a DataFrame in rank order (fresh 0..n−1 index) with the input columns plus
    ``avoided_per_dollar`` and ``payback_months`` (object: float or None),
    ``cumulative_investment``, ``cumulative_avoided`` (float), ``rank`` (int from 1) and
    ``within_budget`` (bool).
    """
    limit = as_number(budget, "budget")
    if limit is not None and limit < 0:
        raise ScoringError("budget must not be negative")
    frame = require_columns(sites, ("site_id", "investment", "avoided"), "sites")
    if frame["site_id"].duplicated().any():
        raise ScoringError("sites has a repeated site_id")
    investment = as_numbers(frame["investment"], "sites.investment")
    if investment.isna().any() or (investment < 0).any():
        raise ScoringError("investment must be a non-negative number for every site")
    avoided = as_numbers(frame["avoided"], "sites.avoided").fillna(0.0)
    frame["investment"] = investment
    frame["avoided"] = avoided
    funded = investment > 0
    per_dollar = (avoided / investment.where(funded)).astype(float)
    frame["_unfunded"] = (~funded).astype(int)
    frame["_order"] = (-per_dollar).fillna(0.0)
    frame = frame.sort_values(["_unfunded", "_order", "site_id"], kind="mergesort")
    frame = frame.drop(columns=["_unfunded", "_order"]).reset_index(drop=True)

    investment, avoided = frame["investment"], frame["avoided"]
    funded = investment > 0
    frame["avoided_per_dollar"] = _nullable(
        (avoided / investment.where(funded)).tolist(), "avoided_per_dollar"
    )
    payback = (investment / (avoided / MONTHS_PER_YEAR)).where(avoided > 0)
    frame["payback_months"] = _nullable(payback.tolist(), "payback_months")
    frame["cumulative_investment"] = investment.cumsum().astype(float)
    frame["cumulative_avoided"] = avoided.cumsum().astype(float)
    frame["rank"] = np.arange(1, len(frame) + 1, dtype=int)
    if limit is None:
        frame["within_budget"] = True
    else:
        frame["within_budget"] = frame["cumulative_investment"] <= limit + BUDGET_TOLERANCE
    frame["within_budget"] = frame["within_budget"].astype(bool)
    return frame


def financial_case(
    downtime_hours_avoided,
    value_per_hour,
    emergency_premium_avoided,
    penalties_avoided,
    revenue_protected,
) -> dict:
    """The three-layer financial case of a reliability program.

    SPEC.md §3 "Three-layer financial case". Unit: currency over the caller's period
    (usually per year).

    Formula::

        layer1 = production value protected = downtime_hours_avoided × value_per_hour
        layer2 = emergency repair premium avoided
        layer3 = OEM penalties avoided + preferred-supplier revenue protected
        total  = layer1 + layer2 + layer3

    Edge cases: an input given as None (or NaN) counts as 0 and is named in ``missing``.

    Returns ``layer1``, ``layer2``, ``layer3``, ``total`` (floats), their components
    ``production_value_protected``, ``downtime_hours_avoided``, ``value_per_hour``,
    ``emergency_premium_avoided``, ``penalties_avoided``, ``revenue_protected``, ``missing``
    (input names that were empty) and ``layers``: a list of three dicts (``layer`` 1–3,
    ``label``, ``value``, ``components``) for tables and charts.
    """
    inputs = {
        "downtime_hours_avoided": downtime_hours_avoided,
        "value_per_hour": value_per_hour,
        "emergency_premium_avoided": emergency_premium_avoided,
        "penalties_avoided": penalties_avoided,
        "revenue_protected": revenue_protected,
    }
    values = {name: as_number(v, name) for name, v in inputs.items()}
    missing = [name for name, v in values.items() if v is None]
    v = {name: (0.0 if value is None else value) for name, value in values.items()}
    layer1 = v["downtime_hours_avoided"] * v["value_per_hour"]
    layer2 = v["emergency_premium_avoided"]
    layer3 = v["penalties_avoided"] + v["revenue_protected"]
    return {
        "layer1": layer1,
        "layer2": layer2,
        "layer3": layer3,
        "total": layer1 + layer2 + layer3,
        "production_value_protected": layer1,
        **v,
        "missing": missing,
        "layers": [
            {
                "layer": 1,
                "label": "Production value protected",
                "value": layer1,
                "components": {
                    "downtime_hours_avoided": v["downtime_hours_avoided"],
                    "value_per_hour": v["value_per_hour"],
                },
            },
            {
                "layer": 2,
                "label": "Emergency repair premium avoided",
                "value": layer2,
                "components": {"emergency_premium_avoided": layer2},
            },
            {
                "layer": 3,
                "label": "OEM penalties avoided and preferred-supplier revenue protected",
                "value": layer3,
                "components": {
                    "penalties_avoided": v["penalties_avoided"],
                    "revenue_protected": v["revenue_protected"],
                },
            },
        ],
    }

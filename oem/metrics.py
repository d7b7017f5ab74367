"""OEM figures: penalty exposure, scorecard projection, SDP probability, early warnings.

Pure functions over pandas data (SPEC.md §3): DataFrames and numbers in, numbers, dicts and
DataFrames out; no Django import. Money is computed as float in the portfolio currency (the
caller stores Decimal and rounds for display only).

Conventions used by every function here:

- ``as_of`` is a ``datetime.date`` (a ``datetime`` is cut to its date).
- "Trailing 12 months to as_of" is ``incurred_on`` in ``(as_of − 365 days, as_of]``: the
  lower bound ``window_start`` is exclusive, ``window_end`` (= as_of) inclusive, 365 days.
- Quarters are calendar quarters ``(year, quarter)`` with quarter 1–4.
- An empty frame (even one with no columns at all) means "no rows"; a non-empty frame that
  lacks a required column raises :class:`ScoringError`.
- Where a figure can be unknown the result is ``None``. In DataFrame columns that can hold
  ``None`` the column has ``object`` dtype holding floats and ``None`` (so both
  ``value is None`` and ``pd.isna(value)`` work).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from core.dates import (
    SDP_HORIZON_QUARTERS,
    TRAILING_YEAR_DAYS,
    complete_quarter_index,
    quarter_from_index,
    quarter_index,
    quarter_indexes,
    quarter_label,
    quarter_labels,
    quarter_of,
    quarters_back_start,
)
from core.frames import ScoringError, as_number, as_numbers, require_columns

__all__ = [
    "ScoringError",
    "addressable_exposure",
    "early_warnings",
    "penalty_events",
    "penalty_exposure",
    "quarterly_exposure",
    "projection_band",
    "revenue_at_risk",
    "revenue_at_risk_total",
    "scorecard_projection",
    "scorecards_known_on",
    "sdp_probability",
]

PENALTY_COLUMNS = ("penalty_id", "relationship_id", "incurred_on", "amount")
SCORE_COLUMNS = ("year", "quarter", "score")
RELATIONSHIP_COLUMNS = (
    "relationship_id",
    "customer",
    "annual_revenue",
    "sdp_threshold_score",
    "status",
)
SDP_STATUS = "sdp"


# --------------------------------------------------------------------------- helpers


def _as_date(value) -> date:
    """A date from a date, datetime, Timestamp or ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"not a date: {value!r}") from exc


def _day_timestamps(series: pd.Series, what: str) -> pd.Series:
    """Calendar days (naive midnight Timestamps) from dates, datetimes or strings."""
    try:
        stamps = pd.to_datetime(series)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what} must be dates") from exc
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    if stamps.isna().any():
        raise ScoringError(f"{what} has empty dates")
    return stamps.dt.normalize()


def _penalties(penalties: pd.DataFrame | None) -> pd.DataFrame:
    """Validated penalties: ``amount`` float, ``incurred`` Timestamp, sorted by date,
    relationship, amount and id."""
    frame = require_columns(penalties, PENALTY_COLUMNS, "penalties")
    frame["amount"] = as_numbers(frame["amount"], "penalties.amount")
    if frame["amount"].isna().any():
        raise ScoringError("penalties.amount has empty values")
    frame["incurred"] = _day_timestamps(frame["incurred_on"], "penalties.incurred_on")
    # Sorted on the data, not on arrival order, so re-sent rows give the same figures.
    return frame.sort_values(
        ["incurred", "relationship_id", "amount", "penalty_id"], kind="mergesort"
    )


def _exposure_period(penalties: pd.DataFrame, as_of, history_start) -> dict:
    """The trailing window, the penalties in it and the annualisation factor."""
    as_of = _as_date(as_of)
    window_start = as_of - timedelta(days=TRAILING_YEAR_DAYS)
    frame = _penalties(penalties)
    in_window = frame[
        (frame["incurred"] > pd.Timestamp(window_start))
        & (frame["incurred"] <= pd.Timestamp(as_of))
    ]
    first_day = window_start + timedelta(days=1)
    if history_start is not None:
        begins = _as_date(history_start)
        if len(in_window):
            # An invoice before the stated start proves the history is longer than stated;
            # never drop a real invoice, start the history at it instead.
            begins = min(begins, in_window["incurred"].iloc[0].date())
        first_day = max(first_day, begins)
    days = max((as_of - first_day).days + 1, 0)
    annualized = days < TRAILING_YEAR_DAYS
    if not annualized:
        factor = 1.0
    elif days:
        factor = TRAILING_YEAR_DAYS / days
    else:
        factor = None
    return {
        "as_of": as_of,
        "window_start": window_start,
        "first_day": first_day,
        "days_of_history": days,
        "annualized": annualized,
        "factor": factor,
        "in_window": in_window,
    }


# --------------------------------------------------------------------------- penalties


def penalty_exposure(penalties: pd.DataFrame, as_of, history_start=None) -> dict:
    """OEM penalty exposure: penalties in the trailing 12 months, annualised if history is shorter.

    SPEC.md §3 "OEM penalty exposure (site, OEM)". Unit: currency per year.

    Input columns: ``penalty_id``, ``relationship_id``, ``incurred_on`` (date), ``amount``.

    Window: ``incurred_on`` in ``(as_of − 365 days, as_of]`` (``window_start`` exclusive,
    ``window_end`` = as_of inclusive).

    Formula::

        total = Σ amount (in window) × factor
        factor = 1                              if the history covers the whole window
               = 365 ÷ days_of_history          otherwise (annualized = True)
        days_of_history = calendar days from first_day to as_of, both counted
        first_day = max(window_start + 1 day, history_start)

    ``history_start`` is the first day our penalty/scorecard history for the site covers
    (counted). If a penalty in the window is dated before it, the history starts at that
    penalty instead (an invoice is never dropped). ``history_start`` on or before
    ``window_start + 1 day`` (or None) means a full year: no annualisation.

    Edge cases: no penalties → total 0.0, events 0, empty ``by_relationship``. A history of
    0 days (``history_start`` after as_of, no penalties) → total None, annualized True.
    ``history_start == as_of`` is one day of history (factor 365). ``events`` is the raw
    count in the window, never annualised.

    Returns a dict: ``total`` (float | None), ``events`` (int), ``window_start``,
    ``window_end`` (dates), ``annualized`` (bool), ``days_of_history`` (int), ``by_relationship``
    (DataFrame indexed by relationship_id, columns ``exposure`` (float, annualised the same way)
    and ``events`` (int); its exposures sum exactly to ``total``), plus ``first_day`` (first
    date counted) and ``factor`` (the annualisation multiplier, None for 0 days).
    """
    period = _exposure_period(penalties, as_of, history_start)
    in_window = period["in_window"]
    factor = period["factor"]
    grouped = in_window.groupby("relationship_id", sort=True)["amount"]
    by_relationship = pd.DataFrame(
        {
            # fsum: exactly rounded, so the figure does not depend on row order.
            "exposure": grouped.agg(math.fsum) * (np.nan if factor is None else factor),
            "events": grouped.size(),
        }
    )
    by_relationship["exposure"] = by_relationship["exposure"].astype(float)
    by_relationship["events"] = by_relationship["events"].astype(int)
    by_relationship.index.name = "relationship_id"
    total = float(by_relationship["exposure"].sum()) if factor is not None else None
    return {
        "total": total,
        "events": len(in_window),
        "window_start": period["window_start"],
        "window_end": period["as_of"],
        "annualized": period["annualized"],
        "days_of_history": period["days_of_history"],
        "by_relationship": by_relationship,
        "first_day": period["first_day"],
        "factor": factor,
    }


def _detectable(series: pd.Series) -> pd.Series:
    """Booleans; None/NaN (penalty not linked to a failure event) → False."""
    return series.map(lambda value: False if pd.isna(value) else bool(value)).astype(bool)


def addressable_exposure(
    penalties: pd.DataFrame, as_of, expected_reduction, history_start=None
) -> dict:
    """Addressable and avoidable exposure: the part of exposure condition monitoring can catch.

    SPEC.md §3 "Addressable exposure". Unit: currency per year.

    Input: the columns of :func:`penalty_exposure` plus ``detectable`` (bool: the penalty is
    linked to a failure event whose failure mode is detectable by condition monitoring;
    None/NaN/False when not linked). Window and annualisation exactly as
    :func:`penalty_exposure` (the factor is set by all penalties, not only detectable ones).

    Formula::

        addressable = Σ amount of detectable penalties in window × factor
        avoidable   = addressable × expected_reduction     (standard, default 0.80)
        share       = addressable ÷ total exposure         (None when total is 0 or None)

    Edge cases: no penalties → addressable 0.0, avoidable 0.0, share None. A history of
    0 days → addressable, avoidable and share None. ``expected_reduction`` outside [0, 1]
    raises :class:`ScoringError`.

    Returns ``addressable``, ``avoidable``, ``share``, ``penalty_ids`` (ids of the detectable
    penalties in the window, by date, relationship, amount, id), plus ``total`` (the
    exposure), ``events`` (count of those detectable penalties), ``expected_reduction``,
    ``window_start``, ``window_end``, ``annualized``, ``days_of_history``.
    """
    reduction = as_number(expected_reduction, "expected_reduction")
    if reduction is None or not 0.0 <= reduction <= 1.0:
        raise ScoringError(
            f"expected_reduction must be between 0 and 1, got {expected_reduction!r}"
        )
    frame = require_columns(penalties, (*PENALTY_COLUMNS, "detectable"), "penalties")
    exposure = penalty_exposure(frame, as_of, history_start)
    period = _exposure_period(frame, as_of, history_start)
    in_window = period["in_window"]
    detectable = in_window[_detectable(in_window["detectable"])]
    factor = exposure["factor"]
    total = exposure["total"]
    if factor is None:
        addressable = avoidable = share = None
    else:
        addressable = math.fsum(detectable["amount"]) * factor
        avoidable = addressable * reduction
        share = addressable / total if total else None
    return {
        "addressable": addressable,
        "avoidable": avoidable,
        "share": share,
        "penalty_ids": detectable["penalty_id"].tolist(),
        "total": total,
        "events": len(detectable),
        "expected_reduction": reduction,
        "window_start": exposure["window_start"],
        "window_end": exposure["window_end"],
        "annualized": exposure["annualized"],
        "days_of_history": exposure["days_of_history"],
    }


def penalty_events(penalties: pd.DataFrame, as_of, quarters: int = 2) -> int:
    """Number of penalty events in the last ``quarters`` calendar quarters (maturity input).

    SPEC.md §3 "Maturity score" (OEM penalty frequency in the last 2 quarters) and §4
    ("OEM penalty events, last 2 quarters: 0 target, ≤ 2 tolerated"). Unit: events.

    Window: from the first day of the quarter ``quarters − 1`` before as_of's quarter up to
    and including as_of. The current quarter counts as far as as_of; penalties dated after
    as_of are not counted. Example: as_of 2026-05-10, quarters=2 → 2026-01-01 … 2026-05-10
    (Q1 complete and Q2 to date); quarters=1 → 2026-04-01 … 2026-05-10.

    Each penalty row is one event. Empty frame → 0. ``quarters`` < 1 raises ScoringError.
    """
    if int(quarters) < 1:
        raise ScoringError(f"quarters must be at least 1, got {quarters!r}")
    as_of = _as_date(as_of)
    start = quarters_back_start(as_of, int(quarters))
    frame = _penalties(penalties)
    mask = (frame["incurred"] >= pd.Timestamp(start)) & (frame["incurred"] <= pd.Timestamp(as_of))
    return int(mask.sum())


def quarterly_exposure(
    penalties: pd.DataFrame, as_of, quarters: int = 4, complete_only: bool = True
) -> pd.Series:
    """Penalty amounts per calendar quarter, the input of :func:`early_warnings` (b).

    Unit: currency per quarter (not annualised). Index: labels ``"YYYYQn"`` oldest first,
    ``quarters`` of them, every quarter present (0.0 when it had no penalties).

    Window: with ``complete_only`` (default) the last quarter is the last complete one on or
    before as_of (as_of's own quarter when as_of is its last day), so a partial quarter is
    never compared with a whole one. Without it the last quarter is as_of's quarter, counted
    up to as_of. Penalties after as_of are never counted. Empty frame → all 0.0.
    """
    if int(quarters) < 1:
        raise ScoringError(f"quarters must be at least 1, got {quarters!r}")
    as_of = _as_date(as_of)
    last = complete_quarter_index(as_of) if complete_only else quarter_index(*quarter_of(as_of))
    first = last - int(quarters) + 1
    frame = _penalties(penalties)
    frame = frame[frame["incurred"] <= pd.Timestamp(as_of)]
    incurred = frame["incurred"].dt
    sums = frame.groupby(quarter_indexes(incurred.year, incurred.quarter))["amount"].agg(math.fsum)
    series = pd.Series(
        [float(sums.get(i, 0.0)) for i in range(first, last + 1)],
        index=quarter_labels(first, last),
        name="exposure",
        dtype=float,
    )
    series.index.name = "quarter"
    return series


# --------------------------------------------------------------------------- scorecards


def scorecard_projection(
    scores: pd.DataFrame,
    horizon_quarters: int = SDP_HORIZON_QUARTERS,
    min_points: int = 4,
    max_points: int = 8,
    sigma_floor: float = 2.0,
) -> dict | None:
    """Least-squares trend of an OEM scorecard, projected ``horizon_quarters`` ahead.

    SPEC.md §3 "Preferred-supplier revenue at risk" (scorecard trend). Unit: score points
    (0–100); slope in points per quarter.

    Input columns ``year``, ``quarter`` (1–4), ``score``; rows with an empty score are
    ignored; two rows for the same quarter raise ScoringError.

    Window: the last ``max_points`` scored quarters (rows, oldest first).

    Formula: x = calendar quarters since the first point used (a missing quarter leaves a
    gap in x, it does not compress time), y = score::

        slope     = Σ(x − x̄)(y − ȳ) ÷ Σ(x − x̄)²,   intercept = ȳ − slope × x̄   (at x = 0)
        projected = intercept + slope × (x_last + horizon_quarters)
        sigma     = max(√(Σ residual² ÷ (n − 2)), sigma_floor)   for n ≥ 3
                  = sigma_floor                                  for n ≤ 2 (undefined)

    Edge cases: no points → None. One point → flat projection (slope 0, intercept and
    projected = that score), sigma = floor. Fewer than ``min_points`` points → still fitted,
    ``low_confidence`` True. The projection is not clipped to 0–100.

    Returns ``slope_per_quarter``, ``intercept``, ``projected``, ``sigma``, ``points`` (n),
    ``low_confidence``, ``last_score``, ``fitted`` (list of ``(year, quarter, score, fitted
    value)`` oldest first), plus ``residual_std`` (unfloored; None for n ≤ 2),
    ``horizon_quarters``, ``last_year``/``last_quarter`` and ``projected_year``/
    ``projected_quarter`` (the quarter the projection is for).
    """
    if int(max_points) < 1 or int(min_points) < 1:
        raise ScoringError("min_points and max_points must be at least 1")
    if int(horizon_quarters) < 0:
        raise ScoringError(f"horizon_quarters must not be negative, got {horizon_quarters!r}")
    floor = as_number(sigma_floor, "sigma_floor")
    if floor is None or floor < 0:
        raise ScoringError(f"sigma_floor must be a non-negative number, got {sigma_floor!r}")
    frame = require_columns(scores, SCORE_COLUMNS, "scores")
    frame["score"] = as_numbers(frame["score"], "scores.score")
    frame = frame.dropna(subset=["year", "quarter", "score"])
    if frame.empty:
        return None
    frame["year"] = as_numbers(frame["year"], "scores.year").astype(int)
    frame["quarter"] = as_numbers(frame["quarter"], "scores.quarter").astype(int)
    if not frame["quarter"].between(1, 4).all():
        raise ScoringError("scores.quarter must be 1–4")
    frame["qindex"] = quarter_indexes(frame["year"], frame["quarter"])
    if frame["qindex"].duplicated().any():
        raise ScoringError("scores has two rows for the same quarter")
    frame = frame.sort_values("qindex").tail(int(max_points))

    qindex = frame["qindex"].to_numpy(dtype=int)
    y = frame["score"].to_numpy(dtype=float)
    x = (qindex - qindex[0]).astype(float)
    n = len(y)
    if n == 1:
        slope, intercept = 0.0, float(y[0])
    else:
        x_mean, y_mean = x.mean(), y.mean()
        slope = float(((x - x_mean) * (y - y_mean)).sum() / ((x - x_mean) ** 2).sum())
        intercept = float(y_mean - slope * x_mean)
    fitted = intercept + slope * x
    residual_std = float(math.sqrt(((y - fitted) ** 2).sum() / (n - 2))) if n >= 3 else None
    sigma = max(residual_std or 0.0, floor)
    horizon = int(horizon_quarters)
    target = int(qindex[-1]) + horizon
    projected_year, projected_quarter = quarter_from_index(target)
    return {
        "slope_per_quarter": slope,
        "intercept": intercept,
        "projected": float(intercept + slope * (x[-1] + horizon)),
        "sigma": float(sigma),
        "points": n,
        "low_confidence": n < int(min_points),
        "last_score": float(y[-1]),
        "fitted": [
            (int(yr), int(q), float(s), float(f))
            for yr, q, s, f in zip(frame["year"], frame["quarter"], y, fitted, strict=True)
        ],
        "residual_std": residual_std,
        "horizon_quarters": horizon,
        "last_year": int(frame["year"].iloc[-1]),
        "last_quarter": int(frame["quarter"].iloc[-1]),
        "projected_year": projected_year,
        "projected_quarter": projected_quarter,
    }


def sdp_probability(projected, threshold, sigma) -> float:
    """Probability that the scorecard falls below the SDP threshold.

    SPEC.md §3 "Preferred-supplier revenue at risk". Unit: probability in [0, 1].

    Formula: P = Φ((threshold − projected) ÷ σ), the normal CDF computed as
    Φ(z) = ½ · erfc(−z ÷ √2) (score ~ Normal(projected, σ)).

    Edge cases: σ = 0 → 1.0 when projected < threshold, else 0.0. σ < 0 or any NaN/None
    input raises ScoringError.
    """
    values = [
        as_number(value, name)
        for value, name in ((projected, "projected"), (threshold, "threshold"), (sigma, "sigma"))
    ]
    if any(v is None for v in values):
        raise ScoringError("projected, threshold and sigma must be numbers")
    projected, threshold, sigma = values
    if sigma < 0:
        raise ScoringError(f"sigma must not be negative, got {sigma!r}")
    if sigma == 0:
        return 1.0 if projected < threshold else 0.0
    z = (threshold - projected) / sigma
    return min(1.0, max(0.0, 0.5 * math.erfc(-z / math.sqrt(2.0))))


def revenue_at_risk(
    relationships: pd.DataFrame,
    scorecards: pd.DataFrame,
    horizon_quarters: int = SDP_HORIZON_QUARTERS,
    sigma_floor: float = 2.0,
) -> pd.DataFrame:
    """Preferred-supplier revenue at risk per OEM relationship.

    SPEC.md §3 "Preferred-supplier revenue at risk". Unit: currency (annual revenue ×
    probability); window: the scorecard trend of :func:`scorecard_projection` (last 4–8
    quarters) projected ``horizon_quarters`` past each relationship's last scorecard.

    Inputs: relationships ``relationship_id``, ``customer``, ``annual_revenue``,
    ``sdp_threshold_score`` (NaN allowed), ``status``; scorecards ``relationship_id``,
    ``year``, ``quarter``, ``score``.

    Formula::

        probability     = 1                                         if status is "sdp"
                        = Φ((threshold − projected) ÷ σ)            otherwise
        revenue_at_risk = annual_revenue × probability

    Edge cases: a relationship with no threshold or no scorecards has probability None and
    revenue_at_risk 0.0 (status "sdp" still gives 1). Empty annual revenue → revenue_at_risk
    0.0. One scorecard quarter → flat projection with σ = floor. Scorecards of unknown
    relationships are ignored; a repeated relationship_id raises ScoringError.

    Returns a DataFrame indexed by relationship_id (input order) with columns ``customer``,
    ``annual_revenue``, ``probability``, ``revenue_at_risk`` (float, never None),
    ``projected``, ``slope_per_quarter``, ``sigma``, ``points`` (int, 0 without scorecards),
    plus ``status``, ``sdp_threshold_score``, ``last_score`` and ``low_confidence``.
    ``probability``, ``projected``, ``slope_per_quarter``, ``sigma``, ``last_score`` and
    ``sdp_threshold_score`` are object columns holding float or None.
    """
    rels = require_columns(relationships, RELATIONSHIP_COLUMNS, "relationships")
    cards = require_columns(scorecards, ("relationship_id", *SCORE_COLUMNS), "scorecards")
    if rels["relationship_id"].duplicated().any():
        raise ScoringError("relationships has a repeated relationship_id")
    by_relationship = {key: group for key, group in cards.groupby("relationship_id", sort=False)}
    empty = cards.iloc[0:0]
    rows = []
    for rel in rels.to_dict("records"):
        projection = scorecard_projection(
            by_relationship.get(rel["relationship_id"], empty),
            horizon_quarters=horizon_quarters,
            sigma_floor=sigma_floor,
        )
        threshold = as_number(rel["sdp_threshold_score"], "relationships.sdp_threshold_score")
        revenue = as_number(rel["annual_revenue"], "relationships.annual_revenue")
        if str(rel["status"]).strip().lower() == SDP_STATUS:
            probability = 1.0
        elif threshold is None or projection is None:
            probability = None
        else:
            probability = sdp_probability(projection["projected"], threshold, projection["sigma"])
        at_risk = revenue * probability if revenue is not None and probability is not None else 0.0
        rows.append(
            {
                "relationship_id": rel["relationship_id"],
                "customer": rel["customer"],
                "annual_revenue": revenue,
                "probability": probability,
                "revenue_at_risk": float(at_risk),
                "projected": projection and projection["projected"],
                "slope_per_quarter": projection and projection["slope_per_quarter"],
                "sigma": projection and projection["sigma"],
                "points": projection["points"] if projection else 0,
                "status": rel["status"],
                "sdp_threshold_score": threshold,
                "last_score": projection and projection["last_score"],
                "low_confidence": projection["low_confidence"] if projection else True,
            }
        )
    # dtype per column; object columns hold float or None ("unknown").
    dtypes = {
        "customer": object,
        "annual_revenue": float,
        "probability": object,
        "revenue_at_risk": float,
        "projected": object,
        "slope_per_quarter": object,
        "sigma": object,
        "points": int,
        "status": object,
        "sdp_threshold_score": object,
        "last_score": object,
        "low_confidence": bool,
    }
    data = {
        column: pd.Series([row[column] for row in rows], dtype=dtype)
        for column, dtype in dtypes.items()
    }
    result = pd.DataFrame(data)
    result.index = pd.Index([row["relationship_id"] for row in rows], name="relationship_id")
    return result


def early_warnings(
    relationships: pd.DataFrame,
    scorecards: pd.DataFrame,
    exposure_by_quarter: pd.Series | None = None,
    within_quarters: int = 2,
    sigma_floor: float = 2.0,
) -> list[dict]:
    """Early warnings: scorecards heading below the SDP threshold, exposure rising.

    SPEC.md §3 "Early warning". Inputs as :func:`revenue_at_risk`.

    (a) ``kind`` "sdp_crossing": for each relationship not already in status "sdp", with a
    threshold and scorecards, whose last score is at or above the threshold, the first
    h in 1..``within_quarters`` for which the :func:`scorecard_projection` (horizon h past
    the last scorecard) is strictly below the threshold. Keys ``relationship_id``,
    ``customer``, ``quarters_until`` (h), ``projected`` (score at h), plus ``threshold``,
    ``last_score``, ``slope_per_quarter``, ``low_confidence``, ``projected_year``,
    ``projected_quarter``. A single scorecard (flat projection) never warns.

    (b) ``kind`` "exposure_rising": when ``exposure_by_quarter`` (index: quarter labels in
    time order, values: money, e.g. from :func:`quarterly_exposure`) has its last value
    strictly greater than the one before. Keys ``previous``, ``latest``, ``rise`` (latest −
    previous, currency), plus ``rise_pct`` (rise ÷ previous, None when previous is 0),
    ``quarter`` and ``previous_quarter`` (the labels). Fewer than two values, or either of
    the last two empty, → no warning.

    Returns the crossings ordered by quarters_until then input order, then the exposure
    warning. ``within_quarters`` < 1 gives no crossing warnings.
    """
    warnings: list[dict] = []
    rels = require_columns(relationships, RELATIONSHIP_COLUMNS, "relationships")
    cards = require_columns(scorecards, ("relationship_id", *SCORE_COLUMNS), "scorecards")
    by_relationship = {key: group for key, group in cards.groupby("relationship_id", sort=False)}
    for rel in rels.to_dict("records"):
        if str(rel["status"]).strip().lower() == SDP_STATUS:
            continue
        threshold = as_number(rel["sdp_threshold_score"], "relationships.sdp_threshold_score")
        group = by_relationship.get(rel["relationship_id"])
        if threshold is None or group is None:
            continue
        for horizon in range(1, int(within_quarters) + 1):
            projection = scorecard_projection(
                group, horizon_quarters=horizon, sigma_floor=sigma_floor
            )
            if projection is None or projection["last_score"] < threshold:
                break
            if projection["projected"] < threshold:
                warnings.append(
                    {
                        "kind": "sdp_crossing",
                        "relationship_id": rel["relationship_id"],
                        "customer": rel["customer"],
                        "quarters_until": horizon,
                        "projected": projection["projected"],
                        "threshold": threshold,
                        "last_score": projection["last_score"],
                        "slope_per_quarter": projection["slope_per_quarter"],
                        "low_confidence": projection["low_confidence"],
                        "projected_year": projection["projected_year"],
                        "projected_quarter": projection["projected_quarter"],
                    }
                )
                break
    warnings.sort(key=lambda warning: warning["quarters_until"])  # stable: input order kept

    if exposure_by_quarter is not None and len(exposure_by_quarter) >= 2:
        values = as_numbers(pd.Series(exposure_by_quarter), "exposure_by_quarter")
        previous, latest = values.iloc[-2], values.iloc[-1]
        if not (math.isnan(previous) or math.isnan(latest)) and latest > previous:
            rise = float(latest - previous)
            warnings.append(
                {
                    "kind": "exposure_rising",
                    "previous": float(previous),
                    "latest": float(latest),
                    "rise": rise,
                    "rise_pct": rise / float(previous) if previous else None,
                    "quarter": exposure_by_quarter.index[-1],
                    "previous_quarter": exposure_by_quarter.index[-2],
                }
            )
    return warnings


# --------------------------------------------------------------------------- page helpers


def scorecards_known_on(scores: pd.DataFrame, as_of) -> pd.DataFrame:
    """The scorecards a recompute as of ``as_of`` uses: those of complete quarters only.

    A quarter's scorecard is known once the quarter is over, so the last quarter counted is
    the one before as_of's, or as_of's own quarter when as_of is its last day (the rule
    ``scores.selectors.site_scoring_inputs`` applies through this function, and
    :func:`quarterly_exposure`'s).
    Example: as_of 2026-11-01 → up to 2026Q3; as_of 2026-09-30 → up to 2026Q3.

    Input columns ``year`` and ``quarter`` (others are kept). Returns the rows kept, in
    input order, index reset. Empty frame → empty frame.
    """
    frame = require_columns(scores, ("year", "quarter"), "scores")
    if frame.empty:
        return frame.reset_index(drop=True)
    last = complete_quarter_index(_as_date(as_of))
    index = quarter_indexes(
        as_numbers(frame["year"], "scores.year"), as_numbers(frame["quarter"], "scores.quarter")
    )
    return frame[index <= last].reset_index(drop=True)


def projection_band(projection: dict | None, z: float = 1.0) -> list[dict]:
    """The projected path of a :func:`scorecard_projection`, quarter by quarter, with a band.

    Unit: score points (0–100). Window: from the last scored quarter (h = 0) to the
    projection's quarter (h = ``horizon_quarters``), one row per calendar quarter.

    Formula, with x_last = calendar quarters from the first fitted point to the last::

        centre(h) = intercept + slope × (x_last + h)         (h = 0 … horizon)
        low(h)    = centre(h) − z × σ,   high(h) = centre(h) + z × σ

    σ is the projection's ``sigma`` — the one :func:`sdp_probability` uses — so the band is
    the spread of the normal model behind the probability: z = 1 (default) covers about
    68 % of outcomes, z = 1.645 about 90 %. centre(horizon) equals ``projected``; the
    threshold lies below the band's low edge exactly when P < Φ(−z).

    Returns dicts ``h``, ``year``, ``quarter``, ``label`` ("2027Q3"), ``centre``, ``low``,
    ``high`` (floats). None projection → []. z < 0 raises ScoringError.
    """
    if projection is None:
        return []
    spread = as_number(z, "z")
    if spread is None or spread < 0:
        raise ScoringError(f"z must be a non-negative number, got {z!r}")
    first_year, first_quarter = projection["fitted"][0][:2]
    last = quarter_index(projection["last_year"], projection["last_quarter"])
    x_last = last - quarter_index(first_year, first_quarter)
    half_width = spread * float(projection["sigma"])
    rows = []
    for h in range(int(projection["horizon_quarters"]) + 1):
        centre = projection["intercept"] + projection["slope_per_quarter"] * (x_last + h)
        year, quarter = quarter_from_index(last + h)
        rows.append(
            {
                "h": h,
                "year": year,
                "quarter": quarter,
                "label": quarter_label(year, quarter),
                "centre": float(centre),
                "low": float(centre - half_width),
                "high": float(centre + half_width),
            }
        )
    return rows


def revenue_at_risk_total(values) -> dict:
    """Revenue at risk summed over several relationships (e.g. one OEM across sites).

    Unit: currency (Σ annual revenue × probability, each as :func:`revenue_at_risk`).

    Formula: total = Σ known values (exactly rounded sum); a None/NaN value (relationship
    not yet scored) is left out and counted in ``unknown``, never read as 0.

    Returns ``total`` (float, or None when no value is known), ``known`` and ``unknown``
    (counts). Empty input → total None, 0 and 0.
    """
    numbers = [as_number(value, "revenue at risk") for value in values]
    known = [number for number in numbers if number is not None]
    return {
        "total": math.fsum(known) if known else None,
        "known": len(known),
        "unknown": len(numbers) - len(known),
    }

"""Life-data and reliability-growth statistics in plain numpy (no scipy; SPEC §3).

Weibull maximum likelihood with right-censoring, exponential and Weibull failure
probabilities over a horizon, Crow-AMSAA (NHPP power law) growth, and the quarterly MTBF
trend of the maturity score. Pure functions: pandas/numpy in, numbers, dicts and
DataFrames out; no Django import. Timestamps are UTC, windows half-open
``[window_start, window_end)`` as in :mod:`reliability.metrics`; bad input raises
``core.frames.ScoringError`` (a ``ValueError``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.dates import MTBF_TREND_QUARTERS, quarter_label, quarter_of, quarter_start
from core.frames import ScoringError, require_columns, utc_instant, utc_window
from reliability import metrics

#: Fewest observed failures for which a Weibull fit is attempted (SPEC §3: "≥ 5 failures").
MIN_WEIBULL_FAILURES = 5
#: Dead band of the MTBF trend direction, percent of mean MTBF per quarter.
TREND_DEAD_BAND_PCT = 5.0

_HOUR = pd.Timedelta(hours=1)


# --------------------------------------------------------------------------------------
# Weibull
# --------------------------------------------------------------------------------------


def weibull_fit(durations, observed) -> dict | None:
    """Two-parameter Weibull maximum-likelihood fit with right-censoring.

    ``durations``: times to failure or to censoring, hours (> 0). ``observed``: booleans of
    the same length, True = the item failed at that time, False = right-censored (still
    running when observation stopped). Durations that are not finite or not > 0 are
    dropped (count in the extra key ``dropped``).

    With r observed failures among n times tᵢ (δᵢ = 1 for a failure), the log-likelihood
    is ℓ(β, η) = Σ δᵢ [ln β − β ln η + (β − 1) ln tᵢ] − Σ (tᵢ/η)^β. Setting ∂ℓ/∂η = 0 gives
    η^β = Σ tᵢ^β ÷ r, and substituting gives the profile equation for the shape β:

        g(β) = Σ tᵢ^β ln tᵢ ÷ Σ tᵢ^β − 1/β − (1/r) Σ δᵢ ln tᵢ = 0

    g is strictly increasing (g' = weighted variance of ln t + 1/β² > 0), so its root is
    unique; it is found by bisection on ln β (times are rescaled by the largest one first
    so tᵢ^β cannot overflow). Then η = (Σ tᵢ^β ÷ r)^(1/β), in hours.

    Returns {"beta", "eta" (hours), "failures" (r), "censored" (n − r), "dropped"}, or None
    when fewer than 5 failures are observed, or when the MLE does not exist (all failure
    times equal and no longer time: β → ∞).
    """
    times = np.asarray(durations, dtype=float).ravel()
    failed = np.asarray(observed, dtype=bool).ravel()
    if times.shape != failed.shape:
        raise ScoringError("durations and observed must have the same length")
    keep = np.isfinite(times) & (times > 0)
    dropped = int((~keep).sum())
    times, failed = times[keep], failed[keep]
    r = int(failed.sum())
    if r < MIN_WEIBULL_FAILURES:
        return None
    logs = np.log(times)
    top = logs.max()
    scaled = logs - top  # ln(t / t_max) <= 0
    mean_failed_log = scaled[failed].mean()

    def profile(beta: float) -> float:
        weights = np.exp(beta * scaled)
        return float((weights * scaled).sum() / weights.sum() - 1.0 / beta - mean_failed_log)

    low, high = 1e-3, 1e3
    if profile(high) <= 0:
        return None  # g stays negative: the likelihood keeps rising with β
    while profile(low) > 0 and low > 1e-12:
        low /= 10.0
    log_low, log_high = math.log(low), math.log(high)
    for _ in range(200):
        middle = 0.5 * (log_low + log_high)
        if profile(math.exp(middle)) > 0:
            log_high = middle
        else:
            log_low = middle
        if log_high - log_low < 1e-13:
            break
    beta = math.exp(0.5 * (log_low + log_high))
    eta = math.exp(top) * (np.exp(beta * scaled).sum() / r) ** (1.0 / beta)
    return {
        "beta": beta,
        "eta": float(eta),
        "failures": r,
        "censored": int(len(times) - r),
        "dropped": dropped,
    }


def _positive(value) -> bool:
    return value is not None and not pd.isna(value) and float(value) > 0


def weibull_failure_probability(beta, eta, horizon_hours: float = 8760) -> float | None:
    """P(failure within the horizon) under Weibull(β, η): 1 − exp(−(h/η)^β), a fraction.

    ``eta`` and ``horizon_hours`` in hours (default one year, 8760 h). None when β or η is
    missing or not > 0; 0.0 for a horizon of 0.
    """
    if not (_positive(beta) and _positive(eta)):
        return None
    return float(-math.expm1(-((float(horizon_hours) / float(eta)) ** float(beta))))


def exponential_failure_probability(mtbf_hours, horizon_hours: float = 8760) -> float | None:
    """P(failure within the horizon) at a constant failure rate: 1 − exp(−h ÷ MTBF).

    ``mtbf_hours`` and ``horizon_hours`` in hours (default 8760 h = one year). None when the
    MTBF is None, NaN or ≤ 0. With a censored MTBF (its lower bound) the result is an upper
    bound of the probability.
    """
    if not _positive(mtbf_hours):
        return None
    return float(-math.expm1(-float(horizon_hours) / float(mtbf_hours)))


def _cumulative_downtime(points: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """Downtime hours in [0, p) for each point p, given disjoint intervals (hours)."""
    if not len(starts):
        return np.zeros(len(points))
    spans = np.clip(points[:, None] - starts[None, :], 0.0, (ends - starts)[None, :])
    return spans.sum(axis=1)


def time_between_failures(
    failures: pd.DataFrame, window_start, window_end, asset_ids=None, installed=None
) -> pd.DataFrame:
    """Operating times between failures, per asset, as Weibull input.

    ``failures`` columns asset_id, started_at, ended_at (UTC). Per asset, with s₁ < … < s_k
    its DISTINCT failure starts inside ``[window_start, window_end)``:

    * one observed row per consecutive pair: hours = operating time in [sᵢ, sᵢ₊₁), i.e.
      calendar hours minus the asset's merged downtime in that span (so the repair after
      sᵢ is not counted as running time), observed=True;
    * one censored row: operating hours in [s_k, window_end), or in the whole window (from
      its installation when ``installed`` gives a later date, see
      ``metrics.installation_starts``) when the asset has no failure in it,
      observed=False (survived to the end of observation).

    The span from window_start to s₁ is left out: the age at window_start is unknown
    (left-truncated), so it is neither a full time between failures nor a survival time.
    Downtime follows ``metrics.downtime_hours`` (open failures down until window_end, a
    failure with no end and not open adds no downtime). A
    failure starting while the asset is still down from an earlier one gives a 0-hour row,
    which ``weibull_fit`` drops.

    Assets: those in ``failures``, plus the optional ``asset_ids`` (an asset without any
    failure gives one censored row of the window's operating hours). Returns columns
    asset_id, hours (float), observed (bool), ordered by asset then time.
    """
    start, end = utc_window(window_start, window_end)
    frame = require_columns(failures, ("asset_id", "started_at", "ended_at"), "failures")
    known = frame["asset_id"].dropna().tolist()
    assets = metrics._asset_index([*known, *(list(asset_ids) if asset_ids is not None else [])])
    window_hours = (end - start) / _HOUR
    events = metrics.failure_events(frame, start, end)
    down = metrics.merged_downtime(frame, start, end)
    first = metrics.installation_starts(installed, assets, start, end)
    event_hours = {
        asset: ((group["started_at"] - start) / _HOUR).to_numpy(dtype=float)
        for asset, group in events.groupby("asset_id", sort=False)
    }
    down_hours = {
        asset: (
            ((group["start"] - start) / _HOUR).to_numpy(dtype=float),
            ((group["end"] - start) / _HOUR).to_numpy(dtype=float),
        )
        for asset, group in down.groupby("asset_id", sort=False)
    }
    empty = np.zeros(0)
    ids, hours, observed = [], [], []
    for asset in assets:
        starts = event_hours.get(asset, empty)
        origin = (first[asset] - start) / _HOUR
        points = np.concatenate([starts if len(starts) else [origin], [window_hours]])
        lows, highs = down_hours.get(asset, (empty, empty))
        operating = points - _cumulative_downtime(points, lows, highs)
        gaps = np.clip(np.diff(operating), 0.0, None)
        ids.extend([asset] * len(gaps))
        hours.extend(gaps.tolist())
        observed.extend([True] * (len(gaps) - 1) + [False])
    return pd.DataFrame(
        {
            "asset_id": pd.Series(ids, dtype=object),
            "hours": pd.Series(hours, dtype=float),
            "observed": pd.Series(observed, dtype=bool),
        }
    )


# --------------------------------------------------------------------------------------
# reliability growth and trend
# --------------------------------------------------------------------------------------


def crow_amsaa(failure_times_hours, total_hours) -> dict | None:
    """Crow-AMSAA (power-law NHPP) fit, time-truncated MLE (MIL-HDBK-189).

    ``failure_times_hours``: cumulative times of the n failures measured from the start of
    observation, 0 < tᵢ ≤ T; ``total_hours`` = T, the end of observation. Expected
    cumulative failures N(t) = λ t^β, with

        β = n ÷ Σ ln(T ÷ tᵢ),   λ = n ÷ T^β.

    β < 1: failures arrive ever more slowly (reliability growth, improving); β = 1: constant
    rate; β > 1: deteriorating. λ is in failures per hour^β. Returns {"beta", "lam",
    "failures"} or None when n < 2, or when every tᵢ = T (β undefined). Raises
    ScoringError for a time outside (0, T] or T ≤ 0.
    """
    times = np.asarray(failure_times_hours, dtype=float).ravel()
    total = float(total_hours)
    if not total > 0:
        raise ScoringError("total_hours must be > 0")
    if np.any(~np.isfinite(times) | (times <= 0) | (times > total)):
        raise ScoringError("failure times must lie in (0, total_hours]")
    n = len(times)
    if n < 2:
        return None
    log_sum = float(np.log(total / times).sum())
    if log_sum <= 0:
        return None
    beta = n / log_sum
    return {"beta": beta, "lam": n / total**beta, "failures": n}


def _slope(values: np.ndarray, x: np.ndarray) -> float | None:
    """Least-squares slope of ``values`` against ``x``; None with fewer than 2 points."""
    if len(values) < 2:
        return None
    dx = x - x.mean()
    return float((dx * (values - values.mean())).sum() / (dx * dx).sum())


def mtbf_trend(
    failures: pd.DataFrame,
    asset_ids,
    as_of,
    quarters: int = MTBF_TREND_QUARTERS,
    installed=None,
) -> pd.DataFrame:
    """MTBF trend per asset over the last ``quarters`` complete calendar quarters (UTC).

    The quarters are consecutive, the last one being the last calendar quarter that ended at
    or before ``as_of`` (as_of on 2026-08-15 → … Q2 2026; on 2026-10-01 00:00 → … Q3 2026).
    For each quarter MTBF comes from ``metrics.mtbf`` over that quarter, with the
    optional ``installed`` dates (a quarter before installation is censored at 0 h, one
    cut by it counts from it). Per asset:

    * quarters: list of the quarters' mtbf_hours, oldest first (hours); a quarter without
      failure contributes its censored LOWER BOUND (its operating hours), so a run of
      failure-free quarters pulls the slope up, as it should, but by an understated amount;
    * censored_quarters: how many of them are such lower bounds;
    * slope_hours_per_quarter: least-squares slope of those values against quarter number
      0, 1, …, hours per quarter, over the quarters the asset ran from their start (a
      quarter before or cut by its installation is no, or only part of a, run time, so it
      neither pulls the slope up nor down); NaN with fewer than 2 such quarters;
    * pct_per_quarter: slope ÷ mean of those values × 100 (None if that mean is 0 or there
      is no slope);
    * quarter_censored: per quarter, whether its value is such a lower bound (the
      quarter's ``mtbf`` ``censored`` flag), oldest first;
    * quarter_installed: per quarter, False when the quarter ended at or before the asset's
      installation (its 0 h is "not installed yet", not a run time), oldest first;
    * crow_amsaa_beta: ``crow_amsaa`` over the whole span from the asset's operating start
      (the span start, or its installation when later), failure times in calendar hours
      from there (distinct events; a failure before installation is outside the span, one
      exactly at the start cannot enter the power law and is left out of this fit only);
      None with fewer than 2 failures;
    * direction: "improving" when pct_per_quarter > +5, "deteriorating" when < −5, else
      "flat" (also when pct_per_quarter is None). Quarters last 90 to 92 days, so even a
      failure-free asset shows a small slope (under 1 %/quarter), well inside the dead band.

    Extra columns: quarter_labels (e.g. ["2025Q3", …]) and failures (distinct failures in
    the span, from installation: the sum of the quarters' ``mtbf`` failures). Index
    asset_id, one row per id in ``asset_ids``. ``quarters`` must be ≥ 2.
    """
    if quarters < 2:
        raise ScoringError("quarters must be at least 2 to draw a trend")
    moment = utc_instant(as_of, "as_of")
    span_end = pd.Timestamp(quarter_start(moment.date()), tz="UTC")
    bounds = [span_end - pd.DateOffset(months=3 * k) for k in range(quarters, -1, -1)]
    span_start = bounds[0]
    frame = require_columns(failures, ("asset_id", "started_at", "ended_at"), "failures")
    assets = metrics._asset_index(asset_ids)
    tables = [
        metrics.mtbf(frame, assets, a, b, installed=installed)
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    values = np.column_stack([t["mtbf_hours"].to_numpy(dtype=float) for t in tables])
    censored = np.column_stack([t["censored"].to_numpy(dtype=bool) for t in tables])
    firsts = metrics.installation_starts(installed, assets, span_start, span_end)
    installed_in = np.column_stack(
        [(firsts < b).to_numpy(dtype=bool) for b in bounds[1:]]
    )  # operating time starts before the quarter's end
    # The slope reads whole quarters of run time only: a quarter cut by the installation is
    # a short lower bound (44 h of a 2,208 h quarter) that would fake an improvement.
    whole = np.column_stack([(firsts <= a).to_numpy(dtype=bool) for a in bounds[:-1]])
    labels = [quarter_label(*quarter_of(b)) for b in bounds[:-1]]
    events = metrics.failure_events(frame, span_start, span_end)
    if len(events) and len(firsts):  # a failure before installation is not in its span
        events = events.loc[events["started_at"] >= metrics._lookup(firsts, events["asset_id"])]
    rows = []
    for position, asset in enumerate(assets):
        series = values[position]
        kept = whole[position]
        slope = _slope(series[kept], np.flatnonzero(kept).astype(float))
        mean = float(series[kept].mean()) if kept.any() else 0.0
        pct = slope / mean * 100.0 if slope is not None and mean != 0 else None
        if pct is None or abs(pct) <= TREND_DEAD_BAND_PCT:
            direction = "flat"
        else:
            direction = "improving" if pct > 0 else "deteriorating"
        starts = events.loc[events["asset_id"] == asset, "started_at"]
        origin = firsts[asset]
        times = ((starts - origin) / _HOUR).to_numpy(dtype=float)
        total_hours = (span_end - origin) / _HOUR
        growth = crow_amsaa(times[times > 0], total_hours) if total_hours > 0 else None
        rows.append(
            {
                "quarters": [float(v) for v in series],
                "quarter_censored": [bool(v) for v in censored[position]],
                "quarter_installed": [bool(v) for v in installed_in[position]],
                "censored_quarters": int(censored[position].sum()),
                "slope_hours_per_quarter": slope,
                "pct_per_quarter": pct,
                "crow_amsaa_beta": growth["beta"] if growth else None,
                "direction": direction,
                "quarter_labels": list(labels),
                "failures": len(starts),
            }
        )
    columns = [
        "quarters",
        "quarter_censored",
        "quarter_installed",
        "censored_quarters",
        "slope_hours_per_quarter",
        "pct_per_quarter",
        "crow_amsaa_beta",
        "direction",
        "quarter_labels",
        "failures",
    ]
    table = pd.DataFrame(
        {column: pd.Series([row[column] for row in rows], dtype=object) for column in columns}
    )
    table.index = assets
    table["censored_quarters"] = table["censored_quarters"].astype(int)
    table["slope_hours_per_quarter"] = table["slope_hours_per_quarter"].astype(float)
    table["failures"] = table["failures"].astype(int)
    return table

"""Condition monitoring as pure functions: zones, thresholds, trends, downsampling, patterns.

SPEC §2 (Alert: raised from readings by a zone crossing or a trend, with a rate of
progression and an estimated time to failure) and §3 (Recurring failure pattern). No Django
here: numpy arrays and pandas DataFrames in, plain values (str, float, int, dict, list,
tuple, numpy arrays for series) out. Each function's docstring gives the formula, the units
and the edge cases.

Units follow ``reliability.models.Metric``: vibration velocity RMS in mm/s, temperature in
°C, current in A. Times given to the trend functions are floats in hours from any origin
(e.g. hours since the first reading); rates are in metric units per hour and per day. Bad
input raises ``core.frames.ScoringError`` (a ``ValueError``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.frames import ScoringError, as_number, require_columns, utc_column

# --------------------------------------------------------------------------------------
# ISO 10816-3 / 20816-3 vibration zones
# --------------------------------------------------------------------------------------

#: Zone boundaries A/B, B/C, C/D of broadband velocity RMS (mm/s, 10–1000 Hz) by
#: (machine group, foundation), ISO 10816-3:2009 Table A.1 (same values in ISO 20816-3).
#: Group 1: large machines, 300 kW–50 MW; group 2: medium machines, 15–300 kW.
ISO_ZONES: dict[tuple[int, str], tuple[float, float, float]] = {
    (1, "rigid"): (2.3, 4.5, 7.1),
    (1, "flexible"): (3.5, 7.1, 11.0),
    (2, "rigid"): (1.4, 2.8, 4.5),
    (2, "flexible"): (2.3, 4.5, 7.1),
}

#: Used when an asset has no machine group: group 2 (15–300 kW) is the common size in
#: discrete manufacturing (motors, pumps, fans of a line) and has the lower, stricter limits,
#: so an unclassified machine is never judged more leniently than it should be.
DEFAULT_MACHINE_GROUP = 2
#: Used when an asset's foundation is blank: "rigid" has the lower, stricter limits.
DEFAULT_FOUNDATION = "rigid"

#: Alert severity raised by a reading in each zone (A: new machine condition, no alert).
SEVERITY_BY_ZONE: dict[str, str | None] = {"A": None, "B": "info", "C": "warning", "D": "alarm"}


def zone_boundaries(
    machine_group: int | None,
    foundation: str | None,
    overrides: Sequence[float | None] = (None, None, None),
) -> tuple[float, float, float]:
    """The (A/B, B/C, C/D) velocity RMS boundaries of an asset, mm/s.

    Starts from ``ISO_ZONES[(machine_group, foundation)]``; ``machine_group`` None means
    group 2 (``DEFAULT_MACHINE_GROUP``: the usual size and the stricter limits) and a blank
    or None ``foundation`` means "rigid" (``DEFAULT_FOUNDATION``: the stricter limits). Then
    each of the three per-asset ``overrides`` (``Asset.zone_ab_override``,
    ``zone_bc_override``, ``zone_cd_override``) that is not None (nor NaN, as a null float
    read through pandas) replaces its boundary, one by one.

    Raises ScoringError for an unknown group or foundation, for ``overrides`` not of length 3,
    and when the result is not finite, positive and strictly increasing (AB < BC < CD), e.g.
    a C/D override below the ISO B/C boundary.
    """
    group = DEFAULT_MACHINE_GROUP if machine_group is None else int(machine_group)
    base = DEFAULT_FOUNDATION if not foundation else str(foundation)
    try:
        defaults = ISO_ZONES[(group, base)]
    except KeyError:
        raise ScoringError(
            f"no ISO zone boundaries for machine group {machine_group!r} and foundation "
            f"{foundation!r} (groups 1, 2; foundations 'rigid', 'flexible')"
        ) from None
    overrides = tuple(overrides)
    if len(overrides) != 3:
        raise ScoringError("overrides must be three values (A/B, B/C, C/D) or None")
    result = []
    for edge, default, override in zip(("A/B", "B/C", "C/D"), defaults, overrides, strict=True):
        number = as_number(override, f"the {edge} override")
        result.append(float(default) if number is None else number)
    return _check_boundaries(result)


def _check_boundaries(boundaries) -> tuple[float, float, float]:
    values = tuple(float(b) for b in boundaries)
    if len(values) != 3:
        raise ScoringError("zone boundaries are three values: A/B, B/C, C/D")
    ab, bc, cd = values
    if not all(math.isfinite(b) for b in values) or not (0 < ab < bc < cd):
        raise ScoringError(
            f"zone boundaries must be positive and strictly increasing, got {values}"
        )
    return ab, bc, cd


def classify_zone(value: float, boundaries: Sequence[float]) -> str:
    """The ISO zone "A".."D" of one velocity RMS ``value`` (mm/s) for (AB, BC, CD).

    A: value < AB; B: AB ≤ value < BC; C: BC ≤ value < CD; D: value ≥ CD. A value exactly on
    a boundary belongs to the worse zone: the boundary is the limit, reaching it is enough
    (so 7.1 mm/s on a group 1 rigid machine is zone D). Raises ScoringError for NaN and for
    boundaries that are not positive and strictly increasing.
    """
    ab, bc, cd = _check_boundaries(boundaries)
    value = float(value)
    if math.isnan(value):
        raise ScoringError("cannot classify NaN")
    if value < ab:
        return "A"
    if value < bc:
        return "B"
    if value < cd:
        return "C"
    return "D"


# --------------------------------------------------------------------------------------
# Temperature and current thresholds
# --------------------------------------------------------------------------------------

#: Default (warning, alarm) limits per asset class and metric: "temperature" in °C (bearing
#: housing / frame surface, or oil sump for gearboxes, hydraulic oil for presses, discharge
#: for compressors) and "current" in A (the drive motor's phase current). These are
#: engineering defaults for a typical line machine so alerts work out of the box; they are
#: meant to be overridden per asset later (from the nameplate and the OEM manual). Current
#: defaults assume a drive of the usual size for the class (e.g. a 30 kW, 400 V motor with
#: ≈ 55 A full-load current): warning at about full-load current, alarm at about 115 %
#: (service factor 1.15). Unknown classes use the "default" entry.
CLASS_THRESHOLDS: dict[str, dict[str, tuple[float, float]]] = {
    # Class F insulation, class B temperature rise: frame ≈ 80 °C is hot, 95 °C is trouble.
    "motor": {"temperature": (80.0, 95.0), "current": (55.0, 63.0)},
    # Hydraulic oil: keep below ≈ 55 °C, above 65 °C viscosity and seals suffer.
    "press": {"temperature": (55.0, 65.0), "current": (150.0, 173.0)},
    # Rolling bearing housings of pumps and fans.
    "pump": {"temperature": (75.0, 90.0), "current": (55.0, 63.0)},
    "fan": {"temperature": (70.0, 85.0), "current": (40.0, 46.0)},
    # Mineral gear oil sump: 85 °C warning, 100 °C alarm (oxidation doubles every 10 °C).
    "gearbox": {"temperature": (85.0, 100.0), "current": (55.0, 63.0)},
    "conveyor": {"temperature": (70.0, 85.0), "current": (20.0, 23.0)},
    # Joint servo motors.
    "robot": {"temperature": (70.0, 85.0), "current": (15.0, 17.0)},
    # Screw compressor discharge temperature (typ. 80–95 °C; trips around 110 °C).
    "compressor": {"temperature": (100.0, 110.0), "current": (100.0, 115.0)},
    # Machine-tool spindle bearings run cool; 55 °C is already abnormal.
    "spindle": {"temperature": (55.0, 65.0), "current": (30.0, 35.0)},
    "other": {"temperature": (80.0, 95.0), "current": (55.0, 63.0)},
    "default": {"temperature": (80.0, 95.0), "current": (55.0, 63.0)},
}


def class_thresholds(asset_class: str | None, metric: str) -> tuple[float, float]:
    """(warning, alarm) defaults of ``metric`` ("temperature" or "current") for a class.

    Unknown or blank classes use ``CLASS_THRESHOLDS["default"]``. Raises KeyError for a
    metric without thresholds (vibration is judged by zones, not by these).
    """
    table = CLASS_THRESHOLDS.get(str(asset_class or ""), CLASS_THRESHOLDS["default"])
    return table[str(metric)]


def threshold_severity(value: float, warning: float, alarm: float) -> str | None:
    """None below ``warning``, "warning" for warning ≤ value < alarm, "alarm" at ≥ alarm.

    Same units as the thresholds. A value exactly on a threshold counts as reaching it (as
    zone boundaries do). NaN gives None. Raises ScoringError if warning > alarm (equal is
    allowed: then the warning step never shows).
    """
    if warning > alarm:
        raise ScoringError(f"warning {warning} is above alarm {alarm}")
    value = float(value)
    if math.isnan(value):
        return None
    if value >= alarm:
        return "alarm"
    if value >= warning:
        return "warning"
    return None


# --------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------

#: Up to this many points every pair goes into the Theil–Sen median (400 → 79,800 pairs).
THEIL_SEN_EXACT_MAX_POINTS = 400


def robust_slope(
    times_hours: np.ndarray,
    values: np.ndarray,
    *,
    sample_pairs: int = 100_000,
    seed: int = 0,
) -> dict | None:
    """Theil–Sen line through (time in hours, value): robust to outliers and spikes.

    slope b = median over pairs i < j with tᵢ ≠ tⱼ of (yⱼ − yᵢ) ÷ (tⱼ − tᵢ), value units per
    hour; intercept a = median of (yᵢ − b·tᵢ) (the value at t = 0 of the caller's time
    origin). Up to 29 % of the points can be arbitrary outliers without carrying the slope
    away (breakdown point 1 − 1/√2), unlike least squares.

    For n > 400 points the n(n−1)/2 pairs are too many: the median is taken over
    ``sample_pairs`` random pairs (i ≠ j, drawn uniformly with ``numpy.random.default_rng
    (seed)``, so the same input always gives the same line); its sampling error is far
    below the noise for readings series.

    Returns {"slope_per_hour", "slope_per_day" (= 24 × per hour), "intercept", "n",
    "r2", "mad", "pairs", "sampled"}:

    * ``r2`` = 1 − Σ(yᵢ − a − b·tᵢ)² ÷ Σ(yᵢ − ȳ)², the share of the variance the robust line
      explains. It is not a least-squares fit, so r2 can be below 0 (the line fits worse
      than the mean, e.g. pure noise). A constant series (Σ(yᵢ − ȳ)² = 0) is fitted exactly
      and gets 1.0.
    * ``mad`` = median |yᵢ − a − b·tᵢ|, value units (the typical scatter about the line).
    * ``pairs``: how many pairwise slopes went into the median; ``sampled``: whether they
      were a random subsample.

    Pairs where either value or time is not finite are dropped first. None when fewer than
    3 points remain or all times are equal (no slope is defined).
    """
    t = np.asarray(times_hours, dtype=float).ravel()
    y = np.asarray(values, dtype=float).ravel()
    if t.shape != y.shape:
        raise ScoringError("times_hours and values must have the same length")
    keep = np.isfinite(t) & np.isfinite(y)
    t, y = t[keep], y[keep]
    n = len(t)
    if n < 3:
        return None
    sampled = n > THEIL_SEN_EXACT_MAX_POINTS
    if sampled:
        rng = np.random.default_rng(seed)
        i, j = rng.integers(0, n, size=(2, int(sample_pairs)))
    else:
        i, j = np.triu_indices(n, k=1)
    dt = t[j] - t[i]
    usable = dt != 0
    if not usable.any():
        return None
    slopes = (y[j] - y[i])[usable] / dt[usable]
    slope = float(np.median(slopes))
    intercept = float(np.median(y - slope * t))
    residuals = y - (intercept + slope * t)
    ss_res = float(np.sum(residuals**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    return {
        "slope_per_hour": slope,
        "slope_per_day": slope * 24.0,
        "intercept": intercept,
        "n": n,
        "r2": r2,
        "mad": float(np.median(np.abs(residuals))),
        "pairs": int(slopes.size),
        "sampled": sampled,
    }


def time_to_threshold(
    current_time_h: float, current_value: float, slope_per_hour: float, threshold: float
) -> float | None:
    """Hours from ``current_time_h`` until a line rising at ``slope_per_hour`` reaches
    ``threshold``: (threshold − current_value) ÷ slope.

    The crossing happens at ``current_time_h`` + the result (hours). 0.0 when the value is
    already at or above the threshold (whatever the slope); None when it is below and the
    slope is ≤ 0 (never reaches it) or any input is not finite. Only upward crossings: all
    condition limits here are upper limits.
    """
    numbers = (current_time_h, current_value, slope_per_hour, threshold)
    if any(x is None or not math.isfinite(float(x)) for x in numbers):
        return None
    if current_value >= threshold:
        return 0.0
    if slope_per_hour <= 0:
        return None
    return float((threshold - current_value) / slope_per_hour)


def trend_estimate(
    times_hours: np.ndarray,
    values: np.ndarray,
    threshold: float,
    *,
    min_points: int = 12,
    min_r2: float = 0.5,
) -> dict | None:
    """Rate of progression and time left until ``threshold``, from a robust line.

    Fits :func:`robust_slope`, evaluates the line at the last time T:
    fitted_now = a + b·T (the line, not the last raw reading, so one spike does not move
    the estimate), and returns hours_to_threshold = :func:`time_to_threshold` (T,
    fitted_now, b, threshold): (threshold − fitted_now) ÷ b hours from T, 0.0 if the line is
    already at or above it, None if the slope is ≤ 0.

    Returns {"rate_per_hour", "rate_per_day" (value units), "hours_to_threshold",
    "fitted_now", "r2", "n", "confidence", "mad", "intercept", "last_time_h",
    "threshold"}. ``confidence`` is "good" when r2 ≥ ``min_r2`` (0.5) and n ≥ ``min_points``
    (12), otherwise "poor — " and the reasons (too few points, line explains too little of
    the variation). None when fewer than 3 usable points.
    """
    fit = robust_slope(times_hours, values)
    if fit is None:
        return None
    t = np.asarray(times_hours, dtype=float).ravel()
    y = np.asarray(values, dtype=float).ravel()
    last_time = float(t[np.isfinite(t) & np.isfinite(y)].max())
    slope = fit["slope_per_hour"]
    fitted_now = fit["intercept"] + slope * last_time
    reasons = []
    if fit["n"] < min_points:
        reasons.append(f"only {fit['n']} points (fewer than {min_points})")
    if not fit["r2"] >= min_r2:
        reasons.append(
            f"the line explains {max(fit['r2'], 0.0):.0%} of the variation "
            f"(r² {fit['r2']:.2f} < {min_r2})"
        )
    return {
        "rate_per_hour": slope,
        "rate_per_day": fit["slope_per_day"],
        "hours_to_threshold": time_to_threshold(last_time, fitted_now, slope, threshold),
        "fitted_now": float(fitted_now),
        "r2": fit["r2"],
        "n": fit["n"],
        "confidence": "good" if not reasons else "poor — " + "; ".join(reasons),
        "mad": fit["mad"],
        "intercept": fit["intercept"],
        "last_time_h": last_time,
        "threshold": float(threshold),
    }


# --------------------------------------------------------------------------------------
# Downsampling for charts
# --------------------------------------------------------------------------------------


def _series(times, values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, values, x) with missing points dropped; x = float times relative to the first.

    Times may be numeric or datetime64 (or an object array of Timestamps); x is in the
    times' own unit (nanoseconds, microseconds… for datetimes), which is all the
    downsampler needs since it only compares and scales it.
    """
    t = np.asarray(times)
    v = np.asarray(values, dtype=float)
    if t.ndim != 1 or t.shape != v.shape:
        raise ScoringError("times and values must be 1-D arrays of the same length")
    if np.issubdtype(t.dtype, np.datetime64):
        valid = ~np.isnat(t)
        ints = t.astype(np.int64)
    elif t.dtype == object:
        index = pd.DatetimeIndex(t)
        valid = ~np.asarray(index.isna())
        ints = index.asi8
    else:
        x = t.astype(float)
        valid = np.isfinite(x)
        ints = None
    keep = valid & np.isfinite(v)
    if not keep.all():
        t, v = t[keep], v[keep]
        ints = None if ints is None else ints[keep]
        if ints is None:
            x = x[keep]
    if ints is not None:
        x = (ints - (ints[0] if len(ints) else 0)).astype(float)
    if len(x) > 1 and np.any(np.diff(x) < 0):
        raise ScoringError("times must be sorted ascending")
    return t, v, x


def downsample_minmax(
    times: np.ndarray, values: np.ndarray, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points of a time series for a chart, keeping every peak.

    The time span [t₀, tₙ] is cut into B = max_points // 2 buckets of equal duration (point
    i goes to bucket ⌊(tᵢ − t₀) ÷ (tₙ − t₀) × B⌋, the last point into bucket B − 1); each
    non-empty bucket keeps the point with its minimum value and the one with its maximum
    (the first of equal ones; one point when they coincide), returned in time order. So the
    global maximum and minimum always survive, and a spike is never averaged away (unlike
    plain decimation or averaging). Empty buckets (gaps in the data) add nothing.

    ``times`` numeric or datetime64, sorted ascending (ScoringError otherwise); points whose
    time or value is missing/NaN are dropped. When no more than ``max_points`` points
    remain they are returned unchanged. The arrays returned keep the input dtypes.
    Raises ScoringError if ``max_points`` < 2.
    """
    if max_points < 2:
        raise ScoringError("max_points must be at least 2 (one bucket's min and max)")
    t, v, x = _series(times, values)
    n = len(v)
    if n <= max_points:
        return t, v
    buckets = max_points // 2
    span = x[-1] - x[0]
    if span > 0:
        bucket = np.minimum((x - x[0]) / span * buckets, buckets - 1).astype(np.int64)
    else:
        bucket = np.zeros(n, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))

    def first_where(mask: np.ndarray) -> np.ndarray:
        index = np.flatnonzero(mask)
        owner = group[index]
        return index[np.r_[True, owner[1:] != owner[:-1]]]

    lows = first_where(v == np.minimum.reduceat(v, starts)[group])
    highs = first_where(v == np.maximum.reduceat(v, starts)[group])
    chosen = np.union1d(lows, highs)
    return t[chosen], v[chosen]


# --------------------------------------------------------------------------------------
# Recurring failure patterns (SPEC §3)
# --------------------------------------------------------------------------------------

_WEEK_NS = 7 * 24 * 3600 * 10**9
#: Weeks of margin kept between the recommended PM interval and the earliest onset week.
RECOMMENDATION_MARGIN_WEEKS = 2


def _complete_rows(frame: pd.DataFrame | None, columns: tuple[str, ...], what: str):
    """Only ``columns`` of ``frame``, in the rows where none of them is missing; an empty
    or column-less frame is an empty one."""
    return require_columns(frame, columns, what)[list(columns)].dropna()


def _instants(series: pd.Series, what: str) -> np.ndarray:
    """UTC instants as ``datetime64[ns]`` (naive values are taken to be UTC)."""
    stamps = utc_column(series, what).dt.tz_localize(None)
    return stamps.to_numpy().astype("datetime64[ns]")


def _utc_datetime(instant: np.datetime64):
    return pd.Timestamp(instant).tz_localize("UTC").to_pydatetime()


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def recurring_patterns(
    failures: pd.DataFrame,
    alerts: pd.DataFrame,
    pm_orders: pd.DataFrame,
    *,
    min_occurrences: int = 3,
    tolerance_weeks: int = 1,
    include_inconsistent: bool = False,
) -> list[dict]:
    """Failures that recur at the same point of the PM cycle, and a shorter PM interval.

    Inputs: ``failures`` (asset_id, failure_mode_id, started_at), ``alerts`` (asset_id,
    detected_at: alert onsets, any metric), ``pm_orders`` (asset_id, completed_at:
    completed preventive work orders, each starting a PM cycle). Timestamps are UTC (naive
    ones are taken to be UTC); rows with a missing value are ignored; an empty frame may
    have no columns.

    For each (asset, failure mode) with ≥ ``min_occurrences`` failures:

    * T, the PM interval = median of the gaps between the asset's consecutive PMs, in weeks,
      rounded half up to whole weeks (needs ≥ 2 PMs and T ≥ 1, else no pattern).
    * Each failure's cycle starts at the asset's last PM completed strictly before it; a
      failure before any PM cannot be placed (counted in ``unplaced_failures``). If fewer
      than ``min_occurrences`` failures can be placed there is no pattern.
    * Its onset is the asset's first alert strictly after the cycle start (or after an
      earlier failure of the same mode in the same cycle, so one alert is never the onset of
      two failures) and strictly before the failure. Without such an alert the failure
      itself is the onset (``onset_source`` "failure" and a note in its evidence).
    * Onset week k = ⌈(onset − cycle start) ÷ 7 days⌉, 1-based: days (0, 7] are week 1.
    * Consistent when every k is within ± ``tolerance_weeks`` of the median k and the median
      k < T (the degradation shows up before the next PM would catch it).
    * Recommended interval (consistent patterns only) = max(1, k_min − 2) weeks: two weeks
      of margin before the earliest onset seen, so the next PM lands before the fault
      starts to show. SPEC's example: onsets in week 8 of a 12-week interval → 8 − 2 = 6.
      An onset in week 1–3 hits the 1-week floor: PM frequency alone is not the fix.

    Returns consistent patterns only unless ``include_inconsistent`` (then
    ``recommended_weeks`` is None for the inconsistent ones), most occurrences first, then
    by asset and failure mode. Each: {"asset_id", "failure_mode_id", "occurrences" (all
    failures of the pair), "interval_weeks" (T), "onset_weeks" (k per placed failure, in
    time order), "median_onset_week", "recommended_weeks", "consistent",
    "unplaced_failures", "reason" (a sentence), "evidence": [{"cycle_start", "onset",
    "failure" (UTC datetimes), "onset_week", "onset_source" ("alert" or "failure"),
    "note"}]}.
    """
    fail = _complete_rows(failures, ("asset_id", "failure_mode_id", "started_at"), "failures")
    alert = _complete_rows(alerts, ("asset_id", "detected_at"), "alerts")
    pm = _complete_rows(pm_orders, ("asset_id", "completed_at"), "pm_orders")
    if fail.empty:
        return []
    fail = fail.assign(_at=_instants(fail["started_at"], "failures.started_at"))
    alerts_by_asset = {
        asset: np.sort(_instants(group["detected_at"], "alerts.detected_at"))
        for asset, group in alert.groupby("asset_id")
    }
    pms_by_asset = {
        asset: np.unique(_instants(group["completed_at"], "pm_orders.completed_at"))
        for asset, group in pm.groupby("asset_id")
    }
    no_times = np.array([], dtype="datetime64[ns]")

    patterns = []
    for (asset_id, mode_id), group in fail.groupby(["asset_id", "failure_mode_id"], sort=True):
        occurrences = len(group)
        if occurrences < min_occurrences:
            continue
        pm_times = pms_by_asset.get(asset_id, no_times)
        if len(pm_times) < 2:
            continue
        gap_ns = np.diff(pm_times).astype(np.int64)
        interval = math.floor(float(np.median(gap_ns)) / _WEEK_NS + 0.5)
        if interval < 1:
            continue
        alert_times = alerts_by_asset.get(asset_id, no_times)

        evidence = []
        previous_failure = None
        for failed_at in np.sort(group["_at"].to_numpy()):
            cycle = int(np.searchsorted(pm_times, failed_at, side="left")) - 1
            if cycle < 0:
                previous_failure = failed_at
                continue
            cycle_start = pm_times[cycle]
            after = cycle_start
            if previous_failure is not None and previous_failure > cycle_start:
                after = previous_failure
            first = int(np.searchsorted(alert_times, after, side="right"))
            if first < len(alert_times) and alert_times[first] < failed_at:
                onset, source, note = alert_times[first], "alert", ""
            else:
                onset, source = failed_at, "failure"
                note = "no alert between the cycle start and the failure: the failure is the onset"
            elapsed = int((onset - cycle_start).astype("timedelta64[ns]").astype(np.int64))
            week = max(1, -(-elapsed // _WEEK_NS))
            evidence.append(
                {
                    "cycle_start": _utc_datetime(cycle_start),
                    "onset": _utc_datetime(onset),
                    "failure": _utc_datetime(failed_at),
                    "onset_week": week,
                    "onset_source": source,
                    "note": note,
                }
            )
            previous_failure = failed_at
        if len(evidence) < min_occurrences:
            continue

        weeks = [item["onset_week"] for item in evidence]
        median = float(np.median(weeks))
        tight = all(abs(week - median) <= tolerance_weeks for week in weeks)
        early = median < interval
        consistent = tight and early
        listed = ", ".join(str(week) for week in weeks)
        if consistent:
            recommended = max(1, math.floor(min(weeks)) - RECOMMENDATION_MARGIN_WEEKS)
            reason = (
                f"onset in weeks {listed} of a {interval}-week PM interval: shorten it to "
                f"{recommended} weeks ({RECOMMENDATION_MARGIN_WEEKS} weeks before the "
                f"earliest onset, week {min(weeks)})"
            )
        else:
            recommended = None
            problems = []
            if not tight:
                problems.append(
                    f"onset weeks {listed} spread more than ±{tolerance_weeks} week(s) "
                    f"around the median {median:g}"
                )
            if not early:
                problems.append(
                    f"median onset week {median:g} is not before the {interval}-week PM"
                )
            reason = "; ".join(problems)
        if not consistent and not include_inconsistent:
            continue
        patterns.append(
            {
                "asset_id": _plain(asset_id),
                "failure_mode_id": _plain(mode_id),
                "occurrences": occurrences,
                "interval_weeks": interval,
                "onset_weeks": weeks,
                "median_onset_week": median,
                "recommended_weeks": recommended,
                "consistent": consistent,
                "unplaced_failures": occurrences - len(evidence),
                "reason": reason,
                "evidence": evidence,
            }
        )
    patterns.sort(key=lambda p: (-p["occurrences"], p["asset_id"], p["failure_mode_id"]))
    return patterns

"""Zones, thresholds, trends, downsampling and recurring patterns in reliability.condition.

Pure functions, no database. Expected values are worked by hand in the comments; the noisy
series are seeded so every run sees the same numbers.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.condition import (
    CLASS_THRESHOLDS,
    ISO_ZONES,
    SEVERITY_BY_ZONE,
    class_thresholds,
    classify_zone,
    downsample_minmax,
    recurring_patterns,
    robust_slope,
    threshold_severity,
    time_to_threshold,
    trend_estimate,
    zone_boundaries,
)
from reliability.models import METRIC_BOUNDS, AssetClass, Foundation, MachineGroup, Metric

# --------------------------------------------------------------------------------------
# ISO zones
# --------------------------------------------------------------------------------------


def test_iso_zone_table_is_iso_10816_3_and_covers_every_group_and_foundation():
    assert ISO_ZONES == {
        (1, "rigid"): (2.3, 4.5, 7.1),
        (1, "flexible"): (3.5, 7.1, 11.0),
        (2, "rigid"): (1.4, 2.8, 4.5),
        (2, "flexible"): (2.3, 4.5, 7.1),
    }
    assert set(ISO_ZONES) == {(g, f) for g in MachineGroup.values for f in Foundation.values}


# (group, foundation, value, zone): just below each boundary, and exactly on it (worse zone).
ON_THE_BOUNDARIES = [
    (1, "rigid", 2.29, "A"),
    (1, "rigid", 2.3, "B"),
    (1, "rigid", 4.49, "B"),
    (1, "rigid", 4.5, "C"),
    (1, "rigid", 7.09, "C"),
    (1, "rigid", 7.1, "D"),
    (1, "flexible", 3.49, "A"),
    (1, "flexible", 3.5, "B"),
    (1, "flexible", 7.09, "B"),
    (1, "flexible", 7.1, "C"),
    (1, "flexible", 10.99, "C"),
    (1, "flexible", 11.0, "D"),
    (2, "rigid", 1.39, "A"),
    (2, "rigid", 1.4, "B"),
    (2, "rigid", 2.79, "B"),
    (2, "rigid", 2.8, "C"),
    (2, "rigid", 4.49, "C"),
    (2, "rigid", 4.5, "D"),
    (2, "flexible", 2.29, "A"),
    (2, "flexible", 2.3, "B"),
    (2, "flexible", 4.49, "B"),
    (2, "flexible", 4.5, "C"),
    (2, "flexible", 7.09, "C"),
    (2, "flexible", 7.1, "D"),
]


@pytest.mark.parametrize(("group", "foundation", "value", "zone"), ON_THE_BOUNDARIES)
def test_a_value_on_a_boundary_is_in_the_worse_zone(group, foundation, value, zone):
    boundaries = zone_boundaries(group, foundation)
    assert classify_zone(value, boundaries) == zone


def test_classify_zone_refuses_nan():
    with pytest.raises(ValueError):
        classify_zone(float("nan"), (2.3, 4.5, 7.1))


def test_missing_group_is_group_2_and_blank_foundation_is_rigid():
    # The stricter limits in both cases: group 2 rigid is the lowest row of the table.
    assert zone_boundaries(None, "") == (1.4, 2.8, 4.5)
    assert zone_boundaries(None, None) == (1.4, 2.8, 4.5)
    assert zone_boundaries(1, "") == (2.3, 4.5, 7.1)
    assert zone_boundaries(None, "flexible") == (2.3, 4.5, 7.1)
    # The model's choices are accepted as they come.
    assert zone_boundaries(MachineGroup.LARGE, Foundation.FLEXIBLE) == (3.5, 7.1, 11.0)


def test_unknown_group_or_foundation_is_refused():
    with pytest.raises(ValueError, match="machine group"):
        zone_boundaries(3, "rigid")
    with pytest.raises(ValueError, match="foundation"):
        zone_boundaries(1, "soft")


def test_per_asset_overrides_win_one_by_one():
    # Group 1 rigid is (2.3, 4.5, 7.1); only B/C is overridden.
    assert zone_boundaries(1, "rigid", (None, 5.0, None)) == (2.3, 5.0, 7.1)
    # A null float read through pandas is NaN: also "no override".
    assert zone_boundaries(1, "rigid", (float("nan"), None, 9.0)) == (2.3, 4.5, 9.0)
    # All three overridden: the ISO values no longer matter.
    assert zone_boundaries(2, "rigid", (3.0, 6.0, 9.0)) == (3.0, 6.0, 9.0)
    # The override decides the zone: 4.8 mm/s is C under ISO (≥ 4.5), B under BC = 5.0.
    assert classify_zone(4.8, zone_boundaries(1, "rigid")) == "C"
    assert classify_zone(4.8, zone_boundaries(1, "rigid", (None, 5.0, None))) == "B"


@pytest.mark.parametrize(
    "overrides",
    [
        (None, None, 4.0),  # C/D 4.0 below the ISO B/C 4.5 of group 1 rigid
        (None, 4.5, 4.5),  # equal is not strictly increasing
        (5.0, None, None),  # A/B 5.0 above B/C 4.5
        (0.0, None, None),  # a zero boundary
        (None, math.inf, None),
    ],
)
def test_overrides_must_leave_increasing_boundaries(overrides):
    with pytest.raises(ValueError, match="increasing"):
        zone_boundaries(1, "rigid", overrides)


def test_overrides_are_three_values_and_boundaries_are_checked_when_classifying():
    with pytest.raises(ValueError):
        zone_boundaries(1, "rigid", (None, None))
    with pytest.raises(ValueError):
        classify_zone(1.0, (3.0, 2.0, 4.0))


def test_severity_by_zone():
    assert SEVERITY_BY_ZONE == {"A": None, "B": "info", "C": "warning", "D": "alarm"}


boundary_triples = st.lists(
    st.floats(min_value=0.1, max_value=100, allow_nan=False), min_size=3, max_size=3, unique=True
).map(sorted)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0, max_value=200, allow_nan=False), min_size=1),
    boundaries=st.one_of(st.sampled_from(list(ISO_ZONES.values())), boundary_triples),
)
def test_classify_zone_is_monotone_in_the_value(values, boundaries):
    zones = [classify_zone(v, boundaries) for v in sorted(values)]
    ranks = ["ABCD".index(zone) for zone in zones]
    assert ranks == sorted(ranks)


# --------------------------------------------------------------------------------------
# Temperature and current thresholds
# --------------------------------------------------------------------------------------


def test_class_thresholds_cover_every_asset_class_and_are_physical():
    assert set(CLASS_THRESHOLDS) == set(AssetClass.values) | {"default"}
    for table in CLASS_THRESHOLDS.values():
        assert set(table) == {Metric.TEMPERATURE.value, Metric.CURRENT.value}
        for metric, (warning, alarm) in table.items():
            low, high = METRIC_BOUNDS[metric]
            assert low < warning < alarm < high
    assert CLASS_THRESHOLDS["motor"]["temperature"] == (80.0, 95.0)


def test_unknown_class_uses_the_default_entry():
    assert class_thresholds("motor", "temperature") == (80.0, 95.0)
    assert class_thresholds("hovercraft", "current") == CLASS_THRESHOLDS["default"]["current"]
    assert class_thresholds("", "temperature") == CLASS_THRESHOLDS["default"]["temperature"]


@pytest.mark.parametrize(
    ("value", "severity"),
    [(79.9, None), (80.0, "warning"), (94.9, "warning"), (95.0, "alarm"), (140.0, "alarm")],
)
def test_threshold_severity_counts_the_threshold_itself(value, severity):
    # Motor temperature: warning 80 °C, alarm 95 °C.
    assert threshold_severity(value, 80.0, 95.0) == severity


def test_threshold_severity_edge_cases():
    assert threshold_severity(float("nan"), 80.0, 95.0) is None
    assert threshold_severity(95.0, 95.0, 95.0) == "alarm"
    with pytest.raises(ValueError):
        threshold_severity(50.0, 95.0, 80.0)


# --------------------------------------------------------------------------------------
# Theil–Sen and trends
# --------------------------------------------------------------------------------------


def test_theil_sen_by_hand():
    # Points (0,0) (1,1) (2,2) (3,10). Pairwise slopes: 1, 1, 10/3, 1, 9/2, 8;
    # sorted 1, 1, 1, 3.333, 4.5, 8 → median (1 + 10/3) / 2 = 13/6.
    # y − 13/6·x = 0, −7/6, −7/3, 7/2 → median (−7/6 + 0) / 2 = −7/12.
    fit = robust_slope(np.array([0.0, 1, 2, 3]), np.array([0.0, 1, 2, 10]))
    assert fit["slope_per_hour"] == pytest.approx(13 / 6)
    assert fit["slope_per_day"] == pytest.approx(13 / 6 * 24)
    assert fit["intercept"] == pytest.approx(-7 / 12)
    assert fit["n"] == 4 and fit["pairs"] == 6 and fit["sampled"] is False
    # Residuals y − (−7/12 + 13/6·x) = 7/12, −7/12, −21/12, 49/12: |.| median (7+21)/2/12 = 7/6.
    assert fit["mad"] == pytest.approx(7 / 6)
    # SS_res = (49 + 49 + 441 + 2401)/144 = 20.4167; ȳ = 3.25,
    # SS_tot = 3.25² + 2.25² + 1.25² + 6.75² = 62.75; r² = 1 − 20.4167/62.75 = 0.67463.
    assert fit["r2"] == pytest.approx(1 - (2940 / 144) / 62.75)


def test_theil_sen_ignores_20_percent_outliers():
    # y = 2 + 0.5x for x = 0..9, with +50 spikes at x = 3 and x = 7 (2 of 10 points).
    x = np.arange(10.0)
    y = 2 + 0.5 * x
    y[[3, 7]] += 50
    # 28 clean pairs and the (3, 7) pair have slope exactly 0.5: 29 of 45 pairs, so the
    # median (23rd) is 0.5; residuals y − 0.5x are 2 (×8) and 52 (×2) → intercept 2.
    fit = robust_slope(x, y)
    assert fit["slope_per_hour"] == pytest.approx(0.5)
    assert fit["intercept"] == pytest.approx(2.0)
    assert fit["mad"] == pytest.approx(0.0)
    # Least squares is carried away: Σ(x−x̄)·50 over x = 3, 7 is 50·(−1.5 + 2.5) = 50,
    # Σ(x−x̄)² = 82.5, so its slope is 0.5 + 50/82.5 = 1.106.
    assert np.polyfit(x, y, 1)[0] == pytest.approx(0.5 + 50 / 82.5)


def test_robust_slope_edge_cases():
    assert robust_slope(np.array([0.0, 1.0]), np.array([1.0, 2.0])) is None
    # NaNs are dropped before counting: 2 usable points.
    assert robust_slope(np.array([0.0, 1.0, 2.0]), np.array([1.0, np.nan, 2.0])) is None
    # All at one instant: no slope is defined.
    assert robust_slope(np.zeros(5), np.arange(5.0)) is None
    # A constant series is fitted exactly.
    flat = robust_slope(np.arange(5.0), np.full(5, 3.0))
    assert flat["slope_per_hour"] == 0 and flat["intercept"] == 3.0 and flat["r2"] == 1.0
    with pytest.raises(ValueError):
        robust_slope(np.arange(3.0), np.arange(4.0))


def test_theil_sen_samples_pairs_above_400_points_reproducibly():
    rng = np.random.default_rng(7)
    t = np.arange(2000.0)
    y = 1.0 + 0.002 * t + rng.normal(0, 0.1, t.size)
    fit = robust_slope(t, y)
    assert fit["sampled"] is True and fit["pairs"] <= 100_000
    assert fit["slope_per_hour"] == pytest.approx(0.002, rel=0.02)
    assert robust_slope(t, y) == fit  # same seed, same answer
    assert robust_slope(t[:400], y[:400])["sampled"] is False


@pytest.mark.parametrize(
    ("now", "value", "slope", "threshold", "hours"),
    [
        (100.0, 5.0, 0.01, 7.1, 210.0),  # (7.1 − 5.0) / 0.01 = 210 h
        (100.0, 7.1, 0.01, 7.1, 0.0),  # already at it
        (100.0, 9.0, -0.5, 7.1, 0.0),  # above it, even if falling
        (100.0, 5.0, 0.0, 7.1, None),  # flat: never
        (100.0, 5.0, -0.01, 7.1, None),  # improving: never
        (100.0, float("nan"), 0.01, 7.1, None),
    ],
)
def test_time_to_threshold(now, value, slope, threshold, hours):
    assert time_to_threshold(now, value, slope, threshold) == (
        pytest.approx(hours) if hours else hours
    )


def test_degrading_vibration_reaches_zone_d_when_the_line_says():
    # Hourly velocity RMS rising 0.01 mm/s per hour from 2.0 mm/s, noise σ = 0.1 mm/s.
    # Zone D of group 1 rigid starts at 7.1 mm/s: (7.1 − 2.0) / 0.01 = 510 h after t = 0.
    # The series stops at t = 299 h, so the true time left is 510 − 299 = 211 h.
    rng = np.random.default_rng(42)
    t = np.arange(300.0)
    y = 2.0 + 0.01 * t + rng.normal(0, 0.1, t.size)
    cd = zone_boundaries(1, "rigid")[2]
    estimate = trend_estimate(t, y, cd)
    assert estimate["hours_to_threshold"] == pytest.approx(211, rel=0.10)
    assert estimate["rate_per_hour"] == pytest.approx(0.01, rel=0.05)
    assert estimate["rate_per_day"] == pytest.approx(0.24, rel=0.05)
    assert estimate["fitted_now"] == pytest.approx(2.0 + 0.01 * 299, abs=0.05)  # 4.99
    assert estimate["n"] == 300 and estimate["last_time_h"] == 299.0
    assert estimate["r2"] > 0.9
    assert estimate["confidence"] == "good"


def test_noisy_flat_series_has_no_trend_and_poor_confidence():
    rng = np.random.default_rng(3)
    t = np.arange(300.0)
    y = 3.0 + rng.normal(0, 0.1, t.size)
    estimate = trend_estimate(t, y, 7.1)
    assert abs(estimate["rate_per_day"]) < 0.01  # mm/s per day, vs 0.24 above
    hours = estimate["hours_to_threshold"]
    assert hours is None or hours > 5_000  # months away for a 300-hour series
    assert estimate["confidence"].startswith("poor — ")
    assert "r²" in estimate["confidence"]


def test_trend_estimate_with_few_points():
    # A perfect line y = 1 + 0.5t on 5 points: fitted now 3.0 at t = 4,
    # (4.0 − 3.0) / 0.5 = 2 h to a 4.0 threshold, but 5 < 12 points.
    t = np.arange(5.0)
    estimate = trend_estimate(t, 1 + 0.5 * t, 4.0)
    assert estimate["fitted_now"] == pytest.approx(3.0)
    assert estimate["hours_to_threshold"] == pytest.approx(2.0)
    assert estimate["confidence"] == "poor — only 5 points (fewer than 12)"
    assert trend_estimate(t, 1 + 0.5 * t, 4.0, min_points=5)["confidence"] == "good"
    # Already past the threshold on the line: 0 h.
    assert trend_estimate(t, 1 + 0.5 * t, 2.0)["hours_to_threshold"] == 0.0
    assert trend_estimate(t[:2], t[:2], 4.0) is None


# --------------------------------------------------------------------------------------
# Downsampling
# --------------------------------------------------------------------------------------


def test_minmax_by_hand():
    # t = 0..9, 4 points → 2 buckets of 4.5 h: ⌊t/9·2⌋ puts t 0–4 in bucket 0, 5–9 in 1.
    # Bucket 0 values 3 1 4 1 5: min 1 (first at t=1), max 5 (t=4).
    # Bucket 1 values 9 2 6 5 3: max 9 (t=5), min 2 (t=6). Time order: 1, 4, 5, 6.
    t = np.arange(10.0)
    v = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    times, values = downsample_minmax(t, v, 4)
    assert times.tolist() == [1.0, 4.0, 5.0, 6.0]
    assert values.tolist() == [1.0, 5.0, 9.0, 2.0]


def test_minmax_keeps_the_peaks_of_a_long_datetime_series():
    rng = np.random.default_rng(1)
    times = pd.date_range("2025-01-01", periods=10_000, freq="min").to_numpy()
    values = 3.0 + rng.normal(0, 0.2, times.size)
    values[7_777] = 40.0  # a one-sample spike
    values[1_234] = 0.0  # and a dropout
    t, v = downsample_minmax(times, values, 200)
    assert len(t) <= 200 and t.dtype == times.dtype
    assert np.all(np.diff(t) > np.timedelta64(0))
    assert times[7_777] in t and v.max() == 40.0
    assert times[1_234] in t and v.min() == 0.0


def test_minmax_small_input_nan_and_errors():
    t, v = downsample_minmax(np.arange(3.0), np.array([1.0, 2.0, 3.0]), 10)
    assert t.tolist() == [0.0, 1.0, 2.0] and v.tolist() == [1.0, 2.0, 3.0]
    t, v = downsample_minmax(np.arange(4.0), np.array([1.0, np.nan, 2.0, 3.0]), 10)
    assert t.tolist() == [0.0, 2.0, 3.0]
    # Timezone-aware Timestamps (a pandas Series as numpy gives objects) work too.
    aware = np.asarray(pd.Series(pd.date_range("2025-01-01", periods=50, freq="h", tz="UTC")))
    t, v = downsample_minmax(aware, np.arange(50.0), 10)
    assert len(t) <= 10 and v.max() == 49.0 and v.min() == 0.0
    with pytest.raises(ValueError, match="sorted"):
        downsample_minmax(np.array([0.0, 2.0, 1.0]), np.arange(3.0), 2)
    with pytest.raises(ValueError):
        downsample_minmax(np.arange(3.0), np.arange(3.0), 1)


sorted_series = st.integers(min_value=0, max_value=300).flatmap(
    lambda n: st.tuples(
        st.lists(
            st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=n, max_size=n
        ).map(sorted),
        st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(series=sorted_series, max_points=st.integers(min_value=2, max_value=60))
def test_minmax_never_exceeds_max_points_nor_the_input_range(series, max_points):
    times, values = np.array(series[0], dtype=float), np.array(series[1], dtype=float)
    t, v = downsample_minmax(times, values, max_points)
    assert len(t) == len(v) <= max(max_points, 0)
    if len(values):
        assert values.min() <= v.min() and v.max() <= values.max()
        # The extremes themselves survive.
        assert v.min() == values.min() and v.max() == values.max()
        assert np.all(np.diff(t) >= 0)


# --------------------------------------------------------------------------------------
# Recurring failure patterns
# --------------------------------------------------------------------------------------

START = pd.Timestamp("2025-01-06", tz="UTC")  # a Monday
WEEK = pd.Timedelta(weeks=1)
DAY = pd.Timedelta(days=1)


def pm_every(weeks: int, count: int, asset_id: int = 1, offsets=None) -> pd.DataFrame:
    """PMs of one asset at START + i·weeks (or at the given week offsets)."""
    offsets = offsets if offsets is not None else [i * weeks for i in range(count)]
    return pd.DataFrame(
        {"asset_id": asset_id, "completed_at": [START + offset * WEEK for offset in offsets]}
    )


def frame(asset_id: int, column: str, instants, **extra) -> pd.DataFrame:
    return pd.DataFrame({"asset_id": asset_id, column: list(instants), **extra})


def cycle(i: int, weeks: int = 12) -> pd.Timestamp:
    return START + i * weeks * WEEK


def test_onset_in_week_8_of_12_recommends_6_weeks():
    pms = pm_every(12, 6)  # cycles start 2025-01-06, 03-31, 06-23, 09-15, 12-08, 2026-03-02
    # Alerts 51 d, 52 d, 57 d into cycles 1, 2, 3: ⌈51/7⌉ = ⌈7.29⌉ = 8, ⌈7.43⌉ = 8,
    # ⌈8.14⌉ = 9. Failures 10, 9, 10 weeks in.
    alerts = pd.concat(
        [
            frame(
                1, "detected_at", [cycle(1) + 51 * DAY, cycle(2) + 52 * DAY, cycle(3) + 57 * DAY]
            ),
            frame(1, "detected_at", [cycle(1) - DAY]),  # in cycle 0: not an onset for cycle 1
            frame(2, "detected_at", [cycle(1) + 3 * DAY]),  # another asset's alert
        ]
    )
    fails = frame(
        1,
        "started_at",
        [cycle(1) + 10 * WEEK, cycle(2) + 9 * WEEK, cycle(3) + 10 * WEEK],
        failure_mode_id=7,
    )
    [pattern] = recurring_patterns(fails, alerts, pms)
    # Median week 8, all within ±1, 8 < 12: consistent; max(1, 8 − 2) = 6 weeks.
    assert pattern["asset_id"] == 1 and pattern["failure_mode_id"] == 7
    assert pattern["occurrences"] == 3 and pattern["unplaced_failures"] == 0
    assert pattern["interval_weeks"] == 12
    assert pattern["onset_weeks"] == [8, 8, 9]
    assert pattern["median_onset_week"] == 8.0
    assert pattern["consistent"] is True
    assert pattern["recommended_weeks"] == 6
    assert "6 weeks" in pattern["reason"]
    assert [e["cycle_start"] for e in pattern["evidence"]] == [
        cycle(1).to_pydatetime(),
        cycle(2).to_pydatetime(),
        cycle(3).to_pydatetime(),
    ]
    first = pattern["evidence"][0]
    assert first["onset"] == (cycle(1) + 51 * DAY).to_pydatetime()
    assert first["failure"] == (cycle(1) + 10 * WEEK).to_pydatetime()
    assert first["onset_week"] == 8 and first["onset_source"] == "alert"


def test_scattered_onsets_recommend_nothing():
    pms = pm_every(12, 6)
    # 10 d → ⌈1.43⌉ = 2; 51 d → 8; 71 d → ⌈10.14⌉ = 11. Median 8; |2 − 8| = 6 > 1.
    alerts = frame(
        1, "detected_at", [cycle(1) + 10 * DAY, cycle(2) + 51 * DAY, cycle(3) + 71 * DAY]
    )
    fails = frame(1, "started_at", [cycle(i) + 80 * DAY for i in (1, 2, 3)], failure_mode_id=7)
    assert recurring_patterns(fails, alerts, pms) == []
    [pattern] = recurring_patterns(fails, alerts, pms, include_inconsistent=True)
    assert pattern["onset_weeks"] == [2, 8, 11]
    assert pattern["consistent"] is False
    assert pattern["recommended_weeks"] is None
    assert "spread" in pattern["reason"]


def test_fewer_than_three_failures_is_no_pattern():
    pms = pm_every(12, 6)
    alerts = frame(1, "detected_at", [cycle(1) + 51 * DAY, cycle(2) + 51 * DAY])
    fails = frame(1, "started_at", [cycle(1) + 70 * DAY, cycle(2) + 70 * DAY], failure_mode_id=7)
    assert recurring_patterns(fails, alerts, pms, include_inconsistent=True) == []
    # Three failures, but of two different modes: still no pair reaches 3.
    more = pd.concat([fails, frame(1, "started_at", [cycle(3) + 70 * DAY], failure_mode_id=8)])
    assert recurring_patterns(more, alerts, pms, include_inconsistent=True) == []


def test_without_an_alert_the_failure_is_the_onset():
    pms = pm_every(12, 6)
    # Failures 59 d into cycles 1..3: ⌈59/7⌉ = ⌈8.43⌉ = 9 each → recommend 9 − 2 = 7.
    fails = frame(1, "started_at", [cycle(i) + 59 * DAY for i in (1, 2, 3)], failure_mode_id=7)
    no_alerts = pd.DataFrame()  # what an empty queryset gives
    [pattern] = recurring_patterns(fails, no_alerts, pms)
    assert pattern["onset_weeks"] == [9, 9, 9]
    assert pattern["recommended_weeks"] == 7
    for evidence in pattern["evidence"]:
        assert evidence["onset"] == evidence["failure"]
        assert evidence["onset_source"] == "failure"
        assert "no alert" in evidence["note"]


def test_onset_at_or_after_the_usual_interval_is_not_consistent():
    # PMs at weeks 0, 12, 25, 38, 51, 63, 75, 87: gaps 12, 13, 13, 13, 12, 12, 12,
    # sorted 12 12 12 12 13 13 13 → median T = 12, but three cycles last 13 weeks.
    pms = pm_every(0, 0, offsets=[0, 12, 25, 38, 51, 63, 75, 87])
    starts = [START + w * WEEK for w in (12, 25, 38)]  # three 13-week cycles
    # Alerts 86 d in: ⌈12.29⌉ = 13, failures 88 d in (still before the next PM at 91 d).
    alerts = frame(1, "detected_at", [s + 86 * DAY for s in starts])
    fails = frame(1, "started_at", [s + 88 * DAY for s in starts], failure_mode_id=7)
    assert recurring_patterns(fails, alerts, pms) == []
    [pattern] = recurring_patterns(fails, alerts, pms, include_inconsistent=True)
    assert pattern["interval_weeks"] == 12
    assert pattern["onset_weeks"] == [13, 13, 13]
    assert pattern["consistent"] is False and "not before" in pattern["reason"]


def test_failures_before_the_first_pm_cannot_be_placed():
    pms = pm_every(12, 6)
    alerts = frame(1, "detected_at", [cycle(i) + 51 * DAY for i in (1, 2, 3)])
    early = [START - 3 * DAY]
    placed = [cycle(i) + 70 * DAY for i in (1, 2, 3)]
    fails = frame(1, "started_at", early + placed, failure_mode_id=7)
    [pattern] = recurring_patterns(fails, alerts, pms)
    assert pattern["occurrences"] == 4 and pattern["unplaced_failures"] == 1
    assert pattern["onset_weeks"] == [8, 8, 8]
    # Only two placeable failures left: no pattern.
    assert (
        recurring_patterns(
            frame(1, "started_at", early + placed[:2], failure_mode_id=7), alerts, pms
        )
        == []
    )


def test_one_alert_is_not_the_onset_of_two_failures_in_a_cycle():
    pms = pm_every(12, 6)
    alerts = frame(1, "detected_at", [cycle(i) + 51 * DAY for i in (1, 2, 3)])
    # Cycle 1 fails at 60 d and again at 75 d: the second has no alert of its own,
    # so it is its own onset, ⌈75/7⌉ = ⌈10.71⌉ = 11 → weeks 8, 11, 8, 8 → inconsistent.
    instants = [cycle(1) + 60 * DAY, cycle(1) + 75 * DAY, cycle(2) + 60 * DAY, cycle(3) + 60 * DAY]
    fails = frame(1, "started_at", instants, failure_mode_id=7)
    [pattern] = recurring_patterns(fails, alerts, pms, include_inconsistent=True)
    assert pattern["onset_weeks"] == [8, 11, 8, 8]
    assert pattern["evidence"][1]["onset_source"] == "failure"
    assert pattern["consistent"] is False


def test_inputs_are_checked_and_empty_inputs_give_nothing():
    assert recurring_patterns(pd.DataFrame(), pd.DataFrame(), pd.DataFrame()) == []
    with pytest.raises(ValueError, match="failure_mode_id"):
        recurring_patterns(
            pd.DataFrame({"asset_id": [1], "started_at": [START]}), pd.DataFrame(), pd.DataFrame()
        )

"""Maturity dimensions, composite, risk tier and gaps to standard (SPEC §3, §4).

Plain pytest, no database: every case is worked by hand in the comments.
"""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.frames import ScoringError
from scores.figures import maturity as m

STANDARD = {
    "min_cm_coverage_tier1": 0.90,
    "min_changeover_utilization": 0.80,
    "target_penalty_events_2q": 0,
    "tolerated_penalty_events_2q": 2,
    "gap_closure_days": 180,
    "weight_cm_coverage": 0.25,
    "weight_changeover": 0.25,
    "weight_mtbf_trend": 0.25,
    "weight_penalty_frequency": 0.25,
}
AS_OF = dt.date(2026, 9, 30)


# --------------------------------------------------------------------------- dimensions


@pytest.mark.parametrize(
    ("coverage", "expected"),
    [(0.9, 90.0), (1, 100.0), (0, 0.0), (0.75, 75.0), (Decimal("0.825"), 82.5)],
)
def test_cm_coverage_score_is_100_times_coverage(coverage, expected):
    assert m.cm_coverage_score(coverage) == pytest.approx(expected)


@pytest.mark.parametrize("coverage", [None, float("nan"), np.nan])
def test_cm_coverage_unknown_stays_unknown(coverage):
    assert m.cm_coverage_score(coverage) is None


@pytest.mark.parametrize("coverage", [-0.1, 1.01])
def test_cm_coverage_outside_0_1_is_a_bug(coverage):
    with pytest.raises(ValueError):
        m.cm_coverage_score(coverage)


@pytest.mark.parametrize(
    ("utilization", "expected"),
    [
        (0.68, 68.0),  # 100 × 0.68
        (0.8, 80.0),
        (1.0, 100.0),
        (1.3, 100.0),  # 100 × min(1.3, 1): overrunning scores no more than filling
        (0, 0.0),
    ],
)
def test_changeover_score(utilization, expected):
    assert m.changeover_score(utilization) == pytest.approx(expected)


def test_a_value_that_is_not_a_number_is_named():
    with pytest.raises(ScoringError, match="coverage must be a number, got 'most'"):
        m.cm_coverage_score("most")
    with pytest.raises(ScoringError, match="events must be a number"):
        m.penalty_frequency_score([1], 0, 2)


def test_changeover_unknown_and_invalid():
    assert m.changeover_score(None) is None
    assert m.changeover_score(float("nan")) is None
    with pytest.raises(ValueError):
        m.changeover_score(-0.01)
    with pytest.raises(ValueError):
        m.changeover_score(float("inf"))


@pytest.mark.parametrize(
    ("pct", "expected"),
    [
        (-20, 0.0),  # 50 + 2.5 × −20 = 0
        (-35, 0.0),  # 50 − 87.5 → clipped to 0
        (-8, 30.0),  # 50 + 2.5 × −8 = 30
        (0, 50.0),
        (10, 75.0),  # 50 + 2.5 × 10 = 75
        (20, 100.0),
        (35, 100.0),  # clipped
        (float("inf"), 100.0),
        (float("-inf"), 0.0),
        (np.float64(4.0), 60.0),  # 50 + 10
    ],
)
def test_mtbf_trend_score_linear(pct, expected):
    assert m.mtbf_trend_score(pct) == pytest.approx(expected)


def test_mtbf_trend_unknown():
    assert m.mtbf_trend_score(None) is None
    assert m.mtbf_trend_score(float("nan")) is None


@pytest.mark.parametrize(
    ("events", "target", "tolerated", "expected"),
    [
        # defaults T=0, L=2: 100 − 50 × e/2 up to L, then 50 − 50 × (e − 2)/(4 − 2)
        (0, 0, 2, 100.0),
        (1, 0, 2, 75.0),
        (2, 0, 2, 50.0),
        (3, 0, 2, 25.0),
        (4, 0, 2, 0.0),
        (9, 0, 2, 0.0),  # clipped
        # T=1, L=3: e ≤ 1 → 100; e=2 → 100 − 50 × 1/2 = 75; e=3 → 50;
        # beyond: zero at 6, e=4 → 50 − 50 × 1/3 = 33.33
        (1, 1, 3, 100.0),
        (2, 1, 3, 75.0),
        (3, 1, 3, 50.0),
        (4, 1, 3, 50 - 50 / 3),
        (6, 1, 3, 0.0),
        # tolerated 0: zero at L + 1 = 1
        (0, 0, 0, 100.0),
        (1, 0, 0, 0.0),
        (5, 0, 0, 0.0),
        # T = L = 2: e=2 → 100 (≤ target wins), e=3 → 50 − 50 × 1/(4 − 2) = 25, e=4 → 0
        (2, 2, 2, 100.0),
        (3, 2, 2, 25.0),
        (4, 2, 2, 0.0),
        # T=0, L=1: e=1 → 50, zero at 2
        (1, 0, 1, 50.0),
        (2, 0, 1, 0.0),
        (np.int64(1), 0, 2, 75.0),
    ],
)
def test_penalty_frequency_score(events, target, tolerated, expected):
    assert m.penalty_frequency_score(events, target, tolerated) == pytest.approx(expected)


def test_penalty_frequency_unknown_and_invalid():
    assert m.penalty_frequency_score(None, 0, 2) is None
    assert m.penalty_frequency_score(float("nan"), 0, 2) is None
    with pytest.raises(ValueError):
        m.penalty_frequency_score(-1, 0, 2)
    with pytest.raises(ValueError):
        m.penalty_frequency_score(1, 3, 2)  # target above tolerated


def test_dimension_scores_maps_inputs_to_scores():
    inputs = {
        "cm_coverage": 0.75,  # → 75
        "changeover_utilization": 0.68,  # → 68
        "mtbf_trend_pct": -4.0,  # → 50 − 10 = 40
        "penalty_events_2q": 1,  # → 75
        "alert_response_median_hours": 3.0,  # ignored here
    }
    scores = m.dimension_scores(inputs, STANDARD)
    assert scores == pytest.approx(
        {"cm_coverage": 75.0, "changeover": 68.0, "mtbf_trend": 40.0, "penalty_frequency": 75.0}
    )


def test_dimension_scores_missing_and_none_inputs_are_unknown():
    scores = m.dimension_scores({"cm_coverage": None, "changeover_utilization": 0.9}, STANDARD)
    assert scores == {
        "cm_coverage": None,
        "changeover": pytest.approx(90.0),
        "mtbf_trend": None,
        "penalty_frequency": None,
    }


def test_dimension_scores_uses_the_standards_penalty_bars():
    # T=1, L=3, 2 events → 75; with the default T=0, L=2 it would be 50.
    standard = {**STANDARD, "target_penalty_events_2q": 1, "tolerated_penalty_events_2q": 3}
    assert m.dimension_scores({"penalty_events_2q": 2}, standard)["penalty_frequency"] == 75.0


# --------------------------------------------------------------------------- composite


def test_composite_equal_weights_is_the_mean():
    scores = {"cm_coverage": 90, "changeover": 68, "mtbf_trend": 40, "penalty_frequency": 50}
    # (90 + 68 + 40 + 50) / 4 = 62
    assert m.composite(scores, STANDARD) == pytest.approx(62.0)


def test_composite_unequal_weights():
    standard = {
        **STANDARD,
        "weight_cm_coverage": 0.4,
        "weight_changeover": 0.3,
        "weight_mtbf_trend": 0.2,
        "weight_penalty_frequency": 0.1,
    }
    scores = {"cm_coverage": 90, "changeover": 68, "mtbf_trend": 40, "penalty_frequency": 50}
    # 0.4×90 + 0.3×68 + 0.2×40 + 0.1×50 = 36 + 20.4 + 8 + 5 = 69.4 (weights sum to 1)
    assert m.composite(scores, standard) == pytest.approx(69.4)


def test_composite_renormalises_over_known_dimensions():
    standard = {
        **STANDARD,
        "weight_cm_coverage": 0.4,
        "weight_changeover": 0.3,
        "weight_mtbf_trend": 0.2,
        "weight_penalty_frequency": 0.1,
    }
    scores = {"cm_coverage": 90, "changeover": 68, "mtbf_trend": None, "penalty_frequency": 50}
    # (0.4×90 + 0.3×68 + 0.1×50) / (0.4 + 0.3 + 0.1) = (36 + 20.4 + 5) / 0.8 = 76.75
    assert m.composite(scores, standard) == pytest.approx(76.75)
    # a NaN or an absent key is unknown too
    assert m.composite({**scores, "mtbf_trend": float("nan")}, standard) == pytest.approx(76.75)
    del scores["mtbf_trend"]
    assert m.composite(scores, standard) == pytest.approx(76.75)


def test_composite_weights_any_scale_and_decimal():
    # weights 1, 1, 2, 0 (Decimal, as stored): (1×80 + 1×60 + 2×50 + 0×0) / 4 = 60
    standard = {
        **STANDARD,
        "weight_cm_coverage": Decimal("1"),
        "weight_changeover": Decimal("1"),
        "weight_mtbf_trend": Decimal("2"),
        "weight_penalty_frequency": Decimal("0"),
    }
    scores = {"cm_coverage": 80, "changeover": 60, "mtbf_trend": 50, "penalty_frequency": 0}
    assert m.composite(scores, standard) == pytest.approx(60.0)


def test_composite_none_when_nothing_known():
    assert m.composite({}, STANDARD) is None
    assert m.composite({k: None for k in m.DIMENSIONS}, STANDARD) is None


def test_composite_none_when_known_dimensions_weigh_zero():
    standard = {**STANDARD, "weight_cm_coverage": 0, "weight_changeover": 0}
    scores = {"cm_coverage": 90, "changeover": 68, "mtbf_trend": None, "penalty_frequency": None}
    assert m.composite(scores, standard) is None
    # one zero weight among known ones just drops it: (40 + 50) / 2 = 45
    scores = {"cm_coverage": 90, "changeover": 68, "mtbf_trend": 40, "penalty_frequency": 50}
    assert m.composite(scores, standard) == pytest.approx(45.0)


def test_composite_rejects_negative_weight():
    with pytest.raises(ValueError):
        m.composite({"cm_coverage": 50}, {**STANDARD, "weight_cm_coverage": -0.1})


# --------------------------------------------------------------------------- risk tier


@pytest.mark.parametrize(
    ("composite", "exposure", "tier"),
    [
        (45, 0, "high"),  # composite < 50
        (80, 300_000, "high"),  # exposure ≥ 250,000
        (80, 250_000, "high"),  # boundary: ≥
        (50, 0, "medium"),  # 50 is not < 50; 50 < 75
        (70, 10_000, "medium"),
        (90, 60_000, "medium"),  # exposure ≥ 50,000
        (90, 50_000, "medium"),  # boundary
        (75, 49_999, "low"),  # 75 is not < 75
        (90, 10_000, "low"),
        (None, 300_000, "high"),  # exposure alone
        (None, 60_000, "medium"),
        (None, 10_000, "low"),
        (45, None, "high"),  # composite alone
        (70, None, "medium"),
        (90, None, "low"),
        (None, None, "medium"),  # unknown is not low
        (float("nan"), float("nan"), "medium"),
        (90, Decimal("260000.00"), "high"),
    ],
)
def test_risk_tier(composite, exposure, tier):
    assert m.risk_tier(composite, exposure) == tier


def test_risk_tier_thresholds_are_module_constants():
    assert (m.HIGH_COMPOSITE_BELOW, m.MEDIUM_COMPOSITE_BELOW) == (50, 75)
    assert (m.HIGH_EXPOSURE_FROM, m.MEDIUM_EXPOSURE_FROM) == (250_000, 50_000)


def test_explain_risk_tier_says_why_unknown_is_medium():
    result = m.explain_risk_tier(None, None)
    assert result["tier"] == "medium"
    assert "unknown is not low" in result["reason"]
    assert "composite" in m.explain_risk_tier(45, 0)["reason"]
    assert "exposure" in m.explain_risk_tier(90, 300_000)["reason"]


# --------------------------------------------------------------------------- gaps


def test_gaps_below_minimum_and_above_maximum():
    values = {
        "cm_coverage": 0.75,  # 0.90 − 0.75 = 0.15 short
        "changeover_utilization": 0.85,  # meets 0.80: no gap
        "mtbf_trend_pct": -10,  # no bar in the standard: never a gap
        "penalty_events_2q": 3,  # 3 − 2 = 1 event over
    }
    gaps = m.gaps_to_standard(values, STANDARD, AS_OF)
    # 2026-09-30 + 180 days: Oct 1 … Oct 31 = 31, Nov 30 → 61, Dec 31 → 92, Jan 31 → 123,
    # Feb 28 → 151, Mar 29 → 180  ⇒ 2027-03-29 (across the year end)
    deadline = dt.date(2027, 3, 29)
    assert gaps == [
        {
            "dimension": "cm_coverage",
            "status": "gap",
            "value": 0.75,
            "minimum": 0.90,
            "shortfall": pytest.approx(0.15),
            "deadline": deadline,
        },
        {
            "dimension": "penalty_events_2q",
            "status": "gap",
            "value": 3,
            "maximum": 2.0,
            "shortfall": pytest.approx(1.0),
            "deadline": deadline,
        },
    ]
    assert isinstance(gaps[1]["value"], int)


def test_gaps_meeting_a_bar_exactly_is_not_a_gap():
    values = {"cm_coverage": 0.9, "changeover_utilization": 0.8, "penalty_events_2q": 2}
    assert m.gaps_to_standard(values, STANDARD, AS_OF) == []


def test_gap_deadline_counts_from_below_since_across_year_end():
    standard = {**STANDARD, "gap_closure_days": 30}
    values = {"cm_coverage": 0.95, "changeover_utilization": 0.5, "penalty_events_2q": 0}
    # below since 2025-12-15: + 30 days = Dec 16…31 (16 days) + Jan 1…14 (14) = 2026-01-14
    gaps = m.gaps_to_standard(
        values,
        standard,
        dt.date(2026, 1, 2),
        below_since={"changeover_utilization": dt.date(2025, 12, 15)},
    )
    assert [(g["dimension"], g["deadline"]) for g in gaps] == [
        ("changeover_utilization", dt.date(2026, 1, 14))
    ]
    assert gaps[0]["shortfall"] == pytest.approx(0.3)  # 0.8 − 0.5
    # no entry for the dimension in below_since → from as_of: 2026-01-02 + 30 = 2026-02-01
    gaps = m.gaps_to_standard(
        values, standard, dt.date(2026, 1, 2), below_since={"cm_coverage": dt.date(2025, 1, 1)}
    )
    assert gaps[0]["deadline"] == dt.date(2026, 2, 1)


def test_gaps_alert_response_only_when_keys_present_in_both():
    standard = {
        **STANDARD,
        "max_alert_response_median_hours": Decimal("4"),
        "max_alert_response_p90_hours": Decimal("24"),
    }
    values = {
        "cm_coverage": 0.95,
        "changeover_utilization": 0.9,
        "penalty_events_2q": 0,
        "alert_response_median_hours": 6.5,  # 6.5 − 4 = 2.5 h over
        "alert_response_p90_hours": 20.0,  # within 24 h
    }
    gaps = m.gaps_to_standard(values, standard, AS_OF)
    assert len(gaps) == 1
    assert gaps[0]["dimension"] == "alert_response_median_hours"
    assert gaps[0]["maximum"] == 4.0
    assert gaps[0]["shortfall"] == pytest.approx(2.5)
    # the standard without the response bars: not checked at all
    assert m.gaps_to_standard(values, STANDARD, AS_OF) == []
    # values without the response keys: not checked, and not "unknown" either
    del values["alert_response_median_hours"], values["alert_response_p90_hours"]
    assert m.gaps_to_standard(values, standard, AS_OF) == []


def test_gaps_unknown_values_are_listed_apart_after_the_gaps():
    standard = {**STANDARD, "max_alert_response_p90_hours": 24}
    values = {
        "cm_coverage": None,
        "changeover_utilization": 0.5,
        "penalty_events_2q": float("nan"),
        "alert_response_p90_hours": None,
    }
    gaps = m.gaps_to_standard(values, standard, AS_OF)
    assert [(g["dimension"], g["status"]) for g in gaps] == [
        ("changeover_utilization", "gap"),
        ("cm_coverage", "unknown"),
        ("penalty_events_2q", "unknown"),
        ("alert_response_p90_hours", "unknown"),
    ]
    unknown = gaps[1]
    assert unknown == {
        "dimension": "cm_coverage",
        "status": "unknown",
        "value": None,
        "minimum": 0.9,
        "shortfall": None,
        "deadline": None,
    }
    assert gaps[2]["maximum"] == 2.0


def test_gaps_missing_core_value_is_unknown():
    gaps = m.gaps_to_standard({"cm_coverage": 0.95}, STANDARD, AS_OF)
    assert [(g["dimension"], g["status"]) for g in gaps] == [
        ("changeover_utilization", "unknown"),
        ("penalty_events_2q", "unknown"),
    ]


# --------------------------------------------------------------------------- properties

fractions = st.floats(min_value=0, max_value=1, allow_nan=False)
maybe = st.one_of(st.none(), st.just(float("nan")))


@given(
    coverage=st.one_of(maybe, fractions),
    utilization=st.one_of(maybe, st.floats(min_value=0, max_value=10, allow_nan=False)),
    trend=st.one_of(maybe, st.floats(allow_nan=False)),
    events=st.one_of(st.none(), st.integers(min_value=0, max_value=1000)),
    target=st.integers(min_value=0, max_value=10),
    extra=st.integers(min_value=0, max_value=10),
    weights=st.lists(st.floats(min_value=0, max_value=1e6), min_size=4, max_size=4),
)
def test_scores_and_composite_stay_within_0_100(
    coverage, utilization, trend, events, target, extra, weights
):
    standard = {
        **STANDARD,
        "target_penalty_events_2q": target,
        "tolerated_penalty_events_2q": target + extra,
        **{
            weight_key: w for (_, weight_key), w in zip(m.DIMENSIONS.values(), weights, strict=True)
        },
    }
    inputs = {
        "cm_coverage": coverage,
        "changeover_utilization": utilization,
        "mtbf_trend_pct": trend,
        "penalty_events_2q": events,
    }
    scores = m.dimension_scores(inputs, standard)
    for name, (input_key, _) in m.DIMENSIONS.items():
        raw = inputs[input_key]
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            assert scores[name] is None  # unknown propagates, never 0
        else:
            assert 0 <= scores[name] <= 100
    value = m.composite(scores, standard)
    assert value is None or 0 <= value <= 100
    known = [s for s in scores.values() if s is not None]
    if not known:
        assert value is None
    if value is not None:  # a weighted mean lies between the extremes
        assert min(known) - 1e-9 <= value <= max(known) + 1e-9
    assert m.risk_tier(value, None) in {"high", "medium", "low"}


@given(
    scores=st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=100)), min_size=4, max_size=4
    ),
    weight=st.floats(min_value=1e-6, max_value=1e6),
)
def test_composite_with_equal_weights_is_the_plain_mean(scores, weight):
    standard = {**STANDARD, **{key: weight for _, key in m.DIMENSIONS.values()}}
    value = m.composite(dict(zip(m.DIMENSIONS, scores, strict=True)), standard)
    known = [s for s in scores if s is not None]
    if not known:
        assert value is None
    else:
        assert value == pytest.approx(sum(known) / len(known), rel=1e-9, abs=1e-9)


@given(
    events=st.integers(min_value=0, max_value=200),
    target=st.integers(min_value=0, max_value=20),
    extra=st.integers(min_value=0, max_value=20),
)
def test_penalty_frequency_never_rises_with_more_events(events, target, extra):
    tolerated = target + extra
    now = m.penalty_frequency_score(events, target, tolerated)
    later = m.penalty_frequency_score(events + 1, target, tolerated)
    assert 0 <= later <= now <= 100

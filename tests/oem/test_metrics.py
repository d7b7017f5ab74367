"""OEM figures (oem.metrics): exposure, scorecard projection, SDP probability, warnings.

Pure functions, no database: each test works a tiny case by hand (arithmetic in comments).
"""

import math
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oem.metrics import (
    ScoringError,
    addressable_exposure,
    early_warnings,
    penalty_events,
    penalty_exposure,
    quarterly_exposure,
    revenue_at_risk,
    scorecard_projection,
    sdp_probability,
)

AS_OF = date(2026, 6, 30)  # window (2025-06-30, 2026-06-30]
PHI_1 = 0.8413447460685429  # Φ(1)


def penalties(rows, detectable=False):
    columns = ["penalty_id", "relationship_id", "incurred_on", "amount"]
    if detectable:
        columns.append("detectable")
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture
def year_of_penalties():
    return penalties(
        [
            ("P1", 1, date(2025, 6, 30), 1000.0, True),  # on window_start: excluded
            ("P2", 1, date(2025, 7, 1), 2000.0, True),  # first day of the window
            ("P3", 2, date(2026, 3, 15), 5000.0, None),  # not linked to a failure
            ("P4", 1, date(2026, 6, 30), 3000.0, True),  # on as_of: included
            ("P5", 2, date(2026, 7, 1), 7000.0, True),  # after as_of: excluded
        ],
        detectable=True,
    )


# --- penalty_exposure ---------------------------------------------------------------------


def test_exposure_sums_the_trailing_year_with_its_edges(year_of_penalties):
    """(as_of − 365, as_of]: P2 + P3 + P4 = 2000 + 5000 + 3000 = 10000;
    relationship 1 = 2000 + 3000 = 5000, relationship 2 = 5000."""
    result = penalty_exposure(year_of_penalties, AS_OF)

    assert result["total"] == 10000.0
    assert result["events"] == 3
    assert result["window_start"] == date(2025, 6, 30)
    assert result["window_end"] == AS_OF
    assert result["first_day"] == date(2025, 7, 1)
    assert result["annualized"] is False
    assert result["days_of_history"] == 365
    by_relationship = result["by_relationship"]
    assert by_relationship.index.name == "relationship_id"
    assert by_relationship.loc[1, "exposure"] == 5000.0
    assert by_relationship.loc[1, "events"] == 2
    assert by_relationship.loc[2, "exposure"] == 5000.0
    assert by_relationship.loc[2, "events"] == 1
    assert by_relationship["exposure"].sum() == result["total"]


def test_exposure_is_annualized_when_history_is_shorter_than_a_year():
    """History 2026-01-01..2026-06-30 = 31+28+31+30+31+30 = 181 days; 8000 × 365 ÷ 181."""
    frame = penalties([("P3", 2, date(2026, 3, 15), 5000.0), ("P4", 1, date(2026, 6, 30), 3000.0)])

    result = penalty_exposure(frame, AS_OF, history_start=date(2026, 1, 1))

    assert result["annualized"] is True
    assert result["days_of_history"] == 181
    assert result["first_day"] == date(2026, 1, 1)
    assert result["total"] == pytest.approx(8000 * 365 / 181)  # 16132.60
    assert result["events"] == 2  # events are never annualised
    by_relationship = result["by_relationship"]
    assert by_relationship.loc[2, "exposure"] == pytest.approx(5000 * 365 / 181)
    assert by_relationship.loc[1, "exposure"] == pytest.approx(3000 * 365 / 181)
    assert by_relationship["exposure"].sum() == result["total"]


def test_history_reaching_the_window_start_is_not_annualized():
    """history_start on the window's first day (2025-07-01) covers 365 days; a day later, 364."""
    frame = penalties([("P4", 1, date(2026, 6, 30), 3650.0)])

    full = penalty_exposure(frame, AS_OF, history_start=date(2025, 7, 1))
    older = penalty_exposure(frame, AS_OF, history_start=date(2020, 1, 1))
    short = penalty_exposure(frame, AS_OF, history_start=date(2025, 7, 2))

    assert (full["annualized"], full["total"]) == (False, 3650.0)
    assert (older["annualized"], older["total"]) == (False, 3650.0)
    assert short["annualized"] is True
    assert short["days_of_history"] == 364
    assert short["total"] == pytest.approx(3650 * 365 / 364)


def test_a_penalty_before_history_start_extends_the_history():
    """history_start 2026-01-01 but an invoice on 2025-12-01: 31 + 181 = 212 days counted."""
    frame = penalties([("P1", 1, date(2025, 12, 1), 1000.0), ("P2", 1, date(2026, 2, 1), 1120.0)])

    result = penalty_exposure(frame, AS_OF, history_start=date(2026, 1, 1))

    assert result["first_day"] == date(2025, 12, 1)
    assert result["days_of_history"] == 212
    assert result["total"] == pytest.approx(2120 * 365 / 212)  # 3650.0


def test_one_day_of_history_and_no_history():
    """history_start == as_of is one day (× 365); a history starting after as_of has 0 days."""
    one_day = penalty_exposure(penalties([("P1", 1, AS_OF, 10.0)]), AS_OF, history_start=AS_OF)
    none = penalty_exposure(penalties([]), AS_OF, history_start=date(2026, 7, 1))

    assert one_day["days_of_history"] == 1
    assert one_day["total"] == pytest.approx(3650.0)
    assert none["days_of_history"] == 0
    assert none["annualized"] is True
    assert none["total"] is None
    assert none["events"] == 0


def test_a_site_with_no_penalties_has_zero_exposure():
    """Empty frame (with or without columns): total 0, no events, empty by_relationship."""
    for frame in (pd.DataFrame(), penalties([])):
        result = penalty_exposure(frame, AS_OF)
        assert result["total"] == 0.0
        assert result["events"] == 0
        assert result["by_relationship"].empty
        assert list(result["by_relationship"].columns) == ["exposure", "events"]


def test_exposure_accepts_decimals_and_date_strings():
    """What the ORM hands over: Decimal amounts; strings and datetimes for dates."""
    frame = penalties(
        [("P1", 1, "2026-01-10", Decimal("1000.50")), ("P2", 1, date(2026, 2, 1), Decimal("99.50"))]
    )

    assert penalty_exposure(frame, pd.Timestamp("2026-06-30 18:00"))["total"] == 1100.0


def test_exposure_does_not_depend_on_row_order_or_ids():
    """Re-sent invoices (new ids, reversed order) give bit-identical figures."""
    amounts = [0.1, 0.2, 0.3, 1e6 + 0.07, 0.01, 123.45]
    frame = penalties(
        [(i, 1 + i % 2, date(2026, 3, 1), a, i % 3 == 0) for i, a in enumerate(amounts)],
        detectable=True,
    )
    resent = frame.iloc[::-1].assign(penalty_id=range(100, 100 + len(frame)))

    first, again = penalty_exposure(frame, AS_OF), penalty_exposure(resent, AS_OF)

    assert first["total"] == again["total"]
    assert first["by_relationship"].equals(again["by_relationship"])
    assert (
        addressable_exposure(frame, AS_OF, 0.8)["addressable"]
        == addressable_exposure(resent, AS_OF, 0.8)["addressable"]
    )


def test_exposure_refuses_a_frame_without_amounts():
    frame = pd.DataFrame({"penalty_id": [1], "relationship_id": [1], "incurred_on": [AS_OF]})

    with pytest.raises(ScoringError, match="amount"):
        penalty_exposure(frame, AS_OF)


# --- addressable_exposure -------------------------------------------------------------------


def test_addressable_exposure_counts_detectable_penalties(year_of_penalties):
    """Detectable in window: P2 2000 + P4 3000 = 5000; × 0.8 = 4000; share 5000 ÷ 10000."""
    result = addressable_exposure(year_of_penalties, AS_OF, 0.8)

    assert result["addressable"] == 5000.0
    assert result["avoidable"] == 4000.0
    assert result["share"] == 0.5
    assert result["penalty_ids"] == ["P2", "P4"]
    assert result["total"] == 10000.0
    assert result["events"] == 2


def test_addressable_exposure_is_annualized_like_exposure():
    """181 days of history: addressable 3000 × 365 ÷ 181; share 3000 ÷ 8000 = 0.375."""
    frame = penalties(
        [("P3", 2, date(2026, 3, 15), 5000.0, False), ("P4", 1, date(2026, 6, 30), 3000.0, True)],
        detectable=True,
    )

    result = addressable_exposure(frame, AS_OF, 0.8, history_start=date(2026, 1, 1))

    assert result["annualized"] is True
    assert result["addressable"] == pytest.approx(3000 * 365 / 181)
    assert result["avoidable"] == pytest.approx(3000 * 365 / 181 * 0.8)
    assert result["share"] == pytest.approx(0.375)
    assert result["penalty_ids"] == ["P4"]


def test_addressable_exposure_without_penalties_or_history():
    empty = addressable_exposure(pd.DataFrame(), AS_OF, 0.8)
    no_history = addressable_exposure(pd.DataFrame(), AS_OF, 0.8, history_start=date(2027, 1, 1))

    assert (empty["addressable"], empty["avoidable"], empty["share"]) == (0.0, 0.0, None)
    assert empty["penalty_ids"] == []
    assert (no_history["addressable"], no_history["share"]) == (None, None)


def test_addressable_exposure_validates_its_inputs(year_of_penalties):
    with pytest.raises(ScoringError, match="expected_reduction"):
        addressable_exposure(year_of_penalties, AS_OF, 1.5)
    with pytest.raises(ScoringError, match="detectable"):
        addressable_exposure(year_of_penalties.drop(columns="detectable"), AS_OF, 0.8)


# --- penalty_events and quarterly_exposure --------------------------------------------------


def test_penalty_events_counts_the_current_and_previous_quarter():
    """as_of 2026-05-10, 2 quarters → 2026-01-01..2026-05-10: the two middle dates."""
    frame = penalties(
        [
            ("P1", 1, date(2025, 12, 31), 1.0),
            ("P2", 1, date(2026, 1, 1), 1.0),
            ("P3", 2, date(2026, 5, 10), 1.0),
            ("P4", 2, date(2026, 5, 11), 1.0),  # after as_of
        ]
    )
    as_of = date(2026, 5, 10)

    assert penalty_events(frame, as_of) == 2
    assert penalty_events(frame, as_of, quarters=1) == 1  # 2026-04-01..2026-05-10
    assert penalty_events(frame, as_of, quarters=3) == 3  # from 2025-10-01
    assert penalty_events(frame, date(2026, 2, 15)) == 2  # 2025-10-01..2026-02-15
    assert penalty_events(pd.DataFrame(), as_of) == 0
    with pytest.raises(ScoringError):
        penalty_events(frame, as_of, quarters=0)


def test_quarterly_exposure_uses_complete_quarters():
    """as_of 2026-05-10: last complete quarter 2026Q1; 2025Q4 = 100 + 50, 2026Q1 = 300."""
    frame = penalties(
        [
            ("P1", 1, date(2025, 10, 1), 100.0),
            ("P2", 1, date(2025, 12, 31), 50.0),
            ("P3", 1, date(2026, 3, 31), 300.0),
            ("P4", 1, date(2026, 5, 1), 999.0),  # current, incomplete quarter
        ]
    )

    complete = quarterly_exposure(frame, date(2026, 5, 10), quarters=3)
    to_date = quarterly_exposure(frame, date(2026, 5, 10), quarters=2, complete_only=False)
    quarter_end = quarterly_exposure(frame, date(2026, 3, 31), quarters=2)

    assert complete.to_dict() == {"2025Q3": 0.0, "2025Q4": 150.0, "2026Q1": 300.0}
    assert to_date.to_dict() == {"2026Q1": 300.0, "2026Q2": 999.0}
    assert quarter_end.to_dict() == {"2025Q4": 150.0, "2026Q1": 300.0}


# --- scorecard_projection -------------------------------------------------------------------


def scores(rows):
    return pd.DataFrame(rows, columns=["year", "quarter", "score"])


DECLINE = scores([(2025, 4, 72.0), (2025, 1, 80.0), (2025, 3, 76.0), (2025, 2, 78.0)])


def test_projection_fits_a_least_squares_line():
    """x = 0..3, y = 80 78 76 72; x̄ 1.5, ȳ 76.5; Sxy = −13, Sxx = 5 → slope −2.6,
    intercept 76.5 + 3.9 = 80.4; fitted 80.4 77.8 75.2 72.6; residuals −.4 .2 .8 −.6,
    SSR 1.2, σ = √(1.2 ÷ 2) = 0.7746 < floor 2 → 2; projected at x = 3 + 4: 80.4 − 18.2 = 62.2."""
    result = scorecard_projection(DECLINE)

    assert result["slope_per_quarter"] == pytest.approx(-2.6)
    assert result["intercept"] == pytest.approx(80.4)
    assert result["projected"] == pytest.approx(62.2)
    assert result["residual_std"] == pytest.approx(math.sqrt(0.6))
    assert result["sigma"] == 2.0
    assert result["points"] == 4
    assert result["low_confidence"] is False
    assert result["last_score"] == 72.0
    assert (result["projected_year"], result["projected_quarter"]) == (2026, 4)
    assert [row[:3] for row in result["fitted"]] == [
        (2025, 1, 80.0),
        (2025, 2, 78.0),
        (2025, 3, 76.0),
        (2025, 4, 72.0),
    ]
    assert [row[3] for row in result["fitted"]] == pytest.approx([80.4, 77.8, 75.2, 72.6])
    assert scorecard_projection(DECLINE, sigma_floor=0.5)["sigma"] == pytest.approx(0.7746, 1e-4)


def test_projection_uses_the_last_max_points_quarters():
    """Ten quarters 2024Q1..2026Q2; the last 8 (2024Q3..) are a perfect 70 + 1 × x line."""
    rows = [(2024, 1, 0.0), (2024, 2, 0.0)] + [
        (2024 + (q + 2) // 4, (q + 2) % 4 + 1, 70.0 + q) for q in range(8)
    ]

    result = scorecard_projection(scores(rows), horizon_quarters=1)

    assert result["points"] == 8
    assert result["fitted"][0][:2] == (2024, 3)
    assert result["slope_per_quarter"] == pytest.approx(1.0)
    assert result["projected"] == pytest.approx(78.0)  # 70 + 8
    assert result["residual_std"] == pytest.approx(0.0, abs=1e-9)
    assert result["sigma"] == 2.0  # floor


def test_projection_keeps_calendar_gaps():
    """2025Q1 = 80, 2025Q3 = 76 (no Q2): x = 0, 2 → slope −2; one quarter on: 74."""
    result = scorecard_projection(scores([(2025, 1, 80.0), (2025, 3, 76.0)]), horizon_quarters=1)

    assert result["slope_per_quarter"] == pytest.approx(-2.0)
    assert result["projected"] == pytest.approx(74.0)
    assert result["low_confidence"] is True  # 2 < min_points 4
    assert result["residual_std"] is None  # undefined with 2 points
    assert result["sigma"] == 2.0


def test_projection_of_one_quarter_is_flat():
    result = scorecard_projection(scores([(2026, 1, 85.0)]))

    assert result["slope_per_quarter"] == 0.0
    assert result["intercept"] == result["projected"] == 85.0
    assert result["sigma"] == 2.0
    assert result["points"] == 1
    assert result["low_confidence"] is True
    assert result["fitted"] == [(2026, 1, 85.0, 85.0)]


def test_projection_without_scores_is_none():
    assert scorecard_projection(pd.DataFrame()) is None
    assert scorecard_projection(scores([(2026, 1, None)])) is None


def test_projection_refuses_two_scores_for_one_quarter():
    with pytest.raises(ScoringError, match="same quarter"):
        scorecard_projection(scores([(2026, 1, 80.0), (2026, 1, 81.0)]))


# --- sdp_probability ------------------------------------------------------------------------


def test_sdp_probability_is_the_normal_cdf():
    """Φ((70 − 66) ÷ 4) = Φ(1) = 0.841345; Φ(−1) = 0.158655; at the threshold ½."""
    assert sdp_probability(66, 70, 4) == pytest.approx(PHI_1, abs=1e-12)
    assert sdp_probability(74, 70, 4) == pytest.approx(1 - PHI_1, abs=1e-12)
    assert sdp_probability(70, 70, 2) == 0.5
    assert sdp_probability(Decimal("66"), Decimal("70.00"), 4.0) == pytest.approx(PHI_1)


def test_sdp_probability_without_spread_is_certain():
    assert sdp_probability(69.9, 70, 0) == 1.0
    assert sdp_probability(70, 70, 0) == 0.0
    with pytest.raises(ScoringError):
        sdp_probability(70, 70, -1)
    with pytest.raises(ScoringError):
        sdp_probability(float("nan"), 70, 2)


scores_st = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(a=scores_st, b=scores_st, threshold=scores_st, sigma=st.floats(0, 100))
def test_sdp_probability_is_a_probability_falling_with_the_projected_score(a, b, threshold, sigma):
    low, high = min(a, b), max(a, b)
    p_low, p_high = sdp_probability(low, threshold, sigma), sdp_probability(high, threshold, sigma)

    assert 0.0 <= p_low <= 1.0 and 0.0 <= p_high <= 1.0
    assert p_low >= p_high - 1e-15  # non-increasing (to one rounding of erfc)


# --- revenue_at_risk ------------------------------------------------------------------------


def relationships(rows):
    columns = ["relationship_id", "customer", "annual_revenue", "sdp_threshold_score", "status"]
    return pd.DataFrame(rows, columns=columns)


def scorecards(rows):
    return pd.DataFrame(rows, columns=["relationship_id", "year", "quarter", "score"])


# R1: 76 75 74 73 over 2025Q1..Q4 is an exact line (slope −1, σ = floor 2).
LINE = [(1, 2025, q, 77.0 - q) for q in range(1, 5)]


@pytest.fixture
def oem_book():
    rels = relationships(
        [
            (1, "Northway Motors", 18_000_000.0, 71.0, "preferred"),
            (2, "Kestrel", 2_000_000.0, 70.0, "approved"),  # one quarter, score 90
            (3, "Lumen", 1_000_000.0, float("nan"), "approved"),  # no threshold
            (4, "Orbis", 5_000_000.0, 70.0, "sdp"),  # already in SDP, no scorecards
            (5, "Vega", 3_000_000.0, 70.0, "conditional"),  # no scorecards
        ]
    )
    cards = scorecards([*LINE, (2, 2026, 1, 90.0), (3, 2025, 4, 50.0), (99, 2025, 1, 10.0)])
    return rels, cards


def test_revenue_at_risk_weights_revenue_by_sdp_probability(oem_book):
    """R1: projected 73 − 4 = 69, z = (71 − 69) ÷ 2 = 1 → 18M × Φ(1) = 15,144,205.43.
    R2 flat at 90: Φ((70 − 90) ÷ 2) = Φ(−10) ≈ 7.6e-24. R3 no threshold → None, 0.
    R4 status sdp → 1, 5M. R5 no scorecards → None, 0."""
    result = revenue_at_risk(*oem_book)

    assert list(result.index) == [1, 2, 3, 4, 5]
    r1 = result.loc[1]
    assert r1["customer"] == "Northway Motors"
    assert r1["projected"] == pytest.approx(69.0)
    assert r1["slope_per_quarter"] == pytest.approx(-1.0)
    assert r1["sigma"] == 2.0
    assert r1["points"] == 4
    assert r1["probability"] == pytest.approx(PHI_1)
    assert r1["revenue_at_risk"] == pytest.approx(18_000_000 * PHI_1)  # 15,144,205.43
    assert result.loc[2, "probability"] == pytest.approx(7.62e-24, rel=1e-2)
    assert result.loc[2, "points"] == 1
    assert result.loc[3, "probability"] is None
    assert result.loc[3, "revenue_at_risk"] == 0.0
    assert result.loc[4, "probability"] == 1.0
    assert result.loc[4, "revenue_at_risk"] == 5_000_000.0
    assert result.loc[4, "projected"] is None
    assert result.loc[4, "points"] == 0
    assert result.loc[5, "probability"] is None
    assert result.loc[5, "revenue_at_risk"] == 0.0
    assert result["revenue_at_risk"].sum() == pytest.approx(18e6 * PHI_1 + 5e6)


def test_revenue_at_risk_of_an_empty_book():
    result = revenue_at_risk(pd.DataFrame(), pd.DataFrame())

    assert result.empty
    assert result.index.name == "relationship_id"
    for column in ("customer", "annual_revenue", "probability", "revenue_at_risk", "points"):
        assert column in result.columns


relationship_st = st.tuples(
    st.floats(0, 1e9),  # annual revenue
    st.one_of(st.just(float("nan")), st.floats(0, 100)),  # threshold
    st.sampled_from(["preferred", "approved", "conditional", "sdp"]),
    st.lists(st.floats(0, 100), max_size=9),  # consecutive quarterly scores
)


@settings(max_examples=60, deadline=None)
@given(book=st.lists(relationship_st, max_size=5))
def test_revenue_at_risk_never_exceeds_revenue(book):
    rels = relationships(
        [(i, f"OEM {i}", rev, thr, status) for i, (rev, thr, status, _) in enumerate(book)]
    )
    cards = scorecards(
        [
            (i, 2024 + q // 4, q % 4 + 1, score)
            for i, (*_, series) in enumerate(book)
            for q, score in enumerate(series)
        ]
    )

    result = revenue_at_risk(rels, cards)

    assert result["revenue_at_risk"].sum() <= rels["annual_revenue"].sum() * (1 + 1e-12)
    assert (result["revenue_at_risk"] >= 0).all()
    for probability in result["probability"]:
        assert probability is None or 0.0 <= probability <= 1.0


# --- early_warnings -------------------------------------------------------------------------


def line_book(threshold, status="approved"):
    return relationships([(1, "Northway Motors", 18e6, threshold, status)]), scorecards(LINE)


def test_early_warning_when_the_projection_crosses_within_two_quarters():
    """Last score 73, slope −1: 72 next quarter, 71 in two."""
    in_two = early_warnings(*line_book(71.5))  # 71 < 71.5 at h = 2
    in_one = early_warnings(*line_book(72.5))  # 72 < 72.5 at h = 1

    assert len(in_two) == 1
    warning = in_two[0]
    assert warning["kind"] == "sdp_crossing"
    assert warning["relationship_id"] == 1
    assert warning["customer"] == "Northway Motors"
    assert warning["quarters_until"] == 2
    assert warning["projected"] == pytest.approx(71.0)
    assert (warning["projected_year"], warning["projected_quarter"]) == (2026, 2)
    assert in_one[0]["quarters_until"] == 1
    assert in_one[0]["projected"] == pytest.approx(72.0)


def test_no_early_warning_when_not_crossing_already_below_or_in_sdp():
    assert early_warnings(*line_book(71.0)) == []  # reaches 71 in two, not below
    assert early_warnings(*line_book(74.0)) == []  # last score 73 already below
    assert early_warnings(*line_book(72.5, status="sdp")) == []  # already in review
    assert early_warnings(*line_book(float("nan"))) == []
    one_quarter = scorecards([(1, 2026, 1, 72.6)])  # flat projection never crosses
    assert early_warnings(line_book(72.5)[0], one_quarter) == []
    assert early_warnings(pd.DataFrame(), pd.DataFrame()) == []


def test_early_warning_when_exposure_rose_last_quarter():
    """2026Q1 100 → 2026Q2 300: rise 200, +200 %."""
    rising = pd.Series([500.0, 100.0, 300.0], index=["2025Q4", "2026Q1", "2026Q2"])
    rels, cards = line_book(60.0)

    warnings = early_warnings(rels, cards, exposure_by_quarter=rising)

    assert warnings == [
        {
            "kind": "exposure_rising",
            "previous": 100.0,
            "latest": 300.0,
            "rise": 200.0,
            "rise_pct": 2.0,
            "quarter": "2026Q2",
            "previous_quarter": "2026Q1",
        }
    ]
    from_zero = early_warnings(rels, cards, pd.Series([0.0, 50.0], index=["a", "b"]))
    assert from_zero[0]["rise_pct"] is None
    for flat_or_falling in ([300.0, 300.0], [300.0, 100.0], [300.0], []):
        series = pd.Series(flat_or_falling, dtype=float)
        assert early_warnings(rels, cards, series) == []


def test_crossings_come_soonest_first_then_exposure():
    rels = relationships([(1, "Late", 18e6, 71.5, "approved"), (2, "Soon", 1e6, 72.5, "approved")])
    cards = scorecards(LINE + [(2, *row[1:]) for row in LINE])

    warnings = early_warnings(rels, cards, pd.Series([1.0, 2.0]))

    assert [(w["kind"], w.get("relationship_id")) for w in warnings] == [
        ("sdp_crossing", 2),
        ("sdp_crossing", 1),
        ("exposure_rising", None),
    ]

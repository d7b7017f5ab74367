"""Financial figures (scores.figures.finance): premium, value at risk, payback, priority.

Pure functions, no database: each test works a tiny case by hand (arithmetic in comments).
"""

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scores.figures.finance import (
    ScoringError,
    capital_priority,
    emergency_premium,
    expected_downtime_hours,
    financial_case,
    payback_months,
    production_value_at_risk,
)

Q1_START = datetime(2026, 1, 1, tzinfo=UTC)
Q1_END = datetime(2026, 4, 1, tzinfo=UTC)  # exclusive


# --- emergency_premium ----------------------------------------------------------------------


def emergency_orders():
    return pd.DataFrame(
        [
            ("W1", "emergency", "2026-01-01T00:00:00Z", 1000.0, 500.0),  # on window start: in
            ("W2", "emergency", "2026-04-01T00:00:00Z", 9000.0, 999.0),  # on window end: out
            ("W3", "corrective", "2026-02-01T08:00:00Z", 600.0, 100.0),  # not emergency
            ("W4", "Emergency", "2026-03-31T23:59:59Z", 2000.0, None),  # no labour cost
            ("W5", "emergency", None, 5000.0, 5000.0),  # still open
            ("W6", "emergency", "2026-04-01T00:30:00+01:00", 300.0, 0.0),  # 23:30 UTC: in
        ],
        columns=["work_order_id", "kind", "completed_at", "parts_cost", "labour_cost"],
    )


@pytest.fixture
def work_orders():
    return emergency_orders()


def test_emergency_premium_is_the_cost_above_planned(work_orders):
    """In [Q1 start, Q1 end): W1 1500 + W4 2000 + W6 300 = 3800; premium 3800 × (1 − 1/3)."""
    result = emergency_premium(work_orders, Q1_START, Q1_END, 3.0)

    assert result["cost"] == 3800.0
    assert result["premium"] == pytest.approx(3800 * 2 / 3)  # 2533.33
    assert result["planned_cost"] == pytest.approx(3800 / 3)
    assert result["count"] == 3
    assert result["work_order_ids"] == ["W1", "W6", "W4"]  # by completion time


def test_emergency_premium_with_factor_one_is_zero(work_orders):
    result = emergency_premium(work_orders, Q1_START, Q1_END, 1)

    assert result["cost"] == 3800.0
    assert result["premium"] == 0.0


def test_emergency_premium_reads_naive_bounds_as_utc_and_decimals():
    frame = pd.DataFrame(
        {
            "kind": ["emergency"],
            "completed_at": [datetime(2026, 1, 1, 0, 0, tzinfo=UTC)],
            "parts_cost": [Decimal("120.00")],
            "labour_cost": [Decimal("30.00")],
        }
    )

    result = emergency_premium(frame, date(2026, 1, 1), "2026-01-02", Decimal("3.0"))

    assert result["cost"] == 150.0
    assert result["premium"] == pytest.approx(100.0)  # 150 × (1 − 1/3)
    assert "work_order_ids" not in result


def test_emergency_premium_nets_credit_rows():
    """A reversal of 500 on W1's parts nets: 1500 − 500 + 2000 + 300 = 3300 (not refused)."""
    credit = pd.DataFrame(
        [("W1-CR", "emergency", "2026-01-02T00:00:00Z", -500.0, 0.0)],
        columns=["work_order_id", "kind", "completed_at", "parts_cost", "labour_cost"],
    )
    frame = pd.concat([emergency_orders(), credit], ignore_index=True)

    result = emergency_premium(frame, Q1_START, Q1_END, 3.0)

    assert result["cost"] == 3300.0
    assert result["premium"] == pytest.approx(2200.0)  # 3300 × (1 − 1/3)
    assert result["count"] == 4


def test_emergency_work_netting_to_a_credit_has_no_premium():
    """Only a credit in the window: cost −250, premium 0 (a credit avoids no emergency)."""
    frame = pd.DataFrame(
        [("emergency", "2026-02-01T00:00:00Z", -200.0, -50.0)],
        columns=["kind", "completed_at", "parts_cost", "labour_cost"],
    )

    result = emergency_premium(frame, Q1_START, Q1_END, 3.0)

    assert (result["cost"], result["premium"], result["count"]) == (-250.0, 0.0, 1)


def test_emergency_premium_without_work_orders():
    result = emergency_premium(pd.DataFrame(), Q1_START, Q1_END, 3.0)

    assert (result["cost"], result["premium"], result["count"]) == (0.0, 0.0, 0)


def test_emergency_premium_refuses_a_factor_below_one(work_orders):
    with pytest.raises(ScoringError, match="factor"):
        emergency_premium(work_orders, Q1_START, Q1_END, 0.5)
    with pytest.raises(ScoringError, match="window_end"):
        emergency_premium(work_orders, Q1_END, Q1_START, 3.0)


def test_emergency_premium_over_an_empty_window_is_zero(work_orders):
    # Unlike the reliability KPIs, a zero-length window is allowed: nothing completes in it.
    result = emergency_premium(work_orders, Q1_START, Q1_START, 3.0)

    assert (result["cost"], result["premium"], result["count"]) == (0.0, 0.0, 0)


# --- expected_downtime_hours ----------------------------------------------------------------


def failures(rows, columns=("asset_id", "started_at", "ended_at")):
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in ("started_at", "ended_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def test_expected_downtime_is_the_mean_per_distinct_event():
    """A1: 4 h and 2 h (event 1 repeated by a join) → 3 h, not 10 ÷ 3. A2: 1.5 h (open one
    left out). A3: only an open event → absent."""
    frame = failures(
        [
            ("A1", "2026-01-05 10:00", "2026-01-05 14:00"),
            ("A1", "2026-01-05 10:00", "2026-01-05 14:00"),  # same event, joined twice
            ("A1", "2026-02-01 06:00", "2026-02-01 08:00"),
            ("A2", "2026-01-07 00:00", None),
            ("A2", "2026-03-01 12:00", "2026-03-01 13:30"),
            ("A3", "2026-03-02 12:00", None),
        ]
    )

    result = expected_downtime_hours(frame)

    assert result.name == "expected_downtime_hours"
    assert result.index.name == "asset_id"
    assert result.to_dict() == {"A1": 3.0, "A2": 1.5}


def test_expected_downtime_dedupes_on_failure_event_id_when_given():
    """Two events of A1 starting at the same instant are distinct when their ids differ."""
    frame = failures(
        [
            (1, "A1", "2026-01-05 10:00", "2026-01-05 14:00"),
            (1, "A1", "2026-01-05 10:00", "2026-01-05 14:00"),
            (2, "A1", "2026-01-05 10:00", "2026-01-05 11:00"),
        ],
        columns=("failure_event_id", "asset_id", "started_at", "ended_at"),
    )

    assert expected_downtime_hours(frame).to_dict() == {"A1": 2.5}  # (4 + 1) ÷ 2


def test_expected_downtime_of_no_failures_is_empty():
    result = expected_downtime_hours(pd.DataFrame())

    assert result.empty
    assert result.name == "expected_downtime_hours"


# --- production_value_at_risk ---------------------------------------------------------------


def test_production_value_at_risk_sums_probability_hours_value():
    """A1 0.5 × 4 h × 10,000 = 20,000; A2 0.2 × 10 h × 10,000 = 20,000; A3, A4 missing → 0."""
    assets = pd.DataFrame(
        {
            "asset_id": ["A1", "A2", "A3", "A4"],
            "p_failure_12m": [0.5, 0.2, None, 0.9],
            "expected_downtime_hours": [4.0, 10.0, 6.0, float("nan")],
            "tier": [1, 1, 1, 1],
        }
    )

    result = production_value_at_risk(assets, 10_000.0)

    assert result["total"] == pytest.approx(40_000.0)
    assert result["missing"] == ["A3", "A4"]
    by_asset = result["by_asset"]
    assert by_asset.index.name == "asset_id"
    assert by_asset["value"].to_dict() == pytest.approx(
        {"A1": 20_000.0, "A2": 20_000.0, "A3": 0.0, "A4": 0.0}
    )
    assert "tier" in by_asset.columns


def test_production_value_at_risk_of_no_assets_and_bad_input():
    assert production_value_at_risk(pd.DataFrame(), 10_000.0)["total"] == 0.0
    bad = pd.DataFrame({"asset_id": [1], "p_failure_12m": [1.2], "expected_downtime_hours": [1]})
    with pytest.raises(ScoringError, match="between 0 and 1"):
        production_value_at_risk(bad, 10_000.0)


# --- payback_months -------------------------------------------------------------------------


def test_payback_of_the_source_example():
    """$95,000 program, $420,000 exposure, 80 %: 95,000 ÷ (420,000 × 0.8 ÷ 12 = 28,000)."""
    months = payback_months(95_000, 420_000, 0.80)

    assert months == 95_000 / 28_000
    assert months == pytest.approx(3.392857142857, abs=1e-12)
    assert round(months, 2) == 3.39


def test_payback_edge_cases():
    assert payback_months(95_000, 0, 0.8) is None  # nothing to save
    assert payback_months(95_000, 420_000, 0) is None
    assert payback_months(95_000, None, 0.8) is None
    assert payback_months(0, 420_000, 0.8) == 0.0  # zero investment pays back at once
    assert payback_months(Decimal("95000"), Decimal("420000"), Decimal("0.8")) == pytest.approx(
        3.392857142857
    )


# --- capital_priority -----------------------------------------------------------------------


@pytest.fixture
def sites():
    return pd.DataFrame(
        {
            "site_id": ["B", "C", "A", "D"],
            "name": ["Site B", "Site C", "Site A", "Site D"],
            "investment": [50_000.0, 200_000.0, 100_000.0, 0.0],
            "avoided": [100_000.0, 800_000.0, 400_000.0, 50_000.0],
        }
    )


def test_capital_priority_ranks_by_avoided_per_dollar(sites):
    """A 400k ÷ 100k = 4 and C 800k ÷ 200k = 4 (tie → A first), B 2, D (no investment) last.
    Payback A 100k ÷ (400k ÷ 12) = 3 months, C 3, B 50k ÷ (100k ÷ 12) = 6, D 0.
    Cumulative investment 100k, 300k, 350k, 350k; avoided 400k, 1.2M, 1.3M, 1.35M."""
    result = capital_priority(sites, budget=300_000)

    assert list(result["site_id"]) == ["A", "C", "B", "D"]
    assert list(result["rank"]) == [1, 2, 3, 4]
    assert list(result["avoided_per_dollar"]) == [4.0, 4.0, 2.0, None]
    assert list(result["payback_months"]) == pytest.approx([3.0, 3.0, 6.0, 0.0])
    assert list(result["cumulative_investment"]) == [100e3, 300e3, 350e3, 350e3]
    assert list(result["cumulative_avoided"]) == [400e3, 1.2e6, 1.3e6, 1.35e6]
    assert list(result["within_budget"]) == [True, True, False, False]
    assert list(result["name"]) == ["Site A", "Site C", "Site B", "Site D"]


def test_capital_priority_without_budget_funds_everything(sites):
    assert capital_priority(sites)["within_budget"].all()


def test_capital_priority_with_nothing_avoided_has_no_payback():
    frame = pd.DataFrame({"site_id": [1], "investment": [10_000.0], "avoided": [0.0]})

    result = capital_priority(frame)

    assert result.loc[0, "payback_months"] is None
    assert result.loc[0, "avoided_per_dollar"] == 0.0


def test_capital_priority_of_no_sites_and_bad_input():
    empty = capital_priority(pd.DataFrame())
    assert empty.empty
    assert {"rank", "within_budget", "cumulative_avoided"} <= set(empty.columns)
    with pytest.raises(ScoringError, match="investment"):
        capital_priority(pd.DataFrame({"site_id": [1], "investment": [-1.0], "avoided": [0.0]}))


money = st.floats(min_value=0, max_value=1e8, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(st.one_of(st.just(0.0), money), money), min_size=1, max_size=12),
    budget=st.one_of(st.none(), money),
)
def test_capital_priority_cumulative_columns_are_monotone(rows, budget):
    frame = pd.DataFrame(
        {
            "site_id": range(len(rows)),
            "investment": [r[0] for r in rows],
            "avoided": [r[1] for r in rows],
        }
    )

    result = capital_priority(frame, budget=budget)

    assert result["cumulative_investment"].is_monotonic_increasing
    assert result["cumulative_avoided"].is_monotonic_increasing
    assert math.isclose(
        result["cumulative_avoided"].iloc[-1], frame["avoided"].sum(), rel_tol=1e-9, abs_tol=1e-6
    )
    assert list(result["rank"]) == list(range(1, len(rows) + 1))
    # "Fund the top N": the budget admits a prefix of the ranking.
    within = list(result["within_budget"])
    assert within == sorted(within, reverse=True)


# --- financial_case -------------------------------------------------------------------------


def test_financial_case_has_three_layers():
    """L1 12 h × 25,000 = 300,000; L2 80,000; L3 336,000 + 1,000,000; total 1,716,000."""
    result = financial_case(12, 25_000, 80_000, 336_000, 1_000_000)

    assert result["layer1"] == 300_000.0
    assert result["layer2"] == 80_000.0
    assert result["layer3"] == 1_336_000.0
    assert result["total"] == 1_716_000.0
    assert result["production_value_protected"] == 300_000.0
    assert result["penalties_avoided"] == 336_000.0
    assert result["revenue_protected"] == 1_000_000.0
    assert [layer["value"] for layer in result["layers"]] == [300_000.0, 80_000.0, 1_336_000.0]
    assert result["layers"][0]["components"] == {
        "downtime_hours_avoided": 12.0,
        "value_per_hour": 25_000.0,
    }
    assert result["missing"] == []


def test_financial_case_counts_missing_inputs_as_zero():
    result = financial_case(None, 25_000, None, 0, Decimal("500"))

    assert result["total"] == 500.0
    assert result["missing"] == ["downtime_hours_avoided", "emergency_premium_avoided"]

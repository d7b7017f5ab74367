"""The pure pieces behind the dashboards: quarter-on-quarter changes, the exposure split,
the matrix colours, the roll-up's new figures, MTTR per asset and the Tier 1 table."""

import pandas as pd
import pytest

from reliability import metrics
from scores.figures import maturity
from scores.figures.rollup import aggregate, compare, exposure_split
from scores.figures.site import tier1_reliability

STANDARD = {
    "min_cm_coverage_tier1": 0.9,
    "min_changeover_utilization": 0.8,
    "tolerated_penalty_events_2q": 2,
    "weight_cm_coverage": 0.25,
    "weight_changeover": 0.25,
    "weight_mtbf_trend": 0.25,
    "weight_penalty_frequency": 0.25,
}
T0 = pd.Timestamp("2026-01-01", tz="UTC")


def test_compare_says_which_way_is_better():
    now = {"penalty_exposure": 300_000.0, "oee": 0.70, "addressable_share": None}
    before = {"penalty_exposure": 250_000.0, "oee": 0.75, "addressable_share": 0.2}
    changes = compare(now, before)
    assert changes["penalty_exposure"] == {"change": 50_000.0, "direction": "worse"}
    assert changes["oee"]["change"] == pytest.approx(-0.05)
    assert changes["oee"]["direction"] == "worse"  # OEE down is bad news
    assert changes["addressable_share"] == {"change": None, "direction": None}
    assert compare(now, None)["penalty_exposure"]["change"] is None
    assert compare(now, now)["penalty_exposure"]["direction"] == "same"
    # A change that rounds to 0.0 points on the page is no change.
    assert compare({"oee": 0.8571}, {"oee": 0.8573})["oee"]["direction"] == "same"
    assert compare({"oee": 0.8571}, {"oee": 0.8581})["oee"]["direction"] == "worse"


def test_exposure_split():
    assert exposure_split(809_800, 170_300) == {"addressable": 170_300.0, "other": 639_500.0}
    assert exposure_split(100, None) == {"addressable": 0.0, "other": 100.0}
    assert exposure_split(None, 5) == {"addressable": None, "other": None}


@pytest.mark.parametrize(
    "dimension, values, expected",
    [
        ("cm_coverage", {"cm_coverage": 0.9}, "meets"),  # exactly the bar meets it
        ("cm_coverage", {"cm_coverage": 0.85}, "gap"),
        ("changeover", {"changeover_utilization": 0.79}, "gap"),
        ("mtbf_trend", {"mtbf_trend_pct": 0.0}, "meets"),
        ("mtbf_trend", {"mtbf_trend_pct": -0.1}, "gap"),
        ("penalty_frequency", {"penalty_events_2q": 2}, "meets"),
        ("penalty_frequency", {"penalty_events_2q": 3}, "gap"),
        ("cm_coverage", {}, "unknown"),
        ("mtbf_trend", {"mtbf_trend_pct": float("nan")}, "unknown"),
    ],
)
def test_dimension_status(dimension, values, expected):
    assert maturity.dimension_status(dimension, values, STANDARD) == expected


def test_aggregate_adds_share_cost_and_the_days():
    sites = [
        {
            "as_of": "2026-10-31",
            "penalty_exposure": 300_000,
            "addressable_exposure": 120_000,
            "details": {"maintenance_cost": {"spend": 2_000_000.0, "revenue": 100_000_000.0}},
        },
        {
            "as_of": "2026-11-01",
            "penalty_exposure": 100_000,
            "addressable_exposure": 0,
            "details": {"maintenance_cost": {"spend": 1_000_000.0, "revenue": 50_000_000.0}},
        },
        # A site whose snapshot predates the revenue in details is left out of the ratio.
        {"as_of": "2026-11-01", "details": {"maintenance_cost": {"spend": 9.0}}},
    ]
    result = aggregate(sites, STANDARD)
    assert result["addressable_share"] == pytest.approx(120_000 / 400_000)
    assert result["maintenance_cost_pct_revenue"] == pytest.approx(3_000_000 / 150_000_000)
    assert (result["as_of_first"], result["as_of_last"]) == ("2026-10-31", "2026-11-01")
    empty = aggregate([], STANDARD)
    assert empty["addressable_share"] is None and empty["maintenance_cost_pct_revenue"] is None


def test_mttr_by_asset_counts_what_mttr_counts():
    orders = pd.DataFrame(
        {
            "asset_id": [1, 1, 2, 2],
            "kind": ["corrective", "emergency", "preventive", "corrective"],
            "started_at": [T0, T0, T0, T0],
            "completed_at": [
                T0 + pd.Timedelta(hours=2),
                T0 + pd.Timedelta(hours=4),
                T0 + pd.Timedelta(hours=9),  # preventive: not a repair
                T0 + pd.Timedelta(hours=1),
            ],
        }
    )
    table = metrics.mttr_by_asset(orders, T0, T0 + pd.Timedelta(days=1))
    # Asset 1: (2 + 4) ÷ 2 = 3 h over 2 repairs; asset 2: 1 h over 1.
    assert table.loc[1, "hours"] == 3.0 and table.loc[1, "count"] == 2
    assert table.loc[2, "hours"] == 1.0 and table.loc[2, "count"] == 1
    overall = metrics.mttr(orders, T0, T0 + pd.Timedelta(days=1))
    assert overall == {"hours": pytest.approx(7 / 3), "count": 3, "events": 3, "without_time": 0}
    assert table["events"].to_dict() == {1: 2, 2: 1}


def test_tier1_reliability_table():
    tier1 = pd.DataFrame({"asset_id": [1, 2], "code": ["M-1", "M-2"], "name": ["A", "B"]})
    failures = pd.DataFrame(
        {
            "failure_id": [10, 11],
            "asset_id": [1, 1],
            "started_at": [T0 + pd.Timedelta(days=10), T0 + pd.Timedelta(days=20)],
            "ended_at": [T0 + pd.Timedelta(days=10, hours=2), T0 + pd.Timedelta(days=20, hours=4)],
        }
    )
    end = T0 + pd.Timedelta(days=365)
    mtbf_table = metrics.mtbf(failures, [1, 2], T0, end)
    orders = pd.DataFrame(
        {
            "asset_id": [1],
            "kind": ["corrective"],
            "started_at": [T0 + pd.Timedelta(days=10)],
            "completed_at": [T0 + pd.Timedelta(days=10, hours=2)],
        }
    )
    pvar = {
        "by_asset": pd.DataFrame(
            {"p_failure_12m": [0.9], "value": [1000.0]}, index=[1]
        ).rename_axis("asset_id")
    }
    rows = tier1_reliability(tier1, mtbf_table, orders, pvar, T0, end)
    # Asset 1: (8760 − 6 h down) ÷ 2 failures = 4377 h; MTTR 2 h.
    assert rows[0]["mtbf_hours"] == pytest.approx(4377.0)
    assert rows[0]["mtbf_censored"] is False and rows[0]["mttr_hours"] == 2.0
    assert rows[0]["p_failure_12m"] == 0.9 and rows[0]["value_at_risk"] == 1000.0
    # Asset 2: no failure: censored at the whole window, no repair, no risk row.
    assert rows[1]["mtbf_censored"] is True and rows[1]["mtbf_hours"] == pytest.approx(8760.0)
    assert rows[1]["mttr_hours"] is None and rows[1]["p_failure_12m"] is None

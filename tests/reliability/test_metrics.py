"""Hand-worked examples of the reliability KPIs in reliability.metrics (no database).

Every expected number is worked out in the comment beside it; windows are half-open
[start, end) in UTC.
"""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.frames import ScoringError
from reliability.metrics import (
    HOURS_PER_YEAR,
    alert_response,
    changeover_utilization,
    cm_coverage,
    downtime_hours,
    maintenance_cost,
    mean_mtbf,
    merged_downtime,
    mtbf,
    mttr,
    oee,
    oee_by,
    oee_spread,
    pm_completion_in_windows,
)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


NAT = pd.NaT
JAN1, JAN11 = ts("2026-01-01"), ts("2026-01-11")  # a 10-day window = 240 h


OPEN = "open"  # a 4th element: the failure is still open (the asset is down now)


def failures(*rows) -> pd.DataFrame:
    """Rows of (asset_id, started_at, ended_at or None[, OPEN])."""
    return pd.DataFrame(
        {
            "asset_id": [row[0] for row in rows],
            "started_at": pd.to_datetime([row[1] for row in rows], utc=True),
            "ended_at": pd.to_datetime([row[2] for row in rows], utc=True),
            "is_open": [len(row) > 3 and row[3] == OPEN for row in rows],
        }
    )


def test_hours_per_year():
    assert HOURS_PER_YEAR == 365 * 24 == 8760


# --------------------------------------------------------------------------------------
# merged_downtime
# --------------------------------------------------------------------------------------


def test_merged_downtime_overlapping_touching_nested_and_disjoint():
    def at(hours):
        return JAN1 + pd.Timedelta(hours=hours)

    # hours after JAN1, unsorted: (7,8) (1,3) (2,4) (4,5) (10,20) (12,13)
    # (1,3)+(2,4) overlap -> (1,4); touches (4,5) -> (1,5); (7,8) alone;
    # (12,13) nested in (10,20) -> (10,20). An inverted row (30,29), an empty one (40,40)
    # and one without a start add nothing.
    spans = [(7, 8), (1, 3), (2, 4), (4, 5), (10, 20), (12, 13), (30, 29), (40, 40)]
    log = failures(*[(1, at(a), at(b)) for a, b in spans], (1, None, at(50)))
    merged = merged_downtime(log, JAN1, JAN11)
    assert list(merged.columns) == ["asset_id", "start", "end"]
    assert merged["asset_id"].tolist() == [1, 1, 1]
    assert list(zip(merged["start"], merged["end"], strict=True)) == [
        (at(1), at(5)),
        (at(7), at(8)),
        (at(10), at(20)),
    ]


# --------------------------------------------------------------------------------------
# downtime_hours
# --------------------------------------------------------------------------------------


def test_downtime_overlap_window_edges_open_failure_and_duplicate_rows():
    log = failures(
        # asset 1: 2025-12-31 20:00 -> 2026-01-01 06:00 crosses the window start: 6 h inside
        (1, "2025-12-31 20:00", "2026-01-01 06:00"),
        # asset 1: two rows of one event (two parts) 01-02 10:00 -> 12:00 and -> 13:00,
        # plus an overlapping stop 12:30 -> 15:00: union 10:00 -> 15:00 = 5 h
        (1, "2026-01-02 10:00", "2026-01-02 12:00"),
        (1, "2026-01-02 10:00", "2026-01-02 13:00"),
        (1, "2026-01-02 12:30", "2026-01-02 15:00"),
        # asset 1: 01-10 20:00 -> 01-11 08:00 crosses the window end: 4 h inside
        (1, "2026-01-10 20:00", "2026-01-11 08:00"),
        # asset 2: open (still down) since 01-10 12:00: clipped at 01-11 00:00 = 12 h
        (2, "2026-01-10 12:00", None, OPEN),
        # asset 3: entirely before the window: 0 h, but still listed
        (3, "2025-12-01 00:00", "2025-12-02 00:00"),
    )
    hours = downtime_hours(log, JAN1, JAN11)
    # asset 1: 6 + 5 + 4 = 15 h
    assert hours.to_dict() == {1: 15.0, 2: 12.0, 3: 0.0}
    assert hours.index.name == "asset_id"
    assert hours.dtype == float


def test_downtime_open_failure_started_before_window_is_down_all_window():
    log = failures((7, "2025-06-01", None, OPEN))
    assert downtime_hours(log, JAN1, JAN11).to_dict() == {7: 240.0}


def test_downtime_failure_without_end_and_not_open_adds_nothing():
    # an unknown duration is not "down until the window ends"
    log = failures((7, "2026-01-02", None), (8, "2025-06-01", None))
    assert downtime_hours(log, JAN1, JAN11).to_dict() == {7: 0.0, 8: 0.0}


def test_downtime_empty_inputs():
    assert downtime_hours(pd.DataFrame(), JAN1, JAN11).empty
    assert downtime_hours(failures(), JAN1, JAN11).empty


def test_window_must_be_positive():
    with pytest.raises(ValueError):
        downtime_hours(pd.DataFrame(), JAN11, JAN1)


def test_bad_input_is_a_scoring_error_naming_it():
    with pytest.raises(ScoringError, match="window_start is required"):
        downtime_hours(pd.DataFrame(), None, JAN11)
    with pytest.raises(ScoringError, match="window_end .* must be after window_start"):
        downtime_hours(pd.DataFrame(), JAN1, JAN1)
    with pytest.raises(ScoringError, match="failures.started_at must be date/times"):
        downtime_hours(failures((1, "2026-01-02", None)).assign(started_at="soon"), JAN1, JAN11)


def test_missing_column_on_non_empty_input_is_named():
    with pytest.raises(ValueError, match="ended_at"):
        downtime_hours(pd.DataFrame({"asset_id": [1], "started_at": [JAN1]}), JAN1, JAN11)


# --------------------------------------------------------------------------------------
# mtbf / mean_mtbf
# --------------------------------------------------------------------------------------


def test_mtbf_hand_worked_table():
    log = failures(
        # asset "A": event 1 on three rows with the same start (one event), 4 h down
        ("A", "2026-01-03 00:00", "2026-01-03 04:00"),
        ("A", "2026-01-03 00:00", "2026-01-03 02:00"),
        ("A", "2026-01-03 00:00", "2026-01-03 04:00"),
        # asset "A": event 2 overlaps nothing, 2 h down
        ("A", "2026-01-06 10:00", "2026-01-06 12:00"),
        # asset "B": started before the window (not counted), 3 h of it inside;
        # then one failure in the window, still open: down from 01-10 18:00 to 01-11 = 6 h
        ("B", "2025-12-31 21:00", "2026-01-01 03:00"),
        ("B", "2026-01-10 18:00", None, OPEN),
        # asset "Z" is not asked for: ignored
        ("Z", "2026-01-05 00:00", "2026-01-05 01:00"),
    )
    table = mtbf(log, ["A", "B", "C"], JAN1, JAN11)
    assert table.index.tolist() == ["A", "B", "C"]
    assert table.index.name == "asset_id"
    # A: 240 - (4 + 2) = 234 h operating, 2 distinct events -> 117 h
    assert table.loc["A"].to_dict() == {
        "operating_hours": 234.0,
        "failures": 2,
        "mtbf_hours": 117.0,
        "censored": False,
        "downtime_hours": 6.0,
    }
    # B: 240 - (3 + 6) = 231 h, 1 event in the window -> 231 h
    assert table.loc["B", "failures"] == 1
    assert table.loc["B", "mtbf_hours"] == 231.0
    # C: no failures -> censored, lower bound = all 240 h
    assert table.loc["C", "failures"] == 0
    assert table.loc["C", "mtbf_hours"] == 240.0
    assert bool(table.loc["C", "censored"]) is True
    # mean over uncensored rows only: (117 + 231) / 2 = 174
    assert mean_mtbf(table) == 174.0


def test_mtbf_one_failure():
    # one 24 h stop -> (240 - 24) / 1 = 216 h
    table = mtbf(failures((1, "2026-01-05", "2026-01-06")), [1], JAN1, JAN11)
    assert table.loc[1, "mtbf_hours"] == 216.0
    assert table.loc[1, "failures"] == 1


def test_mtbf_zero_failures_is_censored_never_infinite():
    table = mtbf(pd.DataFrame(), [1, 2], JAN1, JAN11)
    assert table["censored"].tolist() == [True, True]
    assert table["mtbf_hours"].tolist() == [240.0, 240.0]
    assert np.isfinite(table["mtbf_hours"]).all()
    assert mean_mtbf(table) is None


def test_mtbf_window_is_half_open():
    log = failures(
        (1, "2026-01-01 00:00", "2026-01-01 01:00"),  # at window_start: counted
        (1, "2026-01-11 00:00", "2026-01-11 01:00"),  # at window_end: next window
    )
    table = mtbf(log, [1], JAN1, JAN11)
    # 1 failure, 1 h down: 239 h
    assert table.loc[1, "failures"] == 1
    assert table.loc[1, "mtbf_hours"] == 239.0


def test_mtbf_empty_asset_list_and_mean_of_empty():
    table = mtbf(failures((1, "2026-01-05", "2026-01-06")), [], JAN1, JAN11)
    assert table.empty
    assert {"operating_hours", "failures", "mtbf_hours", "censored"} <= set(table.columns)
    assert mean_mtbf(table) is None


# --------------------------------------------------------------------------------------
# mttr
# --------------------------------------------------------------------------------------


def test_mttr_counts_completed_corrective_and_emergency_only():
    rows = [
        # kind, started_at, completed_at
        ("corrective", "2026-01-02 08:00", "2026-01-02 10:00"),  # 2 h
        ("Emergency", "2026-01-03 00:00", "2026-01-03 06:00"),  # 6 h (case-insensitive)
        ("preventive", "2026-01-04 00:00", "2026-01-04 09:00"),  # not a repair: ignored
        ("corrective", "2025-12-31 20:00", "2026-01-01 04:00"),  # 8 h, completed in window
        ("corrective", None, "2026-01-05 00:00"),  # no start: a repair without a time
        ("emergency", "2026-01-10 20:00", "2026-01-11 02:00"),  # completed after window
        ("corrective", "2026-01-09 00:00", None),  # not completed: ignored
    ]
    orders = pd.DataFrame(rows, columns=["kind", "started_at", "completed_at"])
    orders["started_at"] = pd.to_datetime(orders["started_at"], utc=True)
    orders["completed_at"] = pd.to_datetime(orders["completed_at"], utc=True)
    # mean = (2 + 6 + 8) / 3 = 16/3 h, from 3 of 4 repairs
    result = mttr(orders, JAN1, JAN11)
    assert result["count"] == 3
    assert result["events"] == 4
    assert result["without_time"] == 1
    assert result["hours"] == pytest.approx(16 / 3)


def test_mttr_none_when_nothing_completed():
    assert mttr(pd.DataFrame(), JAN1, JAN11) == {
        "hours": None,
        "count": 0,
        "events": 0,
        "without_time": 0,
    }


# --------------------------------------------------------------------------------------
# oee / oee_by / oee_spread
# --------------------------------------------------------------------------------------


def production(*rows, lines=None) -> pd.DataFrame:
    """Rows of (planned min, run min, ideal cycle s, total, good)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "planned_production_minutes",
            "run_minutes",
            "ideal_cycle_time_seconds",
            "total_count",
            "good_count",
        ],
    )
    if lines is not None:
        frame.insert(0, "line_id", lines)
    return frame


def test_oee_hand_worked_two_shifts():
    frame = production((480, 400, 30, 700, 690), (480, 400, 30, 800, 780))
    # A = 800 / 960 = 0.833333; P = 30 s * 1500 / 60 = 750 min / 800 = 0.9375;
    # Q = 1470 / 1500 = 0.98; OEE = 0.833333 * 0.9375 * 0.98 = 0.765625
    result = oee(frame)
    assert result["availability"] == pytest.approx(800 / 960)
    assert result["performance"] == pytest.approx(0.9375)
    assert result["quality"] == pytest.approx(0.98)
    assert result["oee"] == pytest.approx(0.765625)
    assert result["performance_above_one"] is False
    assert result["planned_minutes"] == 960.0


def test_oee_zero_planned_time_is_none_not_one():
    result = oee(production((0, 0, 30, 0, 0)))
    assert result["oee"] is None
    assert result["availability"] is None
    assert result["planned_minutes"] == 0.0
    empty = oee(pd.DataFrame())
    assert empty["oee"] is None
    assert empty["performance_above_one"] is False


def test_oee_no_run_time_leaves_performance_and_oee_undefined():
    # planned 480, run 0: A = 0, P = ideal / 0 -> None, Q = 0 / 0 -> None, so OEE None
    result = oee(production((480, 0, 30, 0, 0)))
    assert result["availability"] == 0.0
    assert result["performance"] is None
    assert result["oee"] is None


def test_oee_performance_above_one_is_flagged_and_not_capped():
    # ideal 60 s * 500 = 500 min in 400 min of run: P = 1.25 (ideal cycle time too slow)
    # A = 400/480, Q = 1, OEE = 0.833333 * 1.25 = 1.041667 returned raw
    result = oee(production((480, 400, 60, 500, 500)))
    assert result["performance"] == pytest.approx(1.25)
    assert result["performance_above_one"] is True
    assert result["oee"] == pytest.approx(400 / 480 * 1.25)


def test_oee_accepts_decimal_and_exact_one_is_not_flagged():
    # ideal 48 s * 500 = 400 min = run: P exactly 1
    frame = production((Decimal(480), Decimal(400), 48.0, 500, 450))
    result = oee(frame)
    assert result["performance"] == pytest.approx(1.0)
    assert result["performance_above_one"] is False


def test_oee_by_rolls_up_sums_not_ratio_averages():
    frame = production(
        (480, 480, 60, 480, 480),  # line 1: A = 1, P = 1, Q = 1 -> OEE 1
        (480, 240, 60, 240, 240),  # line 2 shift 1: A = 0.5, P = 1, Q = 1
        (960, 480, 60, 480, 240),  # line 2 shift 2: A = 0.5, P = 1, Q = 0.5
        (0, 0, 60, 0, 0),  # line 3: nothing planned -> None
        lines=[1, 2, 2, 3],
    )
    table = oee_by(frame, "line_id")
    assert table.index.tolist() == [1, 2, 3]
    assert table.loc[1, "oee"] == pytest.approx(1.0)
    # line 2: A = 720/1440 = 0.5, P = 720/720 = 1, Q = 480/720 = 2/3 -> 1/3
    # (the mean of its shift OEEs would be (0.5 + 0.25) / 2 = 0.375: not what we report)
    assert table.loc[2, "oee"] == pytest.approx(1 / 3)
    assert table.loc[3, "oee"] is None
    assert table.loc[3, "availability"] is None
    assert table.loc[2, "planned_minutes"] == 1440.0
    # the whole frame: A = 1200/1920 = 0.625, P = 1, Q = 960/1200 = 0.8 -> 0.5
    assert oee(frame)["oee"] == pytest.approx(0.5)
    # spread of lines 1 and 2: (1 - 1/3) * 100 = 66.67 points; std = 33.33 points
    spread = oee_spread(table["oee"])
    assert spread["points"] == pytest.approx(200 / 3)
    assert spread["std_points"] == pytest.approx(100 / 3)


def test_oee_by_empty():
    table = oee_by(pd.DataFrame(), "site_id")
    assert table.empty
    assert {"availability", "performance", "quality", "oee"} <= set(table.columns)


def test_oee_spread_ignores_none_and_nan():
    # values 0.85, 0.60, 0.70: max - min = 0.25 -> 25 points; mean = 0.716667;
    # deviations 0.133333, -0.116667, -0.016667; squares 0.0177778 + 0.0136111 + 0.0002778
    # = 0.0316667; / 3 = 0.0105556; sqrt = 0.102740 -> 10.274 points
    spread = oee_spread([0.85, None, 0.60, float("nan"), 0.70])
    assert spread["points"] == pytest.approx(25.0)
    assert spread["std_points"] == pytest.approx(10.2740, abs=1e-4)
    assert oee_spread({"A": 0.5})["points"] == 0.0
    assert oee_spread([]) == {"points": None, "std_points": None, "count": 0}
    assert oee_spread([None, None])["std_points"] is None


# --------------------------------------------------------------------------------------
# changeover_utilization
# --------------------------------------------------------------------------------------


def windows_frame(rows) -> pd.DataFrame:
    """Rows of (window_id, starts_at, ends_at, available, executed)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "window_id",
            "starts_at",
            "ends_at",
            "available_minutes",
            "maintenance_minutes_executed",
        ],
    )
    frame["starts_at"] = pd.to_datetime(frame["starts_at"], utc=True)
    frame["ends_at"] = pd.to_datetime(frame["ends_at"], utc=True)
    return frame


def test_changeover_utilization_last_four_ended_windows():
    frame = windows_frame(
        [
            (1, "2026-01-03 00:00", "2026-01-03 08:00", 480, 480),  # too old (5th)
            (2, "2026-01-10 00:00", "2026-01-10 08:00", 480, 400),
            (3, "2026-01-17 00:00", "2026-01-17 08:00", 480, 300),
            (6, "2026-02-07 00:00", "2026-02-07 08:00", 480, 480),  # ends after as_of
            (4, "2026-01-24 00:00", "2026-01-24 04:00", 240, 240),
            (5, "2026-01-31 00:00", "2026-01-31 08:00", 480, 200),  # ends exactly at as_of
        ]
    )
    result = changeover_utilization(frame, ts("2026-01-31 08:00"))
    # windows 2, 3, 4, 5: executed 400 + 300 + 240 + 200 = 1140; available 480*3 + 240 = 1680
    # value = 1140 / 1680 = 0.678571
    assert result["window_ids"] == [2, 3, 4, 5]
    assert result["executed_minutes"] == 1140.0
    assert result["available_minutes"] == 1680.0
    assert result["value"] == pytest.approx(1140 / 1680)
    assert result["window_start"] == ts("2026-01-10 00:00")
    assert result["window_end"] == ts("2026-01-31 08:00")
    # last_n=2: windows 4, 5: 440 / 720
    assert changeover_utilization(frame, ts("2026-01-31 08:00"), last_n=2)["value"] == (
        pytest.approx(440 / 720)
    )


def test_changeover_utilization_no_windows_or_no_minutes():
    empty = changeover_utilization(pd.DataFrame(), ts("2026-01-31"))
    assert empty["value"] is None
    assert empty["window_ids"] == []
    assert empty["window_start"] is None and empty["window_end"] is None
    zero = windows_frame([(1, "2026-01-03", "2026-01-03 08:00", 0, 0)])
    assert changeover_utilization(zero, ts("2026-01-31"))["value"] is None


# --------------------------------------------------------------------------------------
# pm_completion_in_windows
# --------------------------------------------------------------------------------------


def test_pm_completion_in_windows_hand_worked():
    spans = pd.DataFrame(
        {
            "window_id": [10, 11],
            "starts_at": pd.to_datetime(["2026-01-10 00:00", "2026-01-17 00:00"], utc=True),
            "ends_at": pd.to_datetime(["2026-01-10 08:00", "2026-01-17 08:00"], utc=True),
        }
    )
    orders = pd.DataFrame(
        {
            "work_order_id": [1, 2, 3, 4, 5, 6, 7, 1],
            "kind": ["preventive", "preventive", "preventive", "preventive", "corrective",
                     "preventive", "preventive", "preventive"],
            # window ids as floats with NaN, as a nullable FK column comes out of the ORM
            "changeover_window_id": [10.0, 10.0, 11.0, 11.0, 10.0, 99.0, np.nan, 10.0],
            "completed_at": pd.to_datetime(
                ["2026-01-10 05:00",  # 1: inside window 10 -> done
                 "2026-01-12 00:00",  # 2: after window 10 -> scheduled, not done
                 "2026-01-17 08:00",  # 3: exactly at the end of window 11 -> done
                 None,                # 4: never completed -> not done
                 "2026-01-10 05:00",  # 5: corrective -> not PM, ignored
                 "2026-01-20 00:00",  # 6: in a window not given -> ignored
                 "2026-01-20 00:00",  # 7: no window -> ignored
                 "2026-01-10 05:00"],  # 1 again (duplicate row) -> counted once
                utc=True,
            ),
        }
    )  # fmt: skip
    # scheduled 1, 2, 3, 4 = 4; completed 1, 3 = 2; value 2 / 4 = 0.5
    assert pm_completion_in_windows(orders, spans) == {"value": 0.5, "scheduled": 4, "completed": 2}


def test_pm_completion_with_nothing_scheduled_is_none():
    result = pm_completion_in_windows(pd.DataFrame(), pd.DataFrame())
    assert result == {"value": None, "scheduled": 0, "completed": 0}


# --------------------------------------------------------------------------------------
# cm_coverage
# --------------------------------------------------------------------------------------


def test_cm_coverage_tier_one_fresh_readings():
    as_of = ts("2026-03-01 12:00")
    fleet = pd.DataFrame({"asset_id": [1, 2, 3, 4, 5, 6], "tier": [1, 1, 1, 1, 2, 1]})
    readings = pd.DataFrame(
        {
            "asset_id": [1, 1, 2, 3, 4, 5],
            "last_reading_at": pd.to_datetime(
                [
                    "2026-02-20 00:00",  # 1: stale sensor ...
                    "2026-03-01 11:00",  # 1: ... but another sensor is fresh -> covered
                    "2026-02-28 12:00",  # 2: exactly 24 h old: outside (as_of - 24 h, as_of]
                    "2026-03-01 12:00",  # 3: exactly at as_of -> covered
                    "2026-03-01 13:00",  # 4: after as_of -> does not count
                    "2026-03-01 11:00",  # 5: fresh but Tier 2 -> not in the ratio
                ],
                utc=True,
            ),
        }
    )
    # Tier 1 = 1, 2, 3, 4, 6 (5 assets); covered 1, 3 -> 2 / 5 = 0.4; 6 has no sensor at all
    result = cm_coverage(fleet, readings, as_of)
    assert result == {"value": 0.4, "covered": 2, "total": 5, "uncovered": [2, 4, 6]}
    # with a 48 h limit asset 2 (24 h old) is covered too: 3 / 5
    assert cm_coverage(fleet, readings, as_of, freshness_hours=48)["value"] == 0.6


def test_cm_coverage_without_tier_one_assets_is_none():
    fleet = pd.DataFrame({"asset_id": [1], "tier": [2]})
    result = cm_coverage(fleet, pd.DataFrame(), ts("2026-03-01"))
    assert result == {"value": None, "covered": 0, "total": 0, "uncovered": []}


# --------------------------------------------------------------------------------------
# alert_response
# --------------------------------------------------------------------------------------


def test_alert_response_median_and_p90():
    alerts = pd.DataFrame(
        {
            "detected_at": pd.to_datetime(
                ["2026-01-02 00:00", "2026-01-03 00:00", "2026-01-04 00:00", "2026-01-05 00:00",
                 "2026-01-06 00:00", "2025-12-31 00:00"],
                utc=True,
            ),
            "acknowledged_at": pd.to_datetime(
                ["2026-01-02 01:00", "2026-01-03 02:00", "2026-01-04 03:00", "2026-01-05 10:00",
                 None, "2026-01-01 00:00"],
                utc=True,
            ),
        }
    )  # fmt: skip
    # in window: 1, 2, 3, 10 h acknowledged, one unacknowledged; the 2025 alert is outside.
    # median of [1, 2, 3, 10] = 2.5; p90 linear: rank 0.9 * 3 = 2.7 -> 3 + 0.7 * (10 - 3) = 7.9
    result = alert_response(alerts, JAN1, JAN11)
    assert result["median_hours"] == pytest.approx(2.5)
    assert result["p90_hours"] == pytest.approx(7.9)
    assert result["count"] == 4
    assert result["unacknowledged"] == 1


def test_alert_response_none_when_nothing_acknowledged():
    alerts = pd.DataFrame(
        {"detected_at": [ts("2026-01-02")], "acknowledged_at": pd.Series([NAT], dtype=object)}
    )
    result = alert_response(alerts, JAN1, JAN11)
    assert result == {"median_hours": None, "p90_hours": None, "count": 0, "unacknowledged": 1}
    assert alert_response(pd.DataFrame(), JAN1, JAN11)["count"] == 0


# --------------------------------------------------------------------------------------
# maintenance_cost
# --------------------------------------------------------------------------------------


def cost_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "completed_at": pd.to_datetime(
                ["2026-01-05", "2026-02-10", "2026-03-01", None, "2025-12-31"], utc=True
            ),
            "parts_cost": [Decimal("1000.00"), Decimal("500.50"), 2000.0, 9999.0, 7777.0],
            "labour_cost": [Decimal("200.00"), None, 0.0, 1.0, 1.0],
        }
    )


def test_maintenance_cost_annualises_a_short_window():
    # window 2026-01-01 .. 2026-03-15 = 73 days = 365 / 5
    # in window: 1000 + 200 + 500.50 + 0 (missing labour) + 2000 = 3700.50; x 5 = 18502.50
    result = maintenance_cost(cost_orders(), JAN1, ts("2026-03-15"), 1_850_250.0, 370_050.0)
    assert result["source"] == "work orders"
    assert result["window_spend"] == pytest.approx(3700.50)
    assert result["annualisation_factor"] == pytest.approx(5.0)
    assert result["spend"] == pytest.approx(18502.50)
    assert result["pct_revenue"] == pytest.approx(0.01)  # 18502.5 / 1850250
    assert result["pct_replacement_value"] == pytest.approx(0.05)  # 18502.5 / 370050


def test_maintenance_cost_twelve_month_window_unscaled_and_stated_spend_wins():
    year = maintenance_cost(cost_orders(), JAN1, ts("2027-01-01"), 100_000.0, 0.0)
    assert year["spend"] == pytest.approx(3700.50)
    assert year["annualisation_factor"] == 1.0
    assert year["pct_replacement_value"] is None  # replacement value 0
    stated = maintenance_cost(cost_orders(), JAN1, ts("2026-03-15"), 0.0, 1e6, 50_000.0)
    assert stated["spend"] == 50_000.0
    assert stated["source"] == "stated"
    assert stated["pct_revenue"] is None  # revenue 0
    assert stated["pct_replacement_value"] == pytest.approx(0.05)


def test_maintenance_cost_leap_year_unscaled_and_two_years_halved():
    # 2024 has 366 days: still twelve months, factor 1. 2025-01-01 .. 2027-01-01 is 730
    # days: factor 365 / 730 = 0.5.
    leap = maintenance_cost(cost_orders(), ts("2024-01-01"), ts("2025-01-01"), 1.0, 1.0)
    assert leap["annualisation_factor"] == 1.0
    two_years = maintenance_cost(cost_orders(), ts("2025-01-01"), ts("2027-01-01"), 1.0, 1.0)
    assert two_years["annualisation_factor"] == 0.5
    # in the window: 3700.50 (2026) + 7777 + 1 (2025-12-31) = 11478.50, halved
    assert two_years["spend"] == pytest.approx(5739.25)


def test_maintenance_cost_no_orders():
    result = maintenance_cost(pd.DataFrame(), JAN1, ts("2027-01-01"), 1e6, 1e6)
    assert result["spend"] == 0.0
    assert result["pct_revenue"] == 0.0


# --------------------------------------------------------------------------------------
# independent check on a published failure log
# --------------------------------------------------------------------------------------

# Proschan, F. (1963) "Theoretical explanation of observed decreasing failure rate",
# Technometrics 5, 375-383: hours between successive failures of the air-conditioning
# system of Boeing 720 aircraft. These are the 12 intervals of the aircraft given as
# `aircondit` in R's boot package (Davison & Hinkley 1997, Example 1.1, from Cox & Snell
# 1981), listed there in increasing order. Their mean is 1297 / 12 = 108.083 h.
PROSCHAN_AIRCONDIT_HOURS = [3, 5, 7, 18, 43, 85, 91, 98, 100, 130, 230, 487]


def proschan_log() -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """The intervals as a failure log: each failure followed by a repair stop.

    Repairs take 2 h, except the 5th (30 h); the 3rd replaced two parts and is logged on two
    rows with the same start. The window runs from the start of observation to the end of
    the last repair, so operating time is exactly the 1297 h of the published intervals.
    """
    start = ts("1963-01-01")
    clock, rows = start, []
    for number, hours in enumerate(PROSCHAN_AIRCONDIT_HOURS, start=1):
        clock += pd.Timedelta(hours=hours)
        repair = pd.Timedelta(hours=30 if number == 5 else 2)
        rows.append(("7913", clock, clock + repair))
        if number == 3:
            rows.append(("7913", clock, clock + pd.Timedelta(hours=1)))
        clock += repair
    return failures(*rows), start, clock


def test_mtbf_on_proschan_air_conditioning_data_matches_plain_pandas():
    log, start, end = proschan_log()
    table = mtbf(log, ["7913"], start, end)

    # plain pandas, written separately: one event per (asset, start), longest repair wins
    events = log.groupby(["asset_id", "started_at"], as_index=False)["ended_at"].max()
    down = (events["ended_at"] - events["started_at"]).dt.total_seconds().sum() / 3600
    operating = (end - start).total_seconds() / 3600 - down
    expected = operating / events["started_at"].nunique()

    assert len(log) == 13 and len(events) == 12
    assert table.loc["7913", "failures"] == 12
    assert table.loc["7913", "operating_hours"] == pytest.approx(operating)
    assert table.loc["7913", "mtbf_hours"] == pytest.approx(expected)
    assert table.loc["7913", "mtbf_hours"] == pytest.approx(sum(PROSCHAN_AIRCONDIT_HOURS) / 12)
    assert table.loc["7913", "mtbf_hours"] == pytest.approx(108.0833, abs=1e-4)


# --------------------------------------------------------------------------------------
# properties of OEE
# --------------------------------------------------------------------------------------


@st.composite
def production_rows(draw):
    """Valid records: run <= planned, good <= total, ideal cycle time x total <= run time."""
    planned = draw(st.integers(min_value=0, max_value=1440))
    run = draw(st.integers(min_value=0, max_value=planned))
    # no part can be made without run time (ideal cycle time > 0)
    total = draw(st.integers(min_value=0, max_value=5000)) if run else 0
    good = draw(st.integers(min_value=0, max_value=total))
    if total:
        ideal = run * 60 * draw(st.floats(min_value=0.01, max_value=1.0)) / total
    else:
        ideal = draw(st.floats(min_value=0.1, max_value=600))
    site = draw(st.sampled_from(["A", "B", "C"]))
    return (site, planned, run, ideal, total, good)


def rows_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "planned_production_minutes",
            "run_minutes",
            "ideal_cycle_time_seconds",
            "total_count",
            "good_count",
        ],
    )


RATIOS = ("availability", "performance", "quality", "oee")
EPS = 1e-9


def assert_same_ratios(left: dict, right: dict) -> None:
    for key in RATIOS:
        if right[key] is None:
            assert left[key] is None, key
        else:
            assert left[key] == pytest.approx(right[key], rel=1e-9, abs=1e-12), key


@settings(max_examples=80, deadline=None)
@given(st.lists(production_rows(), min_size=0, max_size=12))
def test_oee_and_its_factors_stay_within_zero_and_one(rows):
    frame = rows_frame(rows)
    for result in [oee(frame), *oee_by(frame, "site_id").to_dict("index").values()]:
        for key in RATIOS:
            value = result[key]
            assert value is None or -EPS <= value <= 1 + EPS, (key, value)
        assert not result["performance_above_one"]


@settings(max_examples=60, deadline=None)
@given(st.lists(production_rows(), min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_oee_roll_up_by_sums_equals_oee_of_concatenated_frame(rows, random):
    frame = rows_frame(rows)
    parts = [part for _, part in frame.groupby("site_id")]
    shuffled = pd.concat(parts).sample(frac=1, random_state=random.randrange(2**32))
    whole = oee(shuffled)
    # row order does not matter
    assert_same_ratios(whole, oee(frame))
    # rolling the per-site sums up by hand (sums, never ratio averages) gives the same OEE
    by_site = oee_by(frame, "site_id")
    planned, run = by_site["planned_minutes"].sum(), by_site["run_minutes"].sum()
    ideal, total = by_site["ideal_minutes"].sum(), by_site["total_count"].sum()
    good = by_site["good_count"].sum()
    a = run / planned if planned else None
    p = ideal / run if run else None
    q = good / total if total else None
    rolled = {
        "availability": a,
        "performance": p,
        "quality": q,
        "oee": None if None in (a, p, q) else a * p * q,
    }
    assert_same_ratios(whole, rolled)

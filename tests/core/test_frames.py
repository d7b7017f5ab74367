"""The shared input checks of core.frames: one error type, named inputs (no database)."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from core.frames import (
    ScoringError,
    as_number,
    as_numbers,
    known_numbers,
    require_columns,
    utc_column,
    utc_instant,
    utc_window,
)


def test_scoring_error_is_a_value_error():
    assert issubclass(ScoringError, ValueError)


def test_require_columns_adds_them_to_an_empty_frame_and_names_them_otherwise():
    for empty in (None, pd.DataFrame(), pd.DataFrame({"a": []})):
        frame = require_columns(empty, ("a", "b"), "rows")
        assert frame.empty and {"a", "b"} <= set(frame.columns)
    given = pd.DataFrame({"a": [1], "c": [2]})
    kept = require_columns(given, ("a",), "rows")
    assert kept is not given and list(kept.columns) == ["a", "c"]
    with pytest.raises(ScoringError, match="rows is missing column"):
        require_columns(given, ("a", "b"), "rows")


def test_as_numbers_raises_or_coerces():
    series = pd.Series([1, Decimal("2.5"), "3", None])
    assert as_numbers(series, "x").tolist()[:3] == [1.0, 2.5, 3.0]
    assert math.isnan(as_numbers(series, "x").iloc[3])
    with pytest.raises(ScoringError, match="x must be numeric"):
        as_numbers(pd.Series(["1", "one"]), "x")
    coerced = as_numbers(pd.Series(["1", "one", None]), "x", errors="coerce")
    assert coerced.dtype == float and coerced.iloc[0] == 1.0 and coerced.iloc[1:].isna().all()


def test_as_number_is_none_for_unknown_and_names_what_is_wrong():
    assert as_number(Decimal("2.5"), "x") == 2.5
    assert as_number(np.int64(3), "x") == 3.0
    assert as_number("0.25", "x") == 0.25
    assert as_number(None, "x") is None
    assert as_number(float("nan"), "x") is None
    assert as_number(np.float64("nan"), "x") is None
    assert as_number(math.inf, "x") == math.inf
    with pytest.raises(ScoringError, match="x is required"):
        as_number(None, "x", required=True)
    with pytest.raises(ScoringError, match="x is required"):
        as_number(float("nan"), "x", required=True)
    with pytest.raises(ScoringError, match="x must be a number, got 'abc'"):
        as_number("abc", "x")
    with pytest.raises(ScoringError, match="x must be a number"):
        as_number([1], "x")


def test_known_numbers_leave_out_every_kind_of_missing():
    values = [1, None, float("nan"), Decimal("2"), np.float64(3.5), pd.NA, pd.NaT]
    assert known_numbers(values) == [1.0, 2.0, 3.5]
    assert known_numbers(pd.Series([None, None], dtype=object)) == []


def test_utc_instant_reads_naive_as_utc_and_converts_aware():
    expected = pd.Timestamp("2026-01-01 00:00", tz="UTC")
    assert utc_instant("2026-01-01", "t") == expected
    assert utc_instant(dt.date(2026, 1, 1), "t") == expected
    assert utc_instant(pd.Timestamp("2026-01-01 01:00", tz="Europe/Paris"), "t") == expected
    assert str(utc_instant("2026-01-01", "t").tz) == "UTC"
    with pytest.raises(ScoringError, match="t is required"):
        utc_instant(None, "t")
    with pytest.raises(ScoringError, match="t must be a date/time, got 'soon'"):
        utc_instant("soon", "t")


def test_utc_window_must_not_run_backwards():
    start, end = utc_window("2026-01-01", "2026-01-11")
    assert (end - start) == pd.Timedelta(days=10)
    with pytest.raises(ScoringError, match="window_end .* must be after window_start"):
        utc_window("2026-01-01", "2026-01-01")
    assert utc_window("2026-01-01", "2026-01-01", empty_ok=True)[0] == start
    with pytest.raises(ScoringError, match="must be on or after"):
        utc_window("2026-01-11", "2026-01-01", empty_ok=True)


def test_utc_column():
    column = utc_column(pd.Series(["2026-01-01 00:00", None]), "c")
    assert column.iloc[0] == pd.Timestamp("2026-01-01", tz="UTC") and pd.isna(column.iloc[1])
    with pytest.raises(ScoringError, match="c must be date/times"):
        utc_column(pd.Series(["not a time"]), "c")

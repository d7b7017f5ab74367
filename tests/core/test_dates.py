"""Hand-worked examples of the shared time arithmetic in core.dates (no database)."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import (
    EARLIEST_DAY,
    LATEST_DAY,
    SCORING_HISTORY_DAYS,
    TRAILING_YEAR_DAYS,
    complete_quarter_index,
    day_end,
    quarter_before,
    quarter_ends,
    quarter_first_day,
    quarter_from_index,
    quarter_index,
    quarter_indexes,
    quarter_label,
    quarter_labels,
    quarter_of,
    quarter_start,
    quarters_back_start,
)

D = dt.date
days = st.dates(min_value=EARLIEST_DAY, max_value=LATEST_DAY)


def test_the_scoring_history_is_two_years_and_a_quarter():
    # 365 (trailing year) + 365 (Weibull lifetimes) + 92 (the longest quarter) = 822 days.
    assert SCORING_HISTORY_DAYS == 2 * TRAILING_YEAR_DAYS + 92 == 822


def test_day_end_is_the_next_midnight_in_utc():
    assert day_end(D(2026, 10, 31)) == pd.Timestamp("2026-11-01", tz="UTC")
    assert day_end(D(2026, 12, 31)) == pd.Timestamp("2027-01-01", tz="UTC")


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (D(2026, 1, 1), (2026, 1)),
        (D(2026, 3, 31), (2026, 1)),
        (D(2026, 4, 1), (2026, 2)),
        (D(2026, 9, 30), (2026, 3)),
        (D(2026, 12, 31), (2026, 4)),
    ],
)
def test_quarter_of(day, quarter):
    assert quarter_of(day) == quarter


def test_quarter_index_counts_quarters_consecutively():
    # 2025 × 4 + 4 − 1 = 8103; 2026Q1 is the next one.
    assert quarter_index(2025, 4) == 8103
    assert quarter_index(2026, 1) == 8104
    assert quarter_from_index(8103) == (2025, 4)
    assert quarter_from_index(8104) == (2026, 1)


@given(year=st.integers(min_value=1970, max_value=2199), quarter=st.integers(1, 4))
def test_quarter_from_index_undoes_quarter_index(year, quarter):
    assert quarter_from_index(quarter_index(year, quarter)) == (year, quarter)


def test_quarter_indexes_are_quarter_index_element_wise():
    years, quarters = pd.Series([2025, 2026, 2026]), pd.Series([4, 1, 3])
    assert quarter_indexes(years, quarters).tolist() == [8103, 8104, 8106]
    # Floats stay floats (scorecard years read as numbers).
    floats = quarter_indexes(years.astype(float), quarters.astype(float))
    assert floats.dtype == float and floats.tolist() == [8103.0, 8104.0, 8106.0]


def test_quarter_label_and_labels():
    assert quarter_label(2026, 3) == "2026Q3"
    assert quarter_label(2026.0, 3.0) == "2026Q3"
    # 2025Q4 … 2026Q2, a gap-free axis; an empty span gives no label.
    first, last = quarter_index(2025, 4), quarter_index(2026, 2)
    assert quarter_labels(first, last) == ["2025Q4", "2026Q1", "2026Q2"]
    assert quarter_labels(last, last) == ["2026Q2"]
    assert quarter_labels(last, first) == []


def test_quarter_first_day_and_start():
    assert quarter_first_day(2026, 1) == D(2026, 1, 1)
    assert quarter_first_day(2026, 4) == D(2026, 10, 1)
    assert quarter_start(D(2026, 8, 15)) == D(2026, 7, 1)
    assert quarter_start(D(2026, 7, 1)) == D(2026, 7, 1)


def test_quarter_ends_are_the_complete_quarters_before_as_ofs():
    # as_of in 2026Q4: the two quarters before it end on 2026-06-30 and 2026-09-30.
    assert quarter_ends(D(2026, 10, 31), 2) == [D(2026, 6, 30), D(2026, 9, 30)]
    # On a quarter's last day that quarter is not yet one of them.
    assert quarter_ends(D(2026, 9, 30), 1) == [D(2026, 6, 30)]


def test_quarters_back_start():
    # 2 quarters ending with 2026Q2 start on 2026-01-01; 1 quarter is as_of's own.
    assert quarters_back_start(D(2026, 5, 10), 2) == D(2026, 1, 1)
    assert quarters_back_start(D(2026, 5, 10), 1) == D(2026, 4, 1)
    # Across a year: 4 quarters ending with 2026Q1 start on 2025-04-01.
    assert quarters_back_start(D(2026, 2, 1), 4) == D(2025, 4, 1)


@pytest.mark.parametrize(
    ("day", "before"),
    [
        (D(2026, 11, 1), D(2026, 8, 1)),
        (D(2026, 5, 31), D(2026, 2, 28)),  # February is shorter: its last day
        (D(2024, 5, 31), D(2024, 2, 29)),  # a leap year's February
        (D(2026, 2, 15), D(2025, 11, 15)),  # across a year
        (D(2026, 12, 31), D(2026, 9, 30)),
    ],
)
def test_quarter_before(day, before):
    assert quarter_before(day) == before


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (D(2026, 9, 30), (2026, 3)),  # the quarter's last day: that quarter is over
        (D(2026, 10, 1), (2026, 3)),
        (D(2026, 11, 1), (2026, 3)),
        (D(2026, 12, 31), (2026, 4)),
        (D(2026, 1, 1), (2025, 4)),
    ],
)
def test_complete_quarter_index(day, quarter):
    assert complete_quarter_index(day) == quarter_index(*quarter)


@given(day=days)
def test_the_complete_quarter_ends_on_or_before_the_day(day):
    year, quarter = quarter_from_index(complete_quarter_index(day))
    following = quarter_from_index(complete_quarter_index(day) + 1)
    ends = quarter_first_day(*following) - dt.timedelta(days=1)
    assert ends <= day < ends + dt.timedelta(days=93)
    assert quarter_of(ends) == (year, quarter)

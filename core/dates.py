"""Days, windows and calendar quarters: the one home of the time arithmetic every figure,
page and parameter shares. Pure: no Django.

Windows are half-open, ``[start, end)``, in UTC. A figure "as of" a day is measured up to
the end of that day (``day_end``).
"""

import calendar
import datetime as dt

import pandas as pd

#: The trailing year of every 12-month figure (MTBF, MTTR, OEE, exposure, cost), in days.
TRAILING_YEAR_DAYS = 365
#: How far ahead the scorecard trend projects the SDP review, in calendar quarters.
SDP_HORIZON_QUARTERS = 4
#: The MTBF trend of the maturity score: this many complete calendar quarters to as_of.
MTBF_TREND_QUARTERS = 4
#: The history a site's recompute reads: the trailing year, the 4 complete quarters of the
#: MTBF trend before it, and a year more for the Weibull fit of lifetimes.
SCORING_HISTORY_DAYS = 2 * TRAILING_YEAR_DAYS + 92

#: The days a page or a parameter may ask for; quarter arithmetic stays far from
#: ``date.min`` and ``date.max``.
EARLIEST_DAY, LATEST_DAY = dt.date(1970, 1, 1), dt.date(2199, 12, 31)


def day_end(day: dt.date) -> pd.Timestamp:
    """The end of ``day`` in UTC (midnight after it): where every window "as of" it ends."""
    return pd.Timestamp(day + dt.timedelta(days=1), tz="UTC")


def measured_to(day: dt.date, now: pd.Timestamp) -> pd.Timestamp:
    """The moment figures as of ``day`` are measured up to: ``now`` for today, the day's
    end for a past day. A window "to the end of today" would reach into hours not yet
    lived: the sensors' freshness measured there misses the readings of last night."""
    return min(day_end(day), pd.Timestamp(now).tz_convert("UTC"))


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(year, quarter 1–4) of ``day``."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_index(year: int, quarter: int) -> int:
    """Consecutive quarter number, year × 4 + quarter − 1: quarters subtract as integers."""
    return int(year) * 4 + int(quarter) - 1


def quarter_from_index(index: int) -> tuple[int, int]:
    """(year, quarter) of a ``quarter_index``."""
    return index // 4, index % 4 + 1


def quarter_label(year: int, quarter: int) -> str:
    """ "2026Q3"."""
    return f"{int(year)}Q{int(quarter)}"


def quarter_first_day(year: int, quarter: int) -> dt.date:
    """The first day of the calendar quarter."""
    return dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)


def quarter_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s calendar quarter."""
    return quarter_first_day(*quarter_of(day))


def quarter_ends(as_of: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` calendar quarters before ``as_of``'s, oldest first."""
    ends = []
    first_of_quarter = quarter_start(as_of)
    for _ in range(count):
        end = first_of_quarter - dt.timedelta(days=1)
        ends.append(end)
        first_of_quarter = quarter_start(end)
    return sorted(ends)


def quarters_back_start(as_of: dt.date, quarters: int) -> dt.date:
    """The first day of the quarter ``quarters − 1`` before ``as_of``'s: the start of a
    span of ``quarters`` calendar quarters ending with ``as_of``'s."""
    return quarter_first_day(
        *quarter_from_index(quarter_index(*quarter_of(as_of)) - (quarters - 1))
    )


def quarter_before(day: dt.date) -> dt.date:
    """The same day one quarter (3 months) earlier, the last day of that month when it is
    shorter: 2026-11-01 → 2026-08-01, 2026-05-31 → 2026-02-28."""
    year, month = divmod(day.year * 12 + day.month - 1 - 3, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def quarter_indexes(years, quarters):
    """``quarter_index`` element-wise over Series or arrays of years and quarters (their
    dtype kept: float in, float out). Example: years [2025, 2026], quarters [4, 1] →
    [8103, 8104], consecutive."""
    return years * 4 + quarters - 1


def quarter_labels(first: int, last: int) -> list[str]:
    """The labels of every quarter from index ``first`` to ``last``, both included, oldest
    first; a quarter without data stays in the list. Example: 2025Q4 … 2026Q2 →
    ["2025Q4", "2026Q1", "2026Q2"]; ``last`` before ``first`` → []."""
    return [quarter_label(*quarter_from_index(index)) for index in range(first, last + 1)]


def complete_quarter_index(day: dt.date) -> int:
    """``quarter_index`` of the last calendar quarter over by the end of ``day``: ``day``'s
    own quarter when ``day`` is its last day, else the one before. Example: 2026-09-30 →
    2026Q3; 2026-11-01 → 2026Q3; 2026-10-01 → 2026Q3."""
    index = quarter_index(*quarter_of(day))
    return index if quarter_of(day + dt.timedelta(days=1)) != quarter_of(day) else index - 1

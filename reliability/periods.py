"""The period of the work-order totals: ``?from=YYYY-MM-DD&to=YYYY-MM-DD``, whole UTC days.

Read alike by the pages (a bad value is reported and the default shown) and the API (a bad
value is a 400 naming the parameter). The default is the trailing 12 months to the page's
day (as-of, else today): the 365 days the maintenance-cost figure sums.
"""

import datetime as dt
from dataclasses import dataclass

from core.dates import TRAILING_YEAR_DAYS
from core.params import FilterError, parse_day


@dataclass(frozen=True)
class Period:
    """The UTC days ``first``..``last``, both included: [first 00:00, last + 1 day 00:00)."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC)

    @property
    def label(self) -> str:
        return f"{self.first} to {self.last} (UTC days)"


def default_period(last: dt.date) -> Period:
    return Period(last - dt.timedelta(days=TRAILING_YEAR_DAYS - 1), last)


class PeriodError(FilterError):
    """A bad ``from`` or ``to``; ``param`` names it (the API's 400 is keyed by it)."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


def parse_period(params, default_last: dt.date) -> Period:
    """``from`` and ``to`` of ``params``; raises PeriodError naming the bad parameter."""
    days = {}
    for name in ("to", "from"):
        try:
            days[name] = parse_day(params.get(name), name)
        except FilterError as exc:
            raise PeriodError(name, str(exc)) from None
    last = days["to"] or default_last
    first = days["from"] or default_period(last).first
    if first > last:
        raise PeriodError("from", f"from: {first} is after to ({last}).")
    return Period(first, last)


def read_period(params, default_last: dt.date) -> tuple[Period, list[str]]:
    """``parse_period`` for a page: a bad value is reported and the default used."""
    try:
        return parse_period(params, default_last), []
    except FilterError as exc:
        return default_period(default_last), [f"{exc} Showing the trailing 12 months."]

"""What several pages share: the score history of a set of sites, and its window."""

import datetime as dt

from core.dates import quarter_ends
from scores import selectors
from scores.figures.rollup import aggregate

NO_SNAPSHOT = "Scores are computed nightly and after each ingest; run manage.py recompute."


def history_days(as_of: dt.date, quarters: int) -> list[dt.date]:
    """The last ``quarters`` quarter ends before ``as_of``, then ``as_of`` itself."""
    return [*quarter_ends(as_of, quarters), as_of]


def history(site_ids, days: list[dt.date], standard: dict) -> list[dict]:
    """The roll-up of ``site_ids`` at each of ``days``: each site's newest snapshot on or
    before the day, aggregated (exposure, revenue and value at risk, maturity)."""
    if not days:
        return []
    by_day = selectors.snapshot_history(site_ids, days)
    return [
        {"day": day, "figures": aggregate(by_day[day], standard) if by_day[day] else None}
        for day in days
    ]


def window_label(figures: dict) -> str | None:
    """The day(s) the roll-up's snapshots were computed as of, for every tile's window."""
    first, last = figures["as_of_first"], figures["as_of_last"]
    if last is None:
        return None
    return f"as of {last}" if first == last else f"sites as of {first} to {last}"

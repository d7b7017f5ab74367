"""What several pages share: the score history of a set of sites, and its window."""

import datetime as dt

from core.dates import quarter_ends
from scores import selectors
from scores.figures.rollup import aggregate

NO_SNAPSHOT = "Scores are computed nightly and after each ingest."


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


# --- When condition monitoring can remove nothing ---------------------------------------------
# Addressable exposure counts only the penalties linked to a failure whose mode condition
# monitoring detects (oem.metrics.addressable_exposure); "$0 of … exposure" hides why it is 0.
NO_PENALTIES = "no_penalties"
NONE_DETECTABLE = "none_detectable"
NO_REDUCTION = "no_reduction"


def nothing_addressable(exposure, addressable, avoidable=None) -> str | None:
    """Why condition monitoring is expected to remove nothing: ``NO_PENALTIES`` (no
    exposure at all), ``NONE_DETECTABLE`` (penalties, none from a failure it detects) or,
    given ``avoidable``, ``NO_REDUCTION`` (the standard expects no reduction). None when
    it removes something, or when a figure is unknown (unknown is not nothing)."""
    if exposure is None or addressable is None:
        return None
    if float(addressable) > 0:
        return NO_REDUCTION if avoidable is not None and float(avoidable) <= 0 else None
    return NO_PENALTIES if float(exposure) <= 0 else NONE_DETECTABLE


def nothing_addressable_sentence(name: str, reason: str | None, window: str | None) -> str | None:
    """The sentence that replaces "Condition monitoring can remove $0 of …", with the
    window in brackets: "None of Site C's OEM penalties came from failures condition
    monitoring detects: it can remove none of the exposure (trailing 12 months to …)."."""
    clause = {
        NO_PENALTIES: f"{name} has no OEM penalty exposure: there is nothing for condition "
        "monitoring to remove",
        NONE_DETECTABLE: f"None of {name}'s OEM penalties came from failures condition "
        "monitoring detects: it can remove none of the exposure",
        NO_REDUCTION: f"The standard expects condition monitoring to remove none of {name}'s "
        "addressable exposure (an expected reduction of 0 %)",
    }.get(reason)
    if clause is None:
        return None
    return f"{clause} ({window})." if window else f"{clause}."


#: Why nothing is avoided, by reason: the capital table's "avoided per year" cell and the
#: site page's payback say it instead of "$0".
NOTHING_AVOIDED = {
    NO_PENALTIES: "no OEM penalties in the window",
    NONE_DETECTABLE: "no penalty came from a failure condition monitoring detects",
    NO_REDUCTION: "the standard expects no reduction",
}

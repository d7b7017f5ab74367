"""Reading the parameters of a URL, for pages and the API alike: one parser per kind of
value, each with its bounds and a message that names the parameter.

A page reports a bad value and falls back to the default (``read_filters``), so a
mistyped link still shows a page; the API refuses it with a 400 naming the parameter.
"""

import datetime as dt
import math

from core.dates import EARLIEST_DAY, LATEST_DAY

HISTORY_QUARTERS = 8
MAX_HISTORY_QUARTERS = 20
QUARTER_CHOICES = (4, 8, 12, 20)


class FilterError(ValueError):
    """A parameter in the URL that cannot be read; the message names it and says what is
    used instead."""


def parse_day(
    raw: str | None, name: str, fallback: str | None = None, *, bounded: bool = True
) -> dt.date | None:
    """An ISO day (``YYYY-MM-DD``); None when absent. ``bounded``: between ``EARLIEST_DAY``
    and ``LATEST_DAY`` (pages do quarter arithmetic around it). ``fallback`` says what a
    page shows instead of a bad value; the API, which refuses it, gives none."""
    then = f"; {fallback}." if fallback else "."
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise FilterError(f"{name}: {raw!r} is not a date (YYYY-MM-DD){then}") from None
    if bounded and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise FilterError(f"{name}: {raw} is outside {EARLIEST_DAY.year}–{LATEST_DAY.year}{then}")
    return day


def parse_as_of(raw: str | None) -> dt.date | None:
    """``?as_of=YYYY-MM-DD``: the day whose latest snapshots the page shows (None: newest)."""
    return parse_day(raw, "as_of", "showing the latest")


def parse_budget(raw: str | None) -> float | None:
    """``?budget=``: the capital budget to fund sites in priority order (None: no budget)."""
    if raw in (None, ""):
        return None
    try:
        value = float(raw.replace(",", "").replace("$", ""))
    except ValueError:
        raise FilterError(
            f"budget: {raw!r} is not an amount; showing every site unfunded."
        ) from None
    if not math.isfinite(value) or value < 0:
        raise FilterError("budget: must be an amount of zero or more.")
    return value


def parse_quarters(raw: str | None) -> int:
    """``?quarters=N``: how many quarter ends the history charts show (1–20, default 8)."""
    if not raw:
        return HISTORY_QUARTERS
    try:
        value = int(raw)
    except ValueError:
        raise FilterError(f"quarters: {raw!r} is not a whole number; showing 8.") from None
    if not 1 <= value <= MAX_HISTORY_QUARTERS:
        raise FilterError(f"quarters: must be between 1 and {MAX_HISTORY_QUARTERS}.") from None
    return value


def parse_instant(raw: str | None) -> dt.datetime | None:
    """An ISO date-time with a UTC offset (``2026-11-01T08:00:00+00:00``); None when absent.
    A time without an offset is refused: the API never guesses a time zone."""
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"{raw!r} is not a date-time (ISO 8601 with a UTC offset)") from None
    if value.tzinfo is None:
        raise FilterError(f"{raw!r} needs a UTC offset")
    return value


def read_filters(params, **parsers) -> tuple[dict, list[str]]:
    """Each ``name=parser`` read from ``params`` (a request's GET); a bad value is reported
    and left at its default (the parser's answer for no value)."""
    values, errors = {}, []
    for name, parser in parsers.items():
        try:
            values[name] = parser(params.get(name))
        except FilterError as exc:
            errors.append(str(exc))
            values[name] = parser(None)
    return values, errors

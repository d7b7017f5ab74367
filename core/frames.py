"""Input checks shared by the pure computation modules (``reliability.metrics``,
``reliability.statistics``, ``reliability.condition``, ``oem.metrics``,
``scores.figures``): one error type, required columns, numbers and UTC instants.

Pure: no Django. Every check raises :class:`ScoringError` (a ``ValueError``) whose message
names the input to fix. None and NaN are "unknown" throughout: a missing number is None
(or NaN in a float column), never 0, unless a caller decides so.
"""

import math
from typing import Literal

import pandas as pd


class ScoringError(ValueError):
    """Input a scoring function cannot compute from; the message says what to fix."""


def require_columns(frame: pd.DataFrame | None, columns, what: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` present; an empty frame gets them added."""
    if frame is None:
        frame = pd.DataFrame()
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        if len(frame):
            raise ScoringError(f"{what} is missing column(s) {', '.join(missing)}")
        frame = frame.copy()
        for column in missing:
            frame[column] = pd.Series(dtype=object)
    return frame.copy()


def as_numbers(
    series: pd.Series, what: str, *, errors: Literal["raise", "coerce"] = "raise"
) -> pd.Series:
    """Floats from numbers, Decimals or numeric strings (None → NaN).

    A value that is not a number raises ScoringError "``what`` must be numeric"; with
    ``errors="coerce"`` it becomes NaN instead, for inputs where an unreadable number
    counts as missing (the KPIs of ``reliability.metrics`` then count it as 0).
    """
    if errors == "coerce":
        return pd.to_numeric(series.astype(object), errors="coerce").astype(float)
    try:
        return pd.to_numeric(series, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what} must be numeric") from exc


def as_number(value, what: str, *, required: bool = False) -> float | None:
    """``float(value)`` of one number: int, float, Decimal, numpy scalar or numeric string.

    None and NaN are unknown: None, or ScoringError "``what`` is required" when
    ``required``. Anything else that is not a number raises ScoringError "``what`` must be
    a number, got …". Example: Decimal("2.5") → 2.5; float("nan") → None.
    """
    if value is not None:
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ScoringError(f"{what} must be a number, got {value!r}") from exc
        if not math.isnan(number):
            return number
    if required:
        raise ScoringError(f"{what} is required")
    return None


def known_numbers(values) -> list[float]:
    """The known values of an iterable (a list, a Series…) as floats, in order: None, NaN,
    NaT and NA are left out. Example: [1, None, nan, Decimal("2")] → [1.0, 2.0]."""
    return [float(value) for value in values if not pd.isna(value)]


def utc_instant(value, what: str) -> pd.Timestamp:
    """``value`` (Timestamp, datetime, date or ISO string) as an aware UTC Timestamp; a
    naive value is taken to be UTC. None or NaT raises "``what`` is required"."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what} must be a date/time, got {value!r}") from exc
    if pd.isna(stamp):
        raise ScoringError(f"{what} is required")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def utc_window(
    window_start, window_end, *, empty_ok: bool = False
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The half-open window ``[window_start, window_end)`` as UTC Timestamps.

    ``window_end`` must be after ``window_start``; with ``empty_ok`` it may equal it (an
    empty window sums to 0). Otherwise ScoringError naming both bounds.
    """
    start = utc_instant(window_start, "window_start")
    end = utc_instant(window_end, "window_end")
    if end < start or (end == start and not empty_ok):
        relation = "on or after" if empty_ok else "after"
        raise ScoringError(f"window_end {end} must be {relation} window_start {start}")
    return start, end


def utc_column(series: pd.Series, what: str) -> pd.Series:
    """Timestamps, datetimes or ISO strings as an aware UTC column (naive → UTC, None →
    NaT); values that are not date/times raise ScoringError "``what`` must be date/times"."""
    try:
        return pd.to_datetime(series, utc=True)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what} must be date/times") from exc

"""Maintenance and reliability KPIs as pure functions over pandas data (SPEC §3).

No Django here: callers (selectors/services) turn querysets into DataFrames, these functions
turn DataFrames into numbers, dicts and DataFrames. Each function's docstring gives the
formula, the unit, the window semantics and the edge cases.

Conventions shared by every function:

* Timestamps are timezone-aware UTC (``datetime64[ns|us|s, UTC]``). Columns are converted
  with ``pd.to_datetime(..., utc=True)``, so aware Python datetimes and strings are accepted
  too; a naive window bound is taken to be UTC.
* Windows are half-open, ``[window_start, window_end)``; ``window_end`` must be later than
  ``window_start``.
* An empty input may be an empty DataFrame without any columns (what
  ``pd.DataFrame(list(queryset.values(...)))`` gives for no rows); a non-empty input missing
  a required column raises an error naming it.
* Bad input raises ``core.frames.ScoringError`` (a ``ValueError``).
* A ratio whose denominator is zero is ``None`` (never ``inf``, ``nan`` or an exception).
  In returned DataFrames such columns are ``object`` dtype holding ``float`` or ``None``,
  so they serialise to JSON ``null`` and render as blank; use ``pd.to_numeric`` for maths.
* Money and minutes arrive as Decimal or int and are computed as ``float``.
* Failures: a failure with no ``ended_at`` has an UNKNOWN duration (one failure event, no
  downtime, no repair time); only a failure flagged open (optional ``is_open`` column, the
  asset is down now) is down until the window end. ``ended_at == started_at`` is a valid
  failure of 0 h. Operating time starts at installation when the caller gives it
  (``installed``), and a failure or repair before it is outside the asset's window, in
  MTBF, MTTR and the per-quarter counts alike. A failure that started before the window
  (even long before, still open) adds its downtime inside it but is no event of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from core.dates import TRAILING_YEAR_DAYS, quarter_first_day
from core.frames import (
    ScoringError,
    as_numbers,
    known_numbers,
    require_columns,
    utc_column,
    utc_instant,
    utc_window,
)

HOURS_PER_YEAR = 8760

#: Work-order kinds whose repair time counts in MTTR (SMRP 3.5.2: repairs of failures).
REPAIR_KINDS = frozenset({"corrective", "emergency"})
PREVENTIVE_KIND = "preventive"
#: Relative slack before a performance above 1 is flagged (float rounding of exact 100 %).
PERFORMANCE_TOLERANCE = 1e-9

_HOUR = pd.Timedelta(hours=1)
_DAY = pd.Timedelta(days=1)
_FAILURE_COLUMNS = ("asset_id", "started_at", "ended_at")
_OEE_COLUMNS = (
    "planned_production_minutes",
    "run_minutes",
    "ideal_cycle_time_seconds",
    "total_count",
    "good_count",
)
_OEE_RATIOS = ("availability", "performance", "quality", "oee")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _numbers_or_zero(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    """A column of numbers as float64 with missing or unreadable values as 0.0."""
    return as_numbers(frame[column], f"{what}.{column}", errors="coerce").fillna(0.0)


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else float(numerator) / float(denominator)


def _merge(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Union of the intervals in ``frame`` (columns by, start, end) per ``by`` value.

    Rows with a missing bound or with ``end <= start`` are dropped. Intervals that overlap
    or touch (next start == running end) are merged. Sorted by (by, start).
    """
    frame = frame.loc[frame["start"].notna() & frame["end"].notna(), [by, "start", "end"]]
    frame = frame.loc[frame["end"] > frame["start"]]
    frame = frame.sort_values([by, "start", "end"]).reset_index(drop=True)
    if frame.empty:
        return frame
    reach = frame.groupby(by, sort=False)["end"].cummax()
    previous = reach.groupby(frame[by], sort=False).shift()
    block = (previous.isna() | (frame["start"] > previous)).cumsum()
    aggregations = {by: (by, "first"), "start": ("start", "min"), "end": ("end", "max")}
    return frame.groupby(block, sort=True).agg(**aggregations).reset_index(drop=True)


def open_flags(failures: pd.DataFrame) -> pd.Series:
    """The optional ``is_open`` column as booleans (missing column or value = not open).

    Open means the asset is still down now (an explicit fact, never inferred from a missing
    end); only an open failure runs to the window end.
    """
    if "is_open" not in failures.columns:
        return pd.Series(False, index=failures.index, dtype=bool)
    flags = failures["is_open"].astype(object)
    return flags.where(flags.notna(), False).astype(bool)


def _clipped_downtime(
    failures: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, starts=None
) -> pd.DataFrame:
    """Failure intervals (asset_id, start, end) clipped to ``[start, end)``.

    An open failure is down until ``end``; a failure with no end that is not open has an
    unknown duration and adds no downtime. ``starts`` (asset_id → UTC Timestamp, optional)
    moves an asset's lower bound later (its installation).
    """
    frame = pd.DataFrame(
        {
            "asset_id": failures["asset_id"],
            "start": utc_column(failures["started_at"], "failures.started_at"),
            "end": utc_column(failures["ended_at"], "failures.ended_at"),
        }
    )
    frame.loc[open_flags(failures), "end"] = end
    frame = frame.loc[frame["asset_id"].notna() & frame["start"].notna() & frame["end"].notna()]
    floor = pd.Series(start, index=frame.index)
    if starts is not None and len(frame) and len(starts):
        floor = _lookup(starts, frame["asset_id"]).fillna(start)
    frame["start"] = frame["start"].where(frame["start"] >= floor, floor)
    frame["end"] = frame["end"].clip(upper=end)
    return frame.loc[frame["end"] > frame["start"]]


def merged_downtime(failures: pd.DataFrame, window_start, window_end) -> pd.DataFrame:
    """Merged downtime intervals per asset inside ``[window_start, window_end)``.

    Columns asset_id, start, end (UTC), sorted by asset_id then start. Each failure row is
    the interval [started_at, ended_at); an open failure (``is_open``) is down until
    ``window_end``; a failure with no end that is not open (unknown duration) adds nothing;
    intervals crossing a window edge are clipped to it; overlapping or touching intervals
    of one asset are merged (several rows of one event are one interval).
    """
    start, end = utc_window(window_start, window_end)
    frame = require_columns(failures, _FAILURE_COLUMNS, "failures")
    return _merge(_clipped_downtime(frame, start, end), by="asset_id")


def failure_events(failures: pd.DataFrame, window_start, window_end) -> pd.DataFrame:
    """Distinct failure events starting in ``[window_start, window_end)``.

    One row per distinct (asset_id, started_at): several rows of one asset with the same
    start are one event, whatever their end (known, unknown, open or zero). Columns
    asset_id, started_at (UTC), sorted by asset then time.
    """
    start, end = utc_window(window_start, window_end)
    failures = require_columns(failures, ("asset_id", "started_at"), "failures")
    started_at = utc_column(failures["started_at"], "failures.started_at")
    frame = pd.DataFrame({"asset_id": failures["asset_id"], "started_at": started_at})
    frame = frame.loc[
        frame["asset_id"].notna() & (frame["started_at"] >= start) & (frame["started_at"] < end)
    ]
    return frame.drop_duplicates().sort_values(["asset_id", "started_at"]).reset_index(drop=True)


def installation_starts(installed, assets: pd.Index, window_start, window_end) -> pd.Series:
    """When each asset's operating time starts inside the window: the later of
    ``window_start`` and the start (00:00 UTC) of its installation day, never after
    ``window_end``.

    ``installed``: a mapping or Series asset_id → date (or datetime, or None = installed
    before the window); None for no installation dates at all. Returns a Series of UTC
    Timestamps indexed like ``assets``.
    """
    start, end = utc_window(window_start, window_end)
    lookup = {} if installed is None else dict(installed.items())
    firsts = []
    for asset in assets:
        day = lookup.get(asset)
        when = start if day is None or pd.isna(day) else utc_instant(day, "installed")
        firsts.append(min(max(when, start), end))
    return pd.Series(firsts, index=assets, dtype="datetime64[ns, UTC]")


def operating_floors(asset_ids: pd.Series, installed, window_start, window_end) -> pd.Series:
    """For each row of ``asset_ids``, when its asset's operating time starts inside the
    window (``installation_starts``; ``window_start`` for an asset without a date or a
    row without an asset): an event before it is outside the asset's window. Indexed like
    ``asset_ids``."""
    start, end = utc_window(window_start, window_end)
    floors = pd.Series(start, index=asset_ids.index, dtype="datetime64[ns, UTC]")
    if installed is None or not len(asset_ids):
        return floors
    assets = _asset_index(asset_ids.dropna())
    starts = installation_starts(installed, assets, start, end)
    known = asset_ids.notna()
    floors[known] = _lookup(starts, asset_ids[known]).fillna(start)
    return floors


def _lookup(per_asset: pd.Series, asset_ids: pd.Series) -> pd.Series:
    """``per_asset`` (indexed by asset_id) read for each of ``asset_ids``, on its index;
    NaT for an asset it does not hold."""
    values = per_asset.reindex(asset_ids.to_numpy()).array
    return pd.Series(values, index=asset_ids.index)


def _asset_index(asset_ids) -> pd.Index:
    values = list(asset_ids) if asset_ids is not None else []
    return pd.Index(pd.unique(pd.Series(values, dtype=object)), name="asset_id")


# --------------------------------------------------------------------------------------
# availability: downtime, MTBF, MTTR
# --------------------------------------------------------------------------------------


def downtime_hours(failures: pd.DataFrame, window_start, window_end) -> pd.Series:
    """Hours of merged, KNOWN downtime per asset inside the window.

    ``failures`` columns asset_id, started_at, ended_at (UTC), optional is_open. Formula,
    per asset: Σ over merged intervals of (min(end, window_end) − max(start, window_start))
    in hours, where an open failure (is_open) is down until window_end, a failure with no
    end that is not open (unknown duration) adds nothing, and overlapping or touching
    failures (including several rows of one event) count once.

    Returns a float Series named ``downtime_hours``, index ``asset_id``, holding every asset
    that appears in ``failures`` (0.0 when none of its downtime falls inside the window).
    Empty input gives an empty Series.
    """
    start, end = utc_window(window_start, window_end)
    frame = require_columns(failures, _FAILURE_COLUMNS, "failures")
    return _downtime(frame, _asset_index(frame["asset_id"].dropna()), start, end, None)


def _downtime(frame, assets: pd.Index, start, end, starts) -> pd.Series:
    merged = _merge(_clipped_downtime(frame, start, end, starts), by="asset_id")
    hours = ((merged["end"] - merged["start"]) / _HOUR).groupby(merged["asset_id"]).sum()
    hours = hours.reindex(assets, fill_value=0.0).astype(float)
    hours.index.name = "asset_id"
    return hours.rename("downtime_hours")


def mtbf(
    failures: pd.DataFrame, asset_ids, window_start, window_end, installed=None
) -> pd.DataFrame:
    """Mean time between failures per asset over ``[window_start, window_end)`` (SMRP 3.5.1).

    Failure events are unplanned stops only (the caller passes FailureEvent rows; proactive
    repairs are never failure events). ``installed`` (optional mapping or Series asset_id →
    installation date; missing = installed before the window) starts an asset's own window
    at 00:00 UTC of that day (``installation_starts``). Per asset, over its own window:

    * operating_hours = its window hours − known downtime_hours (merged, clipped to its
      window; an open failure is down until window_end; a failure with no end that is not
      open has an unknown duration and takes no operating time off);
    * failures = number of DISTINCT events (distinct started_at) starting in its window,
      whatever their end: several rows of one asset with the same started_at are one
      event; an event that started before the window adds downtime but is not counted;
    * mtbf_hours = operating_hours ÷ failures, in hours;
    * with 0 failures the MTBF is right-censored: ``censored`` is True and mtbf_hours holds
      operating_hours as the lower bound (report "> mtbf_hours h"; never infinite). An
      asset installed after window_end has 0 operating hours and is censored at 0 h.
      Exclude censored rows from averages (``mean_mtbf`` does).

    Example: 7 failures without end in a 365-day window → 0 h down, MTBF 8,760 ÷ 7 h.

    Returns one row per id in ``asset_ids`` (order kept, duplicates dropped; ids without
    failures included, failures of other assets ignored), index ``asset_id``, columns
    operating_hours (float), failures (int), mtbf_hours (float), censored (bool), and the
    extra column downtime_hours (float).
    """
    start, end = utc_window(window_start, window_end)
    frame = require_columns(failures, _FAILURE_COLUMNS, "failures")
    assets = _asset_index(asset_ids)
    starts = installation_starts(installed, assets, start, end)
    down = _downtime(frame, assets, start, end, starts)
    events = failure_events(frame, start, end)
    if len(events) and len(starts):  # a failure before installation is not in its window
        events = events.loc[events["started_at"] >= _lookup(starts, events["asset_id"])]
    counts = events.groupby("asset_id").size().reindex(assets, fill_value=0).astype(int)
    operating = ((end - starts) / _HOUR - down).clip(lower=0.0)
    censored = counts == 0
    per_failure = operating / counts.where(~censored, 1)
    return pd.DataFrame(
        {
            "operating_hours": operating.to_numpy(dtype=float),
            "failures": counts.to_numpy(dtype=int),
            "mtbf_hours": per_failure.to_numpy(dtype=float),
            "censored": censored.to_numpy(dtype=bool),
            "downtime_hours": down.to_numpy(dtype=float),
        },
        index=assets,
    )


def mean_mtbf(table: pd.DataFrame) -> float | None:
    """Arithmetic mean of ``mtbf_hours`` over the uncensored rows of an ``mtbf`` table, hours.

    Censored rows (0 failures) are lower bounds, not values, and are excluded. ``None`` when
    no row is uncensored (including an empty table).
    """
    if table is None or table.empty:
        return None
    values = table.loc[~table["censored"].astype(bool), "mtbf_hours"].astype(float)
    return float(values.mean()) if len(values) else None


def fleet_mtbf(table: pd.DataFrame) -> dict:
    """Pooled MTBF of a fleet from an ``mtbf`` table (SMRP 3.5.1 over all the assets).

    Formula: hours = Σ operating_hours ÷ Σ failures, in hours: the figure a reliability
    engineer gets in a spreadsheet (total running time over total failures), unlike
    ``mean_mtbf`` which averages per-asset MTBFs. With no failure at all it is censored:
    hours = Σ operating_hours as the lower bound ("> hours h"), never infinite or zero.
    Example: 100 assets × 8,760 h and 73 failure events → 876,000 ÷ 73 = 12,000 h.

    Keys: hours (None for an empty table), censored (bool), operating_hours (float),
    failures (int), assets (int).
    """
    if table is None or table.empty:
        return {
            "hours": None,
            "censored": False,
            "operating_hours": 0.0,
            "failures": 0,
            "assets": 0,
        }
    operating = float(table["operating_hours"].astype(float).sum())
    failures = int(table["failures"].sum())
    return {
        "hours": operating / failures if failures else operating,
        "censored": failures == 0,
        "operating_hours": operating,
        "failures": failures,
        "assets": int(len(table)),
    }


def mttr(
    work_orders: pd.DataFrame, window_start, window_end, failures=None, installed=None
) -> dict:
    """Mean time to repair (SMRP 3.5.2), hours, over the repair events of the window.

    Repair events (``repair_events``): every distinct failure event that started in
    ``[window_start, window_end)``, and every corrective or emergency work order completed
    in the window that is not linked to one of those failures. ``installed`` (optional,
    as in ``mtbf``) starts an asset's own window at its installation: a failure or work
    order of that asset before it is outside the window, as in MTBF. A repair's time is known
    when the failure has an end (zero allowed), else from its linked work order
    (completed_at − started_at), and for a work order from its own times; an open failure
    has no repair time yet. Formula: hours = mean of the known repair times.

    Returns {"hours": float or None when no time is known, "count": repairs with a known
    time, "events": all repair events, "without_time": events − count}. Example: 19
    repairs, 12 with a time → "MTTR from 12 of 19 repairs; 7 have no repair time".
    """
    events = repair_events(work_orders, window_start, window_end, failures, installed)
    known = events["hours"].dropna()
    count, total = int(len(known)), int(len(events))
    return {
        "hours": float(known.mean()) if count else None,
        "count": count,
        "events": total,
        "without_time": total - count,
    }


def mttr_by_asset(
    work_orders: pd.DataFrame, window_start, window_end, failures=None, installed=None
):
    """:func:`mttr` per asset: the same repair events, grouped by ``asset_id``.

    Returns index ``asset_id``, columns hours (float, NaN when none of its repairs has a
    time), count (int, repairs with a time) and events (int); assets with no repair event
    have no row. Example: asset 1 repaired in 2 h and 4 h → hours 3.0, count 2, events 2.
    """
    events = repair_events(work_orders, window_start, window_end, failures, installed)
    grouped = events.groupby("asset_id")["hours"]
    return pd.DataFrame(
        {
            "hours": grouped.mean().astype(float),
            "count": grouped.count().astype(int),
            "events": grouped.size().astype(int),
        }
    ).rename_axis("asset_id")


def repair_events(
    work_orders: pd.DataFrame, window_start, window_end, failures=None, installed=None
) -> pd.DataFrame:
    """The repair events :func:`mttr` averages: columns asset_id, source ("failure" or
    "work order"), hours (float, NaN when the repair time is unknown).

    ``failures`` (optional) columns asset_id, started_at, ended_at, optional is_open and
    work_order_id; ``work_orders`` columns kind, started_at, completed_at, and
    work_order_id (needed to follow links) and asset_id (needed per asset).

    * a failure event = distinct (asset_id, started_at) started in the window; its hours:
      open → unknown; else the latest known ended_at − started_at over its rows; else the
      longest linked work order's completed_at − started_at; else unknown;
    * a work order: kind corrective or emergency (case-insensitive), completed in the
      window, not linked to one of those failure events; hours = completed_at − started_at,
      unknown when started_at is missing or after completed_at.

    ``installed`` (optional mapping asset_id → installation date or instant, as in
    ``mtbf``) moves an asset's window start to its installation (``installation_starts``):
    its failures started, and its work orders completed, before then are not repair events
    of the window, just as they are not MTBF failures.
    """
    start, end = utc_window(window_start, window_end)
    orders = require_columns(work_orders, ("kind", "started_at", "completed_at"), "work_orders")
    began = utc_column(orders["started_at"], "work_orders.started_at")
    completed = utc_column(orders["completed_at"], "work_orders.completed_at")
    order_hours = ((completed - began) / _HOUR).where(completed >= began)
    ids = orders["work_order_id"] if "work_order_id" in orders.columns else None
    repaired = _failure_repairs(failures, start, end, order_hours, completed, ids, installed)
    kind = orders["kind"].astype(object).where(orders["kind"].notna(), "").astype(str).str.lower()
    asset = orders["asset_id"] if "asset_id" in orders.columns else pd.Series(None, orders.index)
    floor = operating_floors(asset, installed, start, end)
    mask = kind.isin(REPAIR_KINDS) & completed.notna() & (completed >= floor) & (completed < end)
    if ids is not None and "work_order_ids" in repaired.attrs:
        mask &= ~ids.isin(repaired.attrs["work_order_ids"])
    by_orders = pd.DataFrame(
        {"asset_id": asset[mask], "source": "work order", "hours": order_hours[mask]}
    )
    parts = [part for part in (repaired, by_orders) if len(part)]
    if not parts:
        return pd.DataFrame(
            {
                "asset_id": pd.Series(dtype=object),
                "source": pd.Series(dtype=object),
                "hours": pd.Series(dtype=float),
            }
        )
    table = pd.concat(parts, ignore_index=True)
    table["hours"] = table["hours"].astype(float)
    return table


def _failure_repairs(
    failures, start, end, order_hours: pd.Series, order_completed, order_ids, installed=None
) -> pd.DataFrame:
    """One row per distinct failure event started in [start, end), and not before its
    asset's installation (``installed``), with its repair hours; ``attrs["work_order_ids"]``
    holds the work orders that are not repairs of their own: those linked to these events,
    and those linked to a failure of the window logged before its asset's installation (a
    repair of a failure that is no event of the asset's life is none either). A linked
    order completed before its failure started is not its repair: its hours are ignored."""
    if failures is None or not len(failures):
        return pd.DataFrame()
    frame = require_columns(failures, _FAILURE_COLUMNS, "failures")
    began = utc_column(frame["started_at"], "failures.started_at")
    ended = utc_column(frame["ended_at"], "failures.ended_at")
    floor = operating_floors(frame["asset_id"], installed, start, end)
    keep = frame["asset_id"].notna() & (began >= floor) & (began < end)
    before_installation = frame["asset_id"].notna() & (began >= start) & (began < floor)
    links = (
        frame["work_order_id"]
        if "work_order_id" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    linked_hours = pd.Series(np.nan, index=frame.index)
    if order_ids is not None:
        unique = ~pd.Index(order_ids).duplicated()
        by_id = pd.Series(order_hours.to_numpy()[unique], index=order_ids.to_numpy()[unique])
        done = pd.Series(order_completed.to_numpy()[unique], index=order_ids.to_numpy()[unique])
        linked_done = pd.to_datetime(links.map(done), utc=True)
        linked_hours = links.map(by_id).astype(float).where(linked_done >= began)
    rows = pd.DataFrame(
        {
            "asset_id": frame["asset_id"],
            "started_at": began,
            "open": open_flags(frame),
            "own": ((ended - began) / _HOUR).where(ended >= began).astype(float),
            "linked": linked_hours,
        }
    ).loc[keep]
    events = rows.groupby(["asset_id", "started_at"], sort=True).agg(
        open=("open", "any"), own=("own", "max"), linked=("linked", "max")
    )
    hours = events["own"].fillna(events["linked"]).where(~events["open"])
    table = pd.DataFrame(
        {
            "asset_id": events.index.get_level_values("asset_id"),
            "source": "failure",
            "hours": hours.to_numpy(dtype=float),
        }
    )
    table.attrs["work_order_ids"] = set(links[keep | before_installation].dropna().tolist())
    return table


# --------------------------------------------------------------------------------------
# OEE (ISO 22400-2)
# --------------------------------------------------------------------------------------


def _oee_sums(production: pd.DataFrame) -> pd.DataFrame:
    frame = require_columns(production, _OEE_COLUMNS, "production")
    numbers = {column: _numbers_or_zero(frame, column, "production") for column in _OEE_COLUMNS}
    return pd.DataFrame(
        {
            "planned_minutes": numbers["planned_production_minutes"],
            "run_minutes": numbers["run_minutes"],
            "ideal_minutes": numbers["ideal_cycle_time_seconds"] * numbers["total_count"] / 60.0,
            "total_count": numbers["total_count"],
            "good_count": numbers["good_count"],
        },
        index=frame.index,
    )


def _oee_from_sums(
    planned: float, run: float, ideal: float, total: float, good: float
) -> dict[str, object]:
    availability = _ratio(run, planned)
    performance = _ratio(ideal, run)
    quality = _ratio(good, total)
    parts = (availability, performance, quality)
    value = None if any(part is None for part in parts) else math.prod(parts)
    return {
        "availability": availability,
        "performance": performance,
        "quality": quality,
        "oee": value,
        "performance_above_one": bool(
            performance is not None and performance > 1.0 + PERFORMANCE_TOLERANCE
        ),
        "planned_minutes": float(planned),
        "run_minutes": float(run),
        "ideal_minutes": float(ideal),
        "total_count": float(total),
        "good_count": float(good),
    }


def oee(production: pd.DataFrame) -> dict:
    """Overall equipment effectiveness of a set of production records (ISO 22400-2).

    ``production`` columns planned_production_minutes, run_minutes, ideal_cycle_time_seconds,
    total_count, good_count (one row per line and shift/day). Rolled up from SUMS, never by
    averaging per-row ratios (so longer shifts weigh more):

    * availability A = Σrun ÷ Σplanned;
    * performance P = Σ(ideal_cycle_time_seconds × total_count) / 60 ÷ Σrun;
    * quality Q = Σgood ÷ Σtotal;
    * oee = A × P × Q (fractions, not percent).

    Any ratio with a zero denominator is None and then oee is None: no planned time gives
    oee None, never 1; no run time gives P None. A performance above 1 means the ideal cycle
    time is wrong (too slow): P and oee are returned RAW, not capped, and
    ``performance_above_one`` is True (beyond a 1e-9 float tolerance).

    Keys: availability, performance, quality, oee (float or None), performance_above_one
    (bool), planned_minutes (float); extra keys run_minutes, ideal_minutes (Σ ideal cycle
    time × count, minutes), total_count, good_count (floats). Missing numbers count as 0.
    """
    sums = _oee_sums(production).sum()
    return _oee_from_sums(
        sums["planned_minutes"],
        sums["run_minutes"],
        sums["ideal_minutes"],
        sums["total_count"],
        sums["good_count"],
    )


def oee_by(production: pd.DataFrame, by) -> pd.DataFrame:
    """``oee`` per group of production records (e.g. ``by="line_id"`` or ``"site_id"``).

    Each group is rolled up from its sums exactly as ``oee`` does (a site's OEE is the OEE of
    all its records, not the mean of its lines' OEE). ``by`` is a column name or a list of
    names; rows whose key is missing are left out. Returns one row per group, index the
    group key(s), sorted, with the columns of ``oee``'s keys; availability, performance,
    quality and oee are object dtype holding float or None (undefined ratio).
    """
    keys = [by] if isinstance(by, str) or not isinstance(by, Iterable) else list(by)
    frame = require_columns(production, [*_OEE_COLUMNS, *keys], "production")
    sums = _oee_sums(frame)
    for key in keys:
        sums[key] = frame[key]
    grouped = sums.groupby(keys if len(keys) > 1 else keys[0], sort=True, dropna=True).sum()
    rows = [
        _oee_from_sums(
            row.planned_minutes, row.run_minutes, row.ideal_minutes, row.total_count, row.good_count
        )
        for row in grouped.itertuples()
    ]
    columns = list(_oee_from_sums(0, 0, 0, 0, 0))
    table = pd.DataFrame(rows, columns=columns, index=grouped.index)
    for column in _OEE_RATIOS:
        table[column] = pd.Series([row[column] for row in rows], index=grouped.index, dtype=object)
    table["performance_above_one"] = table["performance_above_one"].astype(bool)
    return table


def oee_spread(values) -> dict:
    """Spread of OEE values across sites (or lines), in OEE points (percentage points).

    points = (max − min) × 100; std_points = population standard deviation (ddof 0) × 100.
    ``values`` is any iterable of OEE fractions (a Series, a list, or a mapping whose values
    are used); None and NaN (undefined OEE) are ignored. Both are None when no value is
    left; one value gives 0.0 and 0.0. Extra key: count (values used).
    """
    if isinstance(values, Mapping):
        values = values.values()
    numbers = known_numbers(values)
    if not numbers:
        return {"points": None, "std_points": None, "count": 0}
    array = np.asarray(numbers, dtype=float)
    return {
        "points": float((array.max() - array.min()) * 100.0),
        "std_points": float(array.std(ddof=0) * 100.0),
        "count": len(numbers),
    }


# --------------------------------------------------------------------------------------
# planned work: changeover windows, PM completion
# --------------------------------------------------------------------------------------


def changeover_utilization(windows: pd.DataFrame, as_of, last_n: int = 4) -> dict:
    """Changeover window utilization over the site's last ``last_n`` windows (SPEC §3).

    ``windows`` columns window_id, starts_at, ends_at, available_minutes,
    maintenance_minutes_executed. Taken: the ``last_n`` windows with ends_at <= as_of (a
    window still running or in the future is not counted), latest by ends_at (ties by
    starts_at then window_id). Formula: value = Σexecuted ÷ Σavailable (fraction; above 1
    is returned raw, meaning more maintenance than the window's nominal minutes).

    Keys: value (None when no window qualifies or Σavailable is 0), executed_minutes and
    available_minutes (float sums, 0.0 when no window), window_ids (list, chronological),
    window_start (first starts_at) and window_end (last ends_at) of those windows, or None.
    """
    if last_n < 1:
        raise ScoringError("last_n must be at least 1")
    moment = utc_instant(as_of, "as_of")
    columns = (
        "window_id",
        "starts_at",
        "ends_at",
        "available_minutes",
        "maintenance_minutes_executed",
    )
    frame = require_columns(windows, columns, "windows")
    frame["starts_at"] = utc_column(frame["starts_at"], "windows.starts_at")
    frame["ends_at"] = utc_column(frame["ends_at"], "windows.ends_at")
    frame = frame.loc[frame["ends_at"].notna() & (frame["ends_at"] <= moment)]
    frame = frame.sort_values(["ends_at", "starts_at", "window_id"]).tail(last_n)
    executed = float(_numbers_or_zero(frame, "maintenance_minutes_executed", "windows").sum())
    available = float(_numbers_or_zero(frame, "available_minutes", "windows").sum())
    return {
        "value": _ratio(executed, available),
        "executed_minutes": executed,
        "available_minutes": available,
        "window_ids": frame["window_id"].tolist(),
        "window_start": frame["starts_at"].min() if len(frame) else None,
        "window_end": frame["ends_at"].max() if len(frame) else None,
    }


def pm_completion_in_windows(work_orders: pd.DataFrame, windows: pd.DataFrame) -> dict:
    """Share of preventive work scheduled in changeover windows that was done in them.

    In the style of SMRP 5.4.14 (PM schedule compliance). ``work_orders`` columns
    work_order_id, kind, changeover_window_id, completed_at; ``windows`` columns window_id,
    starts_at, ends_at (the windows to judge, e.g. the last 4 that ended: PM in a window
    not given is not counted).

    * scheduled = distinct work orders of kind "preventive" whose changeover_window_id is
      one of windows.window_id;
    * completed = those with completed_at present and starts_at <= completed_at <= ends_at
      of their window (both ends inclusive: finishing as the line restarts counts);
    * value = completed ÷ scheduled (fraction).

    Keys: value (None when nothing is scheduled), scheduled (int), completed (int).
    """
    orders = require_columns(
        work_orders,
        ("work_order_id", "kind", "changeover_window_id", "completed_at"),
        "work_orders",
    )
    spans = require_columns(windows, ("window_id", "starts_at", "ends_at"), "windows")
    spans = spans.drop_duplicates("window_id").set_index("window_id")
    kind = orders["kind"].astype(object).where(orders["kind"].notna(), "").astype(str).str.lower()
    window_ids = orders["changeover_window_id"]
    pm = orders.loc[(kind == PREVENTIVE_KIND) & window_ids.notna() & window_ids.isin(spans.index)]
    pm = pm.drop_duplicates("work_order_id")
    starts = dict(
        zip(spans.index, utc_column(spans["starts_at"], "windows.starts_at"), strict=True)
    )
    ends = dict(zip(spans.index, utc_column(spans["ends_at"], "windows.ends_at"), strict=True))
    completed_at = utc_column(pm["completed_at"], "work_orders.completed_at")
    window_start = utc_column(pm["changeover_window_id"].map(starts), "windows.starts_at")
    window_end = utc_column(pm["changeover_window_id"].map(ends), "windows.ends_at")
    done = completed_at.notna() & (completed_at >= window_start) & (completed_at <= window_end)
    scheduled, completed = len(pm), int(done.sum())
    return {"value": _ratio(completed, scheduled), "scheduled": scheduled, "completed": completed}


# --------------------------------------------------------------------------------------
# condition monitoring
# --------------------------------------------------------------------------------------


def cm_coverage(
    assets: pd.DataFrame, last_readings: pd.DataFrame, as_of, freshness_hours: float = 24
) -> dict:
    """Condition-monitoring coverage of Tier 1 assets (SPEC §3, standard ≥ 90 %).

    ``assets`` columns asset_id, tier; ``last_readings`` columns asset_id, last_reading_at
    (one row per sensor or per asset). A Tier 1 asset is covered when one of its rows has
    last_reading_at in the half-open interval (as_of − freshness_hours, as_of]. With every
    reading at or before as_of this is "the latest reading per asset is fresh"; a reading
    stamped after as_of (a past as_of) does not count. Formula: value = covered ÷ Tier 1
    assets (fraction).

    Keys: value (None when there is no Tier 1 asset), covered (int), total (int), uncovered
    (sorted list of Tier 1 asset ids without a fresh reading).
    """
    moment = utc_instant(as_of, "as_of")
    since = moment - pd.Timedelta(hours=float(freshness_hours))
    fleet = require_columns(assets, ("asset_id", "tier"), "assets")
    readings = require_columns(last_readings, ("asset_id", "last_reading_at"), "last_readings")
    tier = pd.to_numeric(fleet["tier"].astype(object), errors="coerce")
    tier_one = pd.unique(fleet.loc[(tier == 1) & fleet["asset_id"].notna(), "asset_id"])
    stamp = utc_column(readings["last_reading_at"], "last_readings.last_reading_at")
    fresh = readings.loc[stamp.notna() & (stamp > since) & (stamp <= moment), "asset_id"]
    covered_mask = pd.Series(tier_one, dtype=object).isin(set(fresh.tolist()))
    uncovered = sorted(pd.Series(tier_one, dtype=object)[~covered_mask].tolist())
    total, covered = len(tier_one), int(covered_mask.sum())
    return {
        "value": _ratio(covered, total),
        "covered": covered,
        "total": total,
        "uncovered": uncovered,
    }


def alert_response(alerts: pd.DataFrame, window_start, window_end) -> dict:
    """Alert response time: detection to acknowledgement, hours (standard: median ≤ 4 h,
    p90 ≤ 24 h on Tier 1; the caller pre-filters to Tier 1 alerts).

    ``alerts`` columns detected_at, acknowledged_at. Counted: alerts DETECTED in
    ``[window_start, window_end)``, whatever the time of acknowledgement. For acknowledged
    ones hours = acknowledged_at − detected_at; median_hours = median, p90_hours =
    ``numpy.percentile(hours, 90)`` (linear interpolation).

    Keys: median_hours and p90_hours (None when no alert in the window was acknowledged),
    count (acknowledged alerts), unacknowledged (alerts of the window still without
    acknowledgement).
    """
    start, end = utc_window(window_start, window_end)
    frame = require_columns(alerts, ("detected_at", "acknowledged_at"), "alerts")
    detected = utc_column(frame["detected_at"], "alerts.detected_at")
    acknowledged = utc_column(frame["acknowledged_at"], "alerts.acknowledged_at")
    in_window = detected.notna() & (detected >= start) & (detected < end)
    answered = in_window & acknowledged.notna()
    hours = ((acknowledged[answered] - detected[answered]) / _HOUR).to_numpy(dtype=float)
    count = len(hours)
    return {
        "median_hours": float(np.median(hours)) if count else None,
        "p90_hours": float(np.percentile(hours, 90)) if count else None,
        "count": count,
        "unacknowledged": int((in_window & acknowledged.isna()).sum()),
    }


# --------------------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------------------


def maintenance_cost(
    work_orders: pd.DataFrame,
    window_start,
    window_end,
    annual_revenue: float,
    replacement_value: float,
    annual_maintenance_spend: float | None = None,
) -> dict:
    """Annual maintenance spend as % of revenue and of replacement asset value.

    ``work_orders`` columns completed_at, parts_cost, labour_cost (Decimal or float, missing
    = 0). Spend from work orders = Σ(parts_cost + labour_cost) of orders completed in
    ``[window_start, window_end)``, annualised as spend × 365 ÷ window days. A window of 365
    or 366 days (twelve calendar months) is taken as it is; a shorter one is scaled up, a
    longer one scaled down, so spend is always "per year". When ``annual_maintenance_spend``
    is given (the site states it) it is used as the spend instead, unscaled.

    pct_revenue = spend ÷ annual_revenue; pct_replacement_value = spend ÷ replacement_value
    (fractions; SMRP 1.5 uses the replacement-value one). Each is None when its denominator
    is 0 or None.

    Keys: spend (float, currency per year), source ("stated" or "work orders"),
    pct_revenue, pct_replacement_value; extra keys window_spend (the unscaled Σ in the
    window, None when stated) and annualisation_factor (365 ÷ days, 1.0 for a 12-month
    window, None when stated).
    """
    start, end = utc_window(window_start, window_end)
    if annual_maintenance_spend is not None:
        spend, source, window_spend, factor = float(annual_maintenance_spend), "stated", None, None
    else:
        frame = require_columns(
            work_orders, ("completed_at", "parts_cost", "labour_cost"), "work_orders"
        )
        completed = utc_column(frame["completed_at"], "work_orders.completed_at")
        mask = completed.notna() & (completed >= start) & (completed < end)
        cost = _numbers_or_zero(frame, "parts_cost", "work_orders") + _numbers_or_zero(
            frame, "labour_cost", "work_orders"
        )
        window_spend = float(cost[mask].sum())
        days = (end - start) / _DAY
        year = TRAILING_YEAR_DAYS
        factor = 1.0 if year <= days <= year + 1 else year / days
        spend, source = window_spend * factor, "work orders"
    return {
        "spend": spend,
        "source": source,
        "pct_revenue": _ratio(spend, annual_revenue or 0),
        "pct_replacement_value": _ratio(spend, replacement_value or 0),
        "window_spend": window_spend,
        "annualisation_factor": factor,
    }


def alert_confirmation(alerts: pd.DataFrame, window_start, window_end) -> dict:
    """Share of alerts closed in the window that were confirmed faults (not false alarms).

    ``alerts`` columns closed_at (UTC, NaT while open), resolution ("confirmed_fault" or
    "false_alarm"). Window half-open [window_start, window_end). No closed alert → rate
    None. A low rate means technicians are chasing false alarms: thresholds need tuning.
    """
    if alerts is None or not len(alerts):
        return {"rate": None, "confirmed": 0, "closed": 0}
    closed_at = utc_column(alerts["closed_at"], "alerts.closed_at")
    closed = alerts[(closed_at >= window_start) & (closed_at < window_end)]
    confirmed = int((closed["resolution"] == "confirmed_fault").sum())
    count = int(len(closed))
    return {"rate": confirmed / count if count else None, "confirmed": confirmed, "closed": count}


# --------------------------------------------------------------------------------------
# per-quarter counts (the asset page's MTBF trend)
# --------------------------------------------------------------------------------------


def failures_per_quarter(failures: pd.DataFrame, quarter_labels, installed=None) -> list[int]:
    """Distinct failure events starting in each calendar quarter, in the labels' order.

    ``quarter_labels`` as ``statistics.mtbf_trend`` gives them ("2025Q3": [2025-07-01,
    2025-10-01) UTC, half-open); ``failures`` columns asset_id, started_at (all rows are
    counted: filter to one asset first). Counting follows ``mtbf``: several rows with one
    start are one event (``failure_events``), and with ``installed`` (as in ``mtbf``) a
    failure before its asset's installation is outside the window and not counted, so
    each count is the ``failures`` of that quarter's ``mtbf`` (and of ``mtbf_trend``).
    Whether a quarter is censored, or before installation, is the trend's to say
    (``quarter_censored``, ``quarter_installed``), not a count of 0. Raises ScoringError
    for a malformed label.
    """
    starts = []
    for label in quarter_labels:
        year, _, quarter = str(label).partition("Q")
        if not (year.isdigit() and quarter in {"1", "2", "3", "4"}):
            raise ScoringError(f"quarter label {label!r} is not like '2025Q3'")
        starts.append(pd.Timestamp(quarter_first_day(int(year), int(quarter)), tz="UTC"))
    if not starts:
        return []
    ends = [start + pd.DateOffset(months=3) for start in starts]
    events = failure_events(failures, min(starts), max(ends))
    floors = operating_floors(events["asset_id"], installed, min(starts), max(ends))
    moments = events["started_at"].loc[events["started_at"] >= floors]
    return [int(((moments >= a) & (moments < b)).sum()) for a, b in zip(starts, ends, strict=True)]

"""Turning columns of text cells into typed columns, one whole column at a time.

Each converter takes a pandas Series of str (one chunk's cells) and returns the converted
Series and, for every cell it refused, the reason. No per-cell Python on the hot paths
(numbers and ISO timestamps): a chunk of half a million readings converts in milliseconds.
"""

import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from django.conf import settings

BLANK = ""


@dataclass(frozen=True)
class Field:
    """One of our columns: its type, whether the file must have it, and its limits."""

    name: str
    type: str  # text, int, decimal, float, datetime, date, bool, choice, code
    required: bool = True  # the column must be in the file (after the mapping)
    blank: bool = False  # a cell may be empty
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    default: object = None  # stored for an empty cell or a missing column
    help: str = ""
    # Dates and timestamps: may lie ahead of now (a plan, an expiry) up to FAR_FUTURE_YEARS,
    # and may reach back before INGEST_EARLIEST_DATE to OLDEST (an old machine's install).
    future_ok: bool = False
    past_ok: bool = False

    @property
    def nullable(self) -> bool:
        return self.blank and self.default is None


@dataclass
class Errors:
    """Reasons for refused cells, keyed by position in the chunk frame."""

    by_row: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, rows, field_name: str, reason: str | pd.Series) -> None:
        rows = np.asarray(rows)
        if isinstance(reason, pd.Series):
            for row, text in zip(rows, reason.to_numpy(), strict=True):
                self.by_row.setdefault(int(row), []).append((field_name, text))
        else:
            for row in rows:
                self.by_row.setdefault(int(row), []).append((field_name, reason))

    def add_mask(self, mask, field_name: str, reason: str) -> None:
        self.add(np.flatnonzero(np.asarray(mask)), field_name, reason)

    def rows(self) -> np.ndarray:
        return np.fromiter(self.by_row, dtype=np.int64, count=len(self.by_row))


def convert(
    cells: pd.Series,
    spec: Field,
    errors: Errors,
    *,
    tz=None,
    fmt=None,
    decimal: str = ".",
    date_order: str | None = None,
) -> pd.Series:
    """``cells`` (str, positional index) as ``spec.type``; refused cells noted in ``errors``.

    Empty cells become the field's default (or null where blank is allowed) and are refused
    where the field needs a value. ``decimal`` "," reads numbers written 1.234,56;
    ``date_order`` ("ymd", "dmy", "mdy") reads dates and timestamps given without ``fmt``.
    """
    if cells.dtype == object and len(cells) and _padded(cells):
        cells = cells.str.strip()
    empty = (cells == BLANK).to_numpy()
    if empty.any() and not spec.blank:
        errors.add_mask(empty, spec.name, "a value is required")
    if decimal == "," and spec.type in NUMERIC and len(cells):
        cells, malformed = _decimal_comma(cells, spec, errors, empty)
        empty = empty | malformed  # refused already: the converter need not look again
    given = cells  # as written, to name a refused date
    if date_order and not fmt and spec.type in ("date", "datetime") and len(cells):
        cells = _reordered(cells, date_order, empty)
        fmt = None
    converter = CONVERTERS[spec.type]
    if date_order and spec.type in ("date", "datetime"):
        values = converter(cells, spec, errors, empty, tz=tz, fmt=fmt, shown=_SHOWN[date_order])
    else:
        values = converter(cells, spec, errors, empty, tz=tz, fmt=fmt)
    if spec.type in ("date", "datetime"):
        _check_range(values, given, spec, errors)
    return values


NUMERIC = ("int", "float", "decimal")
# With a decimal comma: 1234,56, or grouped by "." in threes with its decimals (1.234,56).
# 1.234 alone is refused: a thousands point or a decimal point, a factor of 1000 apart.
COMMA_NUMBER = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+,\d+|\d+(?:,\d+)?|,\d+)$"


def _decimal_comma(cells: pd.Series, spec: Field, errors: Errors, empty: np.ndarray):
    """1.234,56 and 1234,56 as 1234.56. A cell with a "." in any other form (1.5, 1.234,
    1,234.5) is refused: its "." may be a decimal point, and 1.5 read as 15 would be
    silently wrong by a factor of ten."""
    # Only cells with a point need the pattern (most hold just a comma: 2,5).
    point = cells.str.contains(".", regex=False).fillna(False).to_numpy(dtype=bool)
    malformed = np.zeros(len(cells), dtype=bool)
    if point.any():
        fits = cells[point].str.match(COMMA_NUMBER).fillna(False).to_numpy(dtype=bool)
        malformed[point] = ~fits & ~empty[point]
        cells = cells.str.replace(".", "", regex=False)
    if malformed.any():
        errors.add_mask(
            malformed, spec.name, "not a number with a decimal comma (1234,56 or 1.234,56)"
        )
    return cells.str.replace(",", ".", regex=False), malformed


# A date in any order, "/", "." or "-" between its parts, then an optional time and offset.
DATE_PARTS = re.compile(
    r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_ORDER = {"ymd": (0, 1, 2), "dmy": (2, 1, 0), "mdy": (2, 0, 1)}  # group of year, month, day
_SHOWN = {
    "ymd": "YYYY-MM-DD [HH:MM[:SS]]",
    "dmy": "DD/MM/YYYY [HH:MM[:SS]]",
    "mdy": "MM/DD/YYYY [HH:MM[:SS]]",
}


def _reordered(cells: pd.Series, order: str, empty: np.ndarray) -> pd.Series:
    """Dates written in ``order`` rewritten as ISO 8601 text (a year written first, with
    four digits, is read as year-month-day whatever the order). Cells that fit no date
    become unreadable text, refused by the parser that follows."""
    parts = cells.str.extract(DATE_PARTS)
    year_first = parts[0].str.len() == 4
    y, m, d = (parts[i] for i in _ORDER[order])
    year = y.where(~year_first, parts[0])
    month = m.where(~year_first, parts[1])
    day = d.where(~year_first, parts[2])
    iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    timed = parts[3].notna()
    time = "T" + parts[3].str.zfill(2) + ":" + parts[4] + (":" + parts[5]).fillna(":00")
    iso = iso.where(~timed, iso + time)
    iso = iso + parts[6].fillna("")
    fits = (year.str.len() == 4).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(fits | empty, iso.fillna(""), "?"), index=cells.index).where(
        ~empty, BLANK
    )


def _padded(cells: pd.Series) -> bool:
    """Does any cell start or end with whitespace? Checked on bytes at C speed, because
    stripping half a million cells in Python costs more than parsing them."""
    try:
        raw = cells.to_numpy().astype("S")
    except UnicodeEncodeError:
        return True  # non-ASCII text: strip the slow way
    width = raw.dtype.itemsize
    if width == 0:
        return False
    grid = raw.view(np.uint8).reshape(len(raw), width)
    length = np.char.str_len(raw)
    first = grid[:, 0]
    last = grid[np.arange(len(raw)), np.maximum(length - 1, 0)]
    blank = np.isin(first, SPACES) | np.isin(last, SPACES)
    return bool(blank.any())


SPACES = np.frombuffer(b" \t\r\n\x0b\x0c", dtype=np.uint8)


def _numbers(cells, spec, errors, empty, *, integer: bool):
    numbers = pd.to_numeric(cells.where(~empty, None), errors="coerce")
    arr = numbers.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(arr) & ~empty
    if missing.any():
        # Only the few unparsed cells are looked at again, to say NaN rather than garbage.
        nan_text = np.zeros(len(arr), dtype=bool)
        nan_text[missing] = cells[missing].str.lower().isin(["nan", "+nan", "-nan"]).to_numpy()
        errors.add_mask(nan_text, spec.name, "must be a finite number (not NaN)")
        errors.add_mask(missing & ~nan_text, spec.name, "not a number")
    not_finite = np.isinf(arr)
    if not_finite.any():
        errors.add_mask(not_finite, spec.name, "must be a finite number (not inf)")
    checked = ~np.isnan(arr) & ~not_finite
    if spec.minimum is not None:
        low = checked & (arr < spec.minimum)
        if low.any():
            errors.add_mask(low, spec.name, _bound_reason(spec, "minimum"))
    if spec.maximum is not None:
        high = checked & (arr > spec.maximum)
        if high.any():
            errors.add_mask(high, spec.name, _bound_reason(spec, "maximum"))
    if integer:
        fractional = checked & (np.mod(np.where(checked, arr, 0), 1) != 0)
        if fractional.any():
            errors.add_mask(fractional, spec.name, "must be a whole number")
    if spec.default is not None:
        arr = np.where(empty, float(spec.default), arr)
    return pd.Series(arr, index=cells.index)


def _bound_reason(spec: Field, which: str) -> str:
    if which == "minimum":
        return "must not be negative" if spec.minimum == 0 else f"below {spec.minimum:g}"
    return f"above {spec.maximum:g}"


def to_float(cells, spec, errors, empty, **_):
    return _numbers(cells, spec, errors, empty, integer=False)


def to_int(cells, spec, errors, empty, **_):
    return _numbers(cells, spec, errors, empty, integer=True)


def to_decimal(cells, spec, errors, empty, **_):
    """Money and hours: checked as numbers, stored as exact decimals (few rows, per cell)."""
    _numbers(cells, spec, errors, empty, integer=False)
    out = []
    for text, is_empty in zip(cells.to_numpy(), empty, strict=True):
        if is_empty:
            out.append(None if spec.default is None else Decimal(str(spec.default)))
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        out.append(value if value is not None and value.is_finite() else None)
    return pd.Series(out, index=cells.index, dtype=object)


def to_text(cells, spec, errors, empty, **_):
    if spec.max_length:
        long = (cells.str.len() > spec.max_length).to_numpy()
        if long.any():
            errors.add_mask(long, spec.name, f"longer than {spec.max_length} characters")
    if spec.default is not None:
        return cells.where(~empty, spec.default)
    return cells


def to_choice(cells, spec, errors, empty, **_):
    lowered = cells.str.lower()
    bad = ~lowered.isin(spec.choices).to_numpy() & ~empty
    if bad.any():
        errors.add_mask(bad, spec.name, f"must be one of: {', '.join(spec.choices)}")
    if spec.default is not None:
        lowered = lowered.where(~empty, spec.default)
    return lowered


TRUE = {"1", "true", "t", "yes", "y"}
FALSE = {"0", "false", "f", "no", "n"}


def to_bool(cells, spec, errors, empty, **_):
    lowered = cells.str.lower()
    truthy = lowered.isin(TRUE).to_numpy()
    falsy = lowered.isin(FALSE).to_numpy()
    bad = ~(truthy | falsy | empty)
    if bad.any():
        errors.add_mask(bad, spec.name, "must be true or false (1/0, yes/no)")
    default = bool(spec.default) if spec.default is not None else False
    return pd.Series(np.where(empty, default, truthy), index=cells.index)


FAR_FUTURE_YEARS = 100  # a date planned further ahead than this is a typo
OLDEST = pd.Timestamp("1900-01-01", tz="UTC")  # the floor of past_ok fields
EARLIEST_OFFSET = pd.Timedelta(hours=14)  # UTC+14 (Kiribati), where a day starts first


def plausible_range(spec: Field) -> tuple[pd.Timestamp, pd.Timestamp, str, str]:
    """The earliest and latest instants ``spec`` accepts (UTC), each with how it is named
    in a refusal: INGEST_EARLIEST_DATE (or OLDEST for past_ok fields), and now plus
    INGEST_FUTURE_TOLERANCE_SECONDS (or FAR_FUTURE_YEARS for future_ok fields)."""
    now = pd.Timestamp.now(tz="UTC")
    floor = OLDEST if spec.past_ok else pd.Timestamp(settings.INGEST_EARLIEST_DATE, tz="UTC")
    if spec.future_ok:
        latest = now + pd.DateOffset(years=FAR_FUTURE_YEARS)
        ahead = f"{FAR_FUTURE_YEARS} years"
    else:
        tolerance = int(settings.INGEST_FUTURE_TOLERANCE_SECONDS)
        latest = now + pd.Timedelta(seconds=tolerance)
        ahead = _duration(tolerance)
    return floor, latest, floor.strftime("%Y-%m-%d"), f"now + {ahead}"


def _duration(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "0 seconds"


def _check_range(parsed: pd.Series, cells: pd.Series, spec: Field, errors: Errors) -> None:
    """Refuse dates and timestamps outside ``plausible_range``, naming the value given."""
    if not len(parsed):
        return
    if parsed.dtype == object:  # dates: datetime.date or None
        parsed = pd.to_datetime(parsed, errors="coerce")
    earliest, latest, early_name, late_name = plausible_range(spec)
    if parsed.dt.tz is None:
        earliest, latest = earliest.tz_localize(None), latest.tz_localize(None)
    else:
        # The floor is a calendar day: its first instant anywhere, so that midnight of
        # 1990-01-01 in Tokyo (1989-12-31 15:00 UTC) is not refused as "before 1990".
        earliest -= EARLIEST_OFFSET
    known = parsed.notna().to_numpy()
    early = known & (parsed < earliest).fillna(False).to_numpy(dtype=bool)
    late = known & (parsed > latest).fillna(False).to_numpy(dtype=bool)
    for mask, reason in ((early, f"is before {early_name}"), (late, f"is after {late_name}")):
        if mask.any():
            errors.add(
                np.flatnonzero(mask),
                spec.name,
                cells[mask].reset_index(drop=True).astype(str) + f" {reason}",
            )


def to_date(cells, spec, errors, empty, fmt=None, shown=None, **_):
    parsed = pd.to_datetime(cells.where(~empty, None), format=fmt or "ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy() & ~empty
    if bad.any():
        errors.add_mask(bad, spec.name, f"not a date ({fmt or shown or 'YYYY-MM-DD'})")
    return pd.Series(parsed.dt.date.to_numpy(), index=cells.index).where(~empty & ~bad, None)


def to_datetime(cells, spec, errors, empty, tz=None, fmt=None, shown=None):
    """Timestamps in UTC. A timestamp without a UTC offset is read in ``tz`` (an IANA
    name, or a Series of them per row); with no ``tz`` it is refused, never guessed."""
    given = cells.where(~empty, None)
    parsed = pd.to_datetime(given, format=fmt or "ISO8601", utc=True, errors="coerce")
    unparseable = parsed.isna().to_numpy() & ~empty
    naive = _naive(cells, fmt) & ~unparseable & ~empty
    if unparseable.any():
        errors.add_mask(unparseable, spec.name, f"not a timestamp ({fmt or shown or 'ISO 8601'})")
    if naive.any():
        if tz is None:
            errors.add_mask(
                naive,
                spec.name,
                "no UTC offset and the mapping sets no timezone (add +00:00 or Z)",
            )
            parsed = parsed.where(~naive)
        else:
            parsed = _localize(parsed, naive, tz, spec, errors)
    return parsed


def _naive(cells: pd.Series, fmt: str | None) -> np.ndarray:
    """True where a timestamp text carries no offset: no trailing Z, ±HH:MM or ±HHMM."""
    if fmt and fmt != "ISO8601":
        return np.full(len(cells), "%z" not in fmt and "%Z" not in fmt)
    if not len(cells):
        return np.zeros(0, dtype=bool)
    width = max(int(cells.str.len().max()), 1)
    try:
        raw = cells.to_numpy().astype(f"S{width}")
    except UnicodeEncodeError:  # non-ASCII text cannot be a timestamp anyway
        return ~cells.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy()
    length = np.char.str_len(raw)
    grid = raw.view(np.uint8).reshape(len(raw), width)
    rows = np.arange(len(raw))

    def at(offset):
        index = length - offset
        return np.where(index > 10, grid[rows, np.clip(index, 0, width - 1)], 0)

    signs = (ord("+"), ord("-"))
    aware = (at(1) == ord("Z")) | np.isin(at(6), signs) | np.isin(at(5), signs)
    return ~aware


def _localize(parsed: pd.Series, naive: np.ndarray, tz, spec: Field, errors: Errors) -> pd.Series:
    """Re-read naive timestamps (parsed as if UTC) as wall-clock time in ``tz``."""
    result = parsed.copy()
    zones = tz if isinstance(tz, pd.Series) else pd.Series(tz, index=parsed.index)
    wall = parsed.dt.tz_localize(None)
    for zone in pd.unique(zones[naive]):
        rows = naive & (zones == zone).to_numpy()
        try:
            local = wall[rows].dt.tz_localize(
                zoneinfo.ZoneInfo(zone), ambiguous="NaT", nonexistent="NaT"
            )
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.add_mask(rows, spec.name, f"unknown timezone {zone!r}")
            result[rows] = pd.NaT
            continue
        gap = local.isna().to_numpy()
        if gap.any():
            errors.add(
                np.flatnonzero(rows)[gap],
                spec.name,
                f"local time is ambiguous or skipped at a daylight-saving change in {zone}",
            )
        result[rows] = local.dt.tz_convert("UTC")
    return result


def to_code(cells, spec, errors, empty, **_):
    """A reference by code (site, asset, line…): resolved to an id later, by the kind."""
    return to_text(cells, spec, errors, empty)


CONVERTERS = {
    "text": to_text,
    "code": to_code,
    "int": to_int,
    "float": to_float,
    "decimal": to_decimal,
    "choice": to_choice,
    "bool": to_bool,
    "date": to_date,
    "datetime": to_datetime,
}

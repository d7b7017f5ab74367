"""Reading a CSV file in chunks that start and end on record boundaries, with line numbers.

A file is never held whole: ``read_chunk`` reads about ``block`` bytes from a byte offset
and stops after the last complete record, so a batch can commit chunk by chunk and resume
from the offset after the last committed one.

A newline ends a record unless it sits inside quotes, i.e. after an odd number of ``"``
since the record began. Chunks are split by that rule, found with numpy at C speed; pandas'
C parser then reads the chunk. When it cannot (a malformed line), the chunk is parsed
record by record with Python's csv module, which names the bad line and continues.
"""

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

NEWLINE, QUOTE, COMMA, CR = ord("\n"), ord('"'), ord(","), ord("\r")
# A quoted field may span lines (work-order descriptions do), but not without end: an
# opening quote still open after this many lines is a malformed line, not a long field.
MAX_RECORD_LINES = 50


class FileUnreadable(Exception):
    """The file as a whole cannot be read (not text, no header, a required column missing)."""


@dataclass
class Header:
    columns: list[str]
    end_offset: int  # byte offset just after the header line
    lines: int  # physical lines the header took (1 unless a quoted name spans lines)


@dataclass
class Chunk:
    """Parsed records of one chunk: text cells by column, and what could not be parsed."""

    frame: pd.DataFrame  # str cells; column "__line__" holds each record's first line
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw)
    raw_records: dict[int, str] = field(default_factory=dict)  # filled only when asked
    end_offset: int = 0
    first_line: int = 0  # physical line number of the chunk's first line
    last_line: int = 0  # physical line number of the chunk's last line
    text: str = ""

    def raw(self, line: int) -> str:
        """The record that starts at ``line``, as it was in the file (for reports)."""
        if not self.raw_records:
            self.raw_records = dict(_records_with_lines(self.text, self.first_line))
        return self.raw_records.get(line, "")


def decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            f"{where} is not UTF-8 text (byte {exc.start}); export the file as UTF-8 CSV."
        ) from exc


def read_header(handle) -> Header:
    """The header row: column names, stripped, with a UTF-8 byte-order mark removed."""
    handle.seek(0)
    first = handle.read(1 << 16)
    if not first.strip():
        raise FileUnreadable("The file is empty: expected a header row of column names.")
    if b"\x00" in first:
        raise FileUnreadable("The file holds NUL bytes: it is not a CSV text file.")
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
        bom = 3
    else:
        bom = 0
    end = _record_ends(np.frombuffer(first, dtype=np.uint8))
    # A file with only a header line may lack the newline.
    end_at = len(first) if len(end) == 0 else int(end[0]) + 1
    text = decode(first[:end_at], "The header row")
    try:
        names = next(csv.reader(io.StringIO(text)))
    except (csv.Error, StopIteration) as exc:
        raise FileUnreadable(f"Line 1 (the header row) cannot be read as CSV: {exc}") from exc
    columns = [name.strip() for name in names]
    if not any(columns):
        raise FileUnreadable("Line 1 (the header row) holds no column names.")
    seen = set()
    for name in columns:
        if name in seen:
            raise FileUnreadable(f"Line 1 (the header row) names the column '{name}' twice.")
        seen.add(name)
    return Header(columns, bom + end_at, text.count("\n") or 1)


def read_chunk(handle, offset: int, first_line: int, columns: list[str], block: int) -> Chunk:
    """Records from ``offset`` up to about ``block`` bytes, ending on a record boundary.

    ``first_line`` is the physical line number at ``offset``. Returns an empty frame at EOF.
    """
    handle.seek(offset)
    data = handle.read(block)
    while data:
        if len(data) < block:  # the end of the file: the last record may lack its newline
            break
        cut = _last_record_end(np.frombuffer(data, dtype=np.uint8))
        if cut is not None:
            data = data[: cut + 1]
            break
        more = handle.read(block)  # one record longer than a block: read on
        if not more:
            break
        data += more
        block += len(more)
    text = decode(data, f"The chunk starting at line {first_line}")
    chunk = _parse(data, text, first_line, columns)
    chunk.end_offset = offset + len(data)
    chunk.last_line = first_line + _physical_lines(text) - 1
    return chunk


def _physical_lines(text: str) -> int:
    return text.count("\n") + (bool(text) and not text.endswith("\n"))


def count_lines(handle, block: int = 1 << 24) -> int:
    """Physical lines in the file (a final line without newline counts), for progress."""
    handle.seek(0)
    lines, last = 0, b"\n"
    while data := handle.read(block):
        lines += data.count(b"\n")
        last = data[-1:]
    return lines + (last != b"\n")


def _record_ends(buf: np.ndarray) -> np.ndarray:
    """Offsets of newlines outside quotes, counting quotes from the start of ``buf``."""
    newlines = np.flatnonzero(buf == NEWLINE)
    quotes = np.flatnonzero(buf == QUOTE)
    if len(quotes) == 0:
        return newlines
    quotes_before = np.searchsorted(quotes, newlines)
    return newlines[quotes_before % 2 == 0]


def _last_record_end(buf: np.ndarray) -> int | None:
    ends = _record_ends(buf)
    if len(ends):
        return int(ends[-1])
    # An unbalanced quote hides every later newline: cut at the last physical one and let
    # the record-by-record parser report the bad line.
    newlines = np.flatnonzero(buf == NEWLINE)
    return int(newlines[-1]) if len(newlines) else None


def _parse(data: bytes, text: str, first_line: int, columns: list[str]) -> Chunk:
    chunk = Chunk(frame=_empty(columns), first_line=first_line, text=text)
    if not text.strip():
        return chunk
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = _record_ends(buf)
    newlines = np.flatnonzero(buf == NEWLINE)
    # Every physical newline is a record end (one record per line, the common case) and
    # every line has the header's number of fields: pandas reads it right.
    if len(ends) == len(newlines) and _fields_match(buf, newlines, len(columns)):
        frame = _parse_fast(text, columns)
        if frame is not None:
            lines = first_line + np.arange(_physical_lines(text))
            blank = _blank_lines(text)
            if len(blank):
                lines = np.delete(lines, blank)
            if len(lines) == len(frame):
                frame["__line__"] = lines
                chunk.frame = frame
                return chunk
    chunk.frame, chunk.malformed = _parse_records(text, first_line, columns)
    return chunk


def _fields_match(buf: np.ndarray, newlines: np.ndarray, expected: int) -> bool:
    """Does each non-blank line hold ``expected`` fields (commas outside quotes + 1)?"""
    commas = np.flatnonzero(buf == COMMA)
    quotes = np.flatnonzero(buf == QUOTE)
    if len(quotes):
        commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    bounds = newlines if len(buf) and buf[-1] == NEWLINE else np.append(newlines, len(buf))
    starts = np.concatenate(([0], bounds[:-1] + 1))
    per_line = np.diff(np.concatenate(([0], np.searchsorted(commas, bounds))))
    blank = (bounds - starts) <= (buf[np.maximum(bounds - 1, 0)] == CR)
    return bool(np.all((per_line == expected - 1) | blank))


def _parse_fast(text: str, columns: list[str]) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=columns,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
            on_bad_lines="error",
            index_col=False,
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    return frame


def _blank_lines(text: str) -> np.ndarray:
    """Indexes of empty lines (pandas skips them), so line numbers stay true."""
    if "\n\n" not in text and not text.startswith("\n") and "\r\n\r\n" not in text:
        return np.array([], dtype=int)
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return np.array([i for i, line in enumerate(lines) if not line.strip("\r")], dtype=int)


def _records_with_lines(text: str, first_line: int):
    """(first line, record text) for each record, joining lines while a quote is open.

    An opening quote still open after MAX_RECORD_LINES lines, or at the end of the chunk,
    makes its first line a record of its own (reported malformed); the next line starts
    afresh.
    """
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    i = 0
    while i < len(lines):
        record, quotes, j = lines[i], lines[i].count('"'), i
        while quotes % 2 and j + 1 < len(lines) and j - i + 1 < MAX_RECORD_LINES:
            j += 1
            record += "\n" + lines[j]
            quotes += lines[j].count('"')
        if quotes % 2:
            yield first_line + i, lines[i]
            i += 1
        else:
            yield first_line + i, record
            i = j + 1


def _parse_records(text: str, first_line: int, columns: list[str]):
    """The slow, exact path: parse each record alone so one bad line spoils nothing else."""
    rows, lines, malformed = [], [], []
    for line, record in _records_with_lines(text, first_line):
        if not record.strip():
            continue
        try:
            cells = next(csv.reader([record], strict=True))
        except csv.Error as exc:
            malformed.append((line, f"malformed CSV: {exc}", record))
            continue
        if len(cells) != len(columns):
            malformed.append((line, f"expected {len(columns)} fields, found {len(cells)}", record))
            continue
        rows.append(cells)
        lines.append(line)
    frame = pd.DataFrame(rows, columns=columns, dtype=str) if rows else _empty(columns)
    frame["__line__"] = np.array(lines, dtype=np.int64)
    return frame, malformed


def _empty(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=str) for name in columns})
    frame["__line__"] = pd.Series(dtype=np.int64)
    return frame

"""Reading a CSV file in chunks that start and end on record boundaries, with line numbers.

A file is never held whole: ``read_chunk`` reads about ``block`` bytes from a byte offset
and stops after the last complete record, so a batch can commit chunk by chunk and resume
from the offset after the last committed one.

A newline ends a record unless it sits inside quotes, i.e. after an odd number of ``"``
since the record began. Chunks are split by that rule, found with numpy at C speed; pandas'
C parser then reads the chunk. When it cannot (a malformed line), the chunk is parsed
record by record with Python's csv module, which names the bad line and continues.

A ``Dialect`` (from the mapping) says how the file is written: its delimiter (one byte, or
runs of spaces and tabs), its encoding (UTF-8, cp1252 or Latin-1: all keep newline, quote
and delimiter as single bytes, so the byte-level splitting holds) and whether line 1 is a
header. A header-less file's columns are named by position from 1 ("1", "2", …), as many
as the mapping's highest position (``Dialect.width``): a line may hold more fields (those
past the width are ignored) or fewer, down to the highest position a required field
takes (``Dialect.least``; the missing trailing cells are blank). A line with fewer is
refused, as a line.
"""

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings

NEWLINE, QUOTE, COMMA, CR = ord("\n"), ord('"'), ord(","), ord("\r")
# A quoted field may span lines (work-order descriptions do), but not without end: an
# opening quote still open after this many lines is a malformed line, not a long field.
MAX_RECORD_LINES = 50
WHITESPACE = "whitespace"  # the delimiter "runs of spaces or tabs"
DELIMITERS = (",", ";", "\t", "|", WHITESPACE)
ENCODINGS = ("utf-8", "cp1252", "latin-1")
UTF8_BOM = b"\xef\xbb\xbf"
# cp1252 leaves five byte values undefined; they decode to U+FFFD and their line is refused.
UNDECODABLE = "\ufffd"
# A longer line is refused as it streams past, never held whole (INGEST_MAX_LINE_BYTES).
MAX_LINE_BYTES = 1 << 20
BLANKS = np.frombuffer(b" \t\r", dtype=np.uint8)


@dataclass(frozen=True)
class Dialect:
    """How a file is written (the mapping's ``delimiter``, ``encoding`` and ``header``)."""

    delimiter: str = ","
    encoding: str = "utf-8"
    header: bool = True
    width: int = 0  # without a header: the fields read from each line ("1" … "width")
    least: int = 0  # without a header: the fields a line must hold (its required ones)

    @property
    def whitespace(self) -> bool:
        return self.delimiter == WHITESPACE

    def split(self, record: str) -> list[str]:
        """The cells of one record; csv.Error if it is malformed."""
        if self.whitespace:
            return _split_whitespace(record)
        return next(csv.reader([record], delimiter=self.delimiter, strict=True))


DEFAULT = Dialect()


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


def decode(data: bytes, where: str, encoding: str = "utf-8") -> str:
    """UTF-8 must decode as a whole (a file in another encoding would load garbled); in
    cp1252 an undefined byte becomes U+FFFD and only its line is refused (see _parse)."""
    if encoding != "utf-8":
        return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            f"{where} is not UTF-8 text (byte {exc.start}); export the file as UTF-8 CSV "
            "or set the mapping's encoding (cp1252, latin-1)."
        ) from exc


def read_header(handle, dialect: Dialect = DEFAULT) -> Header:
    """The header row: column names, stripped, with a UTF-8 byte-order mark removed.

    Without a header (``dialect.header`` false) nothing is consumed but the mark: the
    columns are the positions "1" … ``dialect.width``, the mapping's highest one."""
    handle.seek(0)
    first = handle.read(1 << 16)
    what = "a header row of column names" if dialect.header else "data lines"
    if not first.strip():
        raise FileUnreadable(f"The file is empty: expected {what}.")
    bom = 3 if dialect.encoding == "utf-8" and first.startswith(UTF8_BOM) else 0
    first = first[bom:]
    if not dialect.header:
        return Header([str(position) for position in range(1, dialect.width + 1)], bom, 0)
    end = _record_ends(np.frombuffer(first, dtype=np.uint8))
    # A file with only a header line may lack the newline.
    end_at = len(first) if len(end) == 0 else int(end[0]) + 1
    if b"\x00" in first[:end_at]:  # in a data line, a NUL refuses that line only
        raise FileUnreadable("The header row holds NUL bytes: it is not a CSV text file.")
    text = decode(first[:end_at], "The header row", dialect.encoding)
    try:
        names = dialect.split(text.rstrip("\r\n"))
    except csv.Error as exc:
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


def read_chunk(
    handle,
    offset: int,
    first_line: int,
    columns: list[str],
    block: int,
    dialect: Dialect = DEFAULT,
    max_line: int | None = None,
) -> Chunk:
    """Records from ``offset`` up to about ``block`` bytes, ending on a record boundary.

    ``first_line`` is the physical line number at ``offset``. Returns an empty frame at EOF.
    A line longer than ``max_line`` bytes (INGEST_MAX_LINE_BYTES) is a chunk of its own,
    refused without being held; a line with a NUL or an undecodable byte is refused alone.
    """
    max_line = max_line or _max_line_bytes()
    handle.seek(offset)
    data = handle.read(block)
    while data:
        if len(data) < block:  # the end of the file: the last record may lack its newline
            break
        cut = _last_record_end(np.frombuffer(data, dtype=np.uint8))
        if cut is not None:
            data = data[: cut + 1]
            break
        if len(data) > max_line:  # a line too long to keep: refuse it as it streams past
            return _skip_long_line(handle, offset + len(data), data, first_line, columns, max_line)
        more = handle.read(block)  # one record longer than a block: read on
        if not more:
            break
        data += more
        block += len(more)
    long_line = _first_long_line(data, max_line)
    if long_line is not None:
        start, end = long_line
        if start == 0:  # the chunk is that line alone
            return _long_line_chunk(data[:end], offset + end, first_line, columns, max_line)
        data = data[:start]  # the chunk ends before it; the next one starts with it
    original = len(data)
    data, text, bad = _without_bad_lines(data, first_line, dialect)
    chunk = _parse(data, text, first_line, columns, dialect)
    chunk.malformed += bad
    chunk.end_offset = offset + original
    chunk.last_line = first_line + _physical_lines(text) - 1
    return chunk


def _max_line_bytes() -> int:
    return int(getattr(settings, "INGEST_MAX_LINE_BYTES", MAX_LINE_BYTES))


def printable(raw: bytes | str, encoding: str = "utf-8", limit: int = 2000) -> str:
    """A line as it was in the file, made safe to store and show: an undecodable byte as
    ``\\xNN``, a NUL as ``\\x00``, cut at ``limit`` characters."""
    if isinstance(raw, bytes):
        text = raw[: limit * 4].decode(encoding, errors="backslashreplace")
    else:
        text = raw.encode("utf-8", errors="surrogateescape").decode(
            "utf-8", errors="backslashreplace"
        )
    return text.replace("\x00", "\\x00")[:limit]


def _long_line_reason(max_line: int) -> str:
    return (
        f"the line is longer than {max_line:,} bytes (INGEST_MAX_LINE_BYTES); it was skipped unread"
    )


def _long_line_chunk(line: bytes, end_offset: int, first_line, columns, max_line) -> Chunk:
    chunk = Chunk(frame=_empty(columns), first_line=first_line, last_line=first_line)
    chunk.malformed = [(first_line, _long_line_reason(max_line), printable(line[:200]) + "…")]
    chunk.end_offset = end_offset
    return chunk


def _skip_long_line(handle, position: int, head: bytes, first_line, columns, max_line) -> Chunk:
    """Read past the rest of a line longer than ``max_line`` a block at a time, keeping
    none of it: memory stays bounded by the block, whatever the line's length."""
    step = max(len(head), 1 << 16)
    start = head[:200]
    del head
    while True:
        more = handle.read(step)
        if not more:
            break
        newline = more.find(b"\n")
        if newline >= 0:
            position += newline + 1
            break
        position += len(more)
    return _long_line_chunk(start, position, first_line, columns, max_line)


def _first_long_line(data: bytes, max_line: int) -> tuple[int, int] | None:
    """(start, end after its newline) of the first physical line over ``max_line`` bytes."""
    if len(data) <= max_line:
        return None
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == NEWLINE)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.append(newlines, len(data))
    over = np.flatnonzero(ends - starts > max_line)
    if not len(over):
        return None
    i = int(over[0])
    return int(starts[i]), min(int(ends[i]) + 1, len(data))


# A NUL, or (read as UTF-8 with surrogateescape) a byte that is not UTF-8.
BAD_CHARACTER = re.compile("[\x00\udc80-\udcff]")


def _without_bad_lines(data: bytes, first_line: int, dialect: Dialect):
    """The chunk's bytes and text with each line that holds a NUL byte or a byte that is
    not text in the file's encoding emptied (its line number kept), and those lines as
    malformed (line, reason, raw made printable): one bad byte refuses its own line only."""
    if dialect.encoding != "utf-8":
        text = data.decode(dialect.encoding, errors="replace")  # cp1252: U+FFFD, see _parse
        if b"\x00" not in data:
            return data, text, []
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="surrogateescape")
        else:
            if b"\x00" not in data:
                return data, text, []
    lines = text.split("\n")
    raw_lines = data.split(b"\n")
    bad = []
    for i, line in enumerate(lines):
        found = BAD_CHARACTER.search(line)
        if found is None:
            continue
        if found.group() == "\x00":
            reason = f"holds a NUL byte (character {found.start() + 1}): not CSV text"
        else:
            byte = ord(found.group()) - 0xDC00
            reason = (
                f"holds the byte 0x{byte:02X} (character {found.start() + 1}), which is not "
                "UTF-8 text; export the file as UTF-8 or set the mapping's encoding"
            )
        bad.append((first_line + i, reason, printable(line.removesuffix("\r"))))
        lines[i], raw_lines[i] = "", b""
    if not bad:
        return data, text, []
    return b"\n".join(raw_lines), "\n".join(lines), bad


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


def _parse(
    data: bytes, text: str, first_line: int, columns: list[str], dialect: Dialect = DEFAULT
) -> Chunk:
    chunk = Chunk(frame=_empty(columns), first_line=first_line, text=text)
    if not text.strip():
        return chunk
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = _record_ends(buf)
    newlines = np.flatnonzero(buf == NEWLINE)
    # Every physical newline is a record end (one record per line, the common case),
    # every line has the header's number of fields (without a header: one number, enough
    # for the required positions) and every byte decoded: pandas reads it right.
    fields = (
        _fast_fields(buf, newlines, len(columns), dialect)
        if len(ends) == len(newlines) and not (dialect.encoding != "utf-8" and UNDECODABLE in text)
        else None
    )
    if fields is not None:
        frame = _parse_fast(text, columns, dialect, fields)
        if frame is not None:
            lines = first_line + np.arange(_physical_lines(text))
            blank = _blank_lines(text, dialect)
            if len(blank):
                lines = np.delete(lines, blank)
            if len(lines) == len(frame):
                frame["__line__"] = lines
                chunk.frame = frame
                return chunk
    chunk.frame, chunk.malformed = _parse_records(text, first_line, columns, dialect)
    return chunk


def _fast_fields(
    buf: np.ndarray, newlines: np.ndarray, expected: int, dialect: Dialect = DEFAULT
) -> int | None:
    """The fields every non-blank line holds, when the fast path may read the chunk: under a
    header ``expected`` on each line; without, one number on each, at least
    ``dialect.least``. None: the chunk is read record by record."""
    if dialect.header:
        return expected if _fields_match(buf, newlines, expected, dialect) else None
    counts = _words(buf, newlines) if dialect.whitespace else _separators(buf, newlines, dialect)
    if counts is None:
        return None
    fields, blank = counts
    fields = fields[~blank] + (0 if dialect.whitespace else 1)
    if len(fields) == 0:
        return expected
    found = int(fields[0])
    return found if found >= dialect.least and np.all(fields == found) else None


def _fields_match(
    buf: np.ndarray, newlines: np.ndarray, expected: int, dialect: Dialect = DEFAULT
) -> bool:
    """Does each non-blank line hold ``expected`` fields (delimiters outside quotes + 1)?"""
    if dialect.whitespace:
        return _words_match(buf, newlines, expected)
    per_line, blank = _separators(buf, newlines, dialect)
    return bool(np.all((per_line == expected - 1) | blank))


def _separators(buf: np.ndarray, newlines: np.ndarray, dialect: Dialect):
    """Each line's delimiters outside quotes, and which lines are blank."""
    separator = COMMA if dialect.delimiter == "," else ord(dialect.delimiter)
    commas = np.flatnonzero(buf == separator)
    quotes = np.flatnonzero(buf == QUOTE)
    if len(quotes):
        commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    bounds = newlines if len(buf) and buf[-1] == NEWLINE else np.append(newlines, len(buf))
    starts = np.concatenate(([0], bounds[:-1] + 1))
    per_line = np.diff(np.concatenate(([0], np.searchsorted(commas, bounds))))
    blank = (bounds - starts) <= (buf[np.maximum(bounds - 1, 0)] == CR)
    return per_line, blank


def _words_match(buf: np.ndarray, newlines: np.ndarray, expected: int) -> bool:
    """The same for runs of spaces or tabs: each line's words (a non-blank byte after a
    blank, a newline or the start) number ``expected``. A quote sends the chunk to the
    exact path (a quoted field may hold spaces)."""
    counts = _words(buf, newlines)
    if counts is None:
        return False
    per_line, _ = counts
    return bool(np.all((per_line == expected) | (per_line == 0)))


def _words(buf: np.ndarray, newlines: np.ndarray):
    """Each line's words and which lines are blank; None if a quote needs the exact path."""
    if np.any(buf == QUOTE):
        return None
    blank = np.isin(buf, BLANKS) | (buf == NEWLINE)
    starts = np.flatnonzero(~blank & np.concatenate(([True], blank[:-1])))
    bounds = newlines if len(buf) and buf[-1] == NEWLINE else np.append(newlines, len(buf))
    per_line = np.diff(np.concatenate(([0], np.searchsorted(starts, bounds))))
    return per_line, per_line == 0


def _parse_fast(
    text: str, columns: list[str], dialect: Dialect = DEFAULT, fields: int | None = None
) -> pd.DataFrame | None:
    """pandas' C parser over the chunk; ``fields`` on each line (without a header it may
    differ from the columns: the cells past them are dropped, those short of them blank)."""
    fields = len(columns) if fields is None else fields
    names = columns[:fields] + [f"__past_{n}" for n in range(len(columns), fields)]
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=names,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
            on_bad_lines="error",
            index_col=False,
            sep=r"\s+" if dialect.whitespace else dialect.delimiter,
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    if fields != len(columns):
        frame = frame.iloc[:, : min(fields, len(columns))].copy()
        for name in columns[fields:]:
            frame[name] = ""
    return frame


def _blank_lines(text: str, dialect: Dialect = DEFAULT) -> np.ndarray:
    """Indexes of empty lines (pandas skips them), so line numbers stay true. Split by
    runs of blanks, a line of only spaces is empty too."""
    if dialect.whitespace:
        if not re.search(r"(?:^|\n)[ \t\r]*(?:\n|$)", text.removesuffix("\n")):
            return np.array([], dtype=int)
        strip = " \t\r"
    elif "\n\n" not in text and not text.startswith("\n") and "\r\n\r\n" not in text:
        return np.array([], dtype=int)
    else:
        strip = "\r"
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return np.array([i for i, line in enumerate(lines) if not line.strip(strip)], dtype=int)


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


def _parse_records(text: str, first_line: int, columns: list[str], dialect: Dialect = DEFAULT):
    """The slow, exact path: parse each record alone so one bad line spoils nothing else."""
    rows, lines, malformed = [], [], []
    for line, record in _records_with_lines(text, first_line):
        if not record.strip():
            continue
        if dialect.encoding != "utf-8" and UNDECODABLE in record:
            malformed.append((line, f"holds a byte that is not {dialect.encoding} text", record))
            continue
        try:
            cells = dialect.split(record)
        except csv.Error as exc:
            malformed.append((line, f"malformed CSV: {exc}", record))
            continue
        if dialect.header and len(cells) != len(columns):
            malformed.append((line, f"expected {len(columns)} fields, found {len(cells)}", record))
            continue
        if not dialect.header:
            if len(cells) < dialect.least:
                reason = f"expected at least {dialect.least} fields, found {len(cells)}"
                malformed.append((line, reason, record))
                continue
            cells = (cells + [""] * (len(columns) - len(cells)))[: len(columns)]
        rows.append(cells)
        lines.append(line)
    frame = pd.DataFrame(rows, columns=columns, dtype=str) if rows else _empty(columns)
    frame["__line__"] = np.array(lines, dtype=np.int64)
    return frame, malformed


# A cell split by runs of blanks: quoted (may hold blanks; "" is a quote) or a bare word.
WORD = re.compile(r'"((?:[^"]|"")*)"(?=[ \t]|$)|([^ \t"]+)(?=[ \t]|$)')


def _split_whitespace(record: str) -> list[str]:
    text = record.strip(" \t\r")
    cells, position = [], 0
    while position < len(text):
        match = WORD.match(text, position)
        if match is None:
            raise csv.Error(f"unexpected quote at character {position + 1}")
        quoted, bare = match.groups()
        cells.append(bare if quoted is None else quoted.replace('""', '"'))
        position = match.end()
        while position < len(text) and text[position] in " \t":
            position += 1
    return cells


def _empty(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=str) for name in columns})
    frame["__line__"] = pd.Series(dtype=np.int64)
    return frame

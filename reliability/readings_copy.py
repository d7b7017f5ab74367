"""Readings in PostgreSQL's binary COPY format, built with numpy: no per-row Python.

One home for the wire format of a reading row (timestamptz, int4, float4), used by the
demo loader and the ingest pipeline.
"""

import io
from collections.abc import Iterator

import numpy as np

PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since the Unix epoch
HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
COLUMNS = "measured_at, sensor_id, value"

_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("ts_len", ">i4"),
        ("ts", ">i8"),
        ("sensor_len", ">i4"),
        ("sensor", ">i4"),
        ("value_len", ">i4"),
        ("value", ">f4"),
    ]
)
# A staging row also carries the source line number, to name the line in a report.
_STAGED_ROW = np.dtype([*_ROW.descr, ("line_len", ">i4"), ("line", ">i4")])


def encode(unix_us: np.ndarray, sensor_ids: np.ndarray, values: np.ndarray, lines=None) -> bytes:
    """COPY rows (without header or trailer) for readings at ``unix_us`` (microseconds
    since the Unix epoch, UTC). With ``lines``, each row carries a fourth int4 column."""
    rows = np.empty(len(unix_us), dtype=_ROW if lines is None else _STAGED_ROW)
    rows["ts_len"], rows["sensor_len"], rows["value_len"] = 8, 4, 4
    rows["ts"] = np.asarray(unix_us, dtype="int64") - PG_EPOCH_US
    rows["sensor"] = sensor_ids
    rows["value"] = values
    if lines is None:
        rows["fields"] = 3
    else:
        rows["fields"], rows["line_len"], rows["line"] = 4, 4, lines
    return rows.tobytes()


def copy_out(cursor, query: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``query`` (selecting measured_at, sensor_id, value, none null) through binary
    COPY TO and decode it with numpy: (Unix microseconds, sensor ids, values)."""
    sink = io.BytesIO()
    cursor.copy_expert(b"COPY (" + query + b") TO STDOUT WITH (FORMAT binary)", sink)
    body = sink.getvalue()[len(HEADER) : -len(TRAILER)]
    rows = np.frombuffer(body, dtype=_ROW)
    return (
        rows["ts"].astype(np.int64) + PG_EPOCH_US,
        rows["sensor"].astype(np.int64),
        rows["value"].astype(np.float32),
    )


def copy_into(cursor, table: str, payload: Iterator[bytes] | bytes, columns: str = COLUMNS):
    """COPY binary ``payload`` (encoded rows, one bytes or an iterator of them) into ``table``."""
    chunks = iter([payload]) if isinstance(payload, bytes) else payload
    stream = ChunkReader(_framed(chunks))
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)", stream, 1 << 20)


def _framed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield HEADER
    yield from chunks
    yield TRAILER


class ChunkReader:
    """A read()-able file over an iterator of byte chunks, for ``copy_expert``."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._current = b""
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        while self._offset >= len(self._current):
            self._current = next(self._chunks, None)
            self._offset = 0
            if self._current is None:
                self._current = b""
                return b""
        end = len(self._current) if size < 0 else self._offset + size
        out = self._current[self._offset : end]
        self._offset += len(out)
        return out

"""Natural keys built by a mapping's ``key``, for exports without a work-order number.

Two ways (docs/ingest.md, "Work orders without a number"):

- ``["asset", "opened_at", "description"]``: our fields after conversion, each written as
  canonical text (codes lower-cased, instants as ISO UTC, numbers without trailing zeros),
  joined by ``|``. The same data in another layout, time zone or number format gives the
  same key, so a re-sent file finds its rows again.
- ``"row"``: ``row-<fingerprint of the line>-<n>``, the line as it is in the file and its
  occurrence among identical lines of that file (1 for the first). Two identical lines stay
  two work orders; the same file sent again gives the same keys.

A key longer than the column (120) keeps a readable prefix and ends in ``~`` + 16 hex
digits of the SHA-256 of the whole key, so two long keys stay apart.
"""

import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal

import numpy as np
import pandas as pd

from .csvchunks import FileUnreadable
from .mappings import ROW_KEY, Mapping

MAX_KEY = 120  # WorkOrder.external_id, RejectedRow.key
HASH_DIGITS = 16
SEPARATOR = "|"
NOT_KEY_FIELDS = {"site"}  # the key is already unique per site


def key_problem(key, spec) -> str | None:
    """Why ``key`` cannot build ``spec``'s key, naming the field; None when it can."""
    if key is None:
        return None
    if not spec.built_key:
        return f"'key': {spec.kind} have a natural key of their own; only work orders take one"
    if key == ROW_KEY:
        return None
    ours = {f.name for f in spec.fields} - NOT_KEY_FIELDS - {spec.built_key}
    for name in key:
        if name not in ours:
            return f"'key': {name!r} is not one of our {spec.kind} fields {sorted(ours)}"
    if len(set(key)) != len(key):
        return "'key': a field is named twice"
    return None


def check_key(mapping: Mapping, spec, present: set[str]) -> None:
    """Fail the batch up front when the mapping's key cannot be built from this file.

    A file that also has the key's column (external_id) is refused rather than one of the
    two silently ignored: the user says which one identifies the work orders.
    """
    if mapping.key is None:
        return
    problem = key_problem(mapping.key, spec)
    if problem:
        raise FileUnreadable(f"The mapping's {problem}.")
    if spec.built_key in present:
        raise FileUnreadable(
            f"The mapping builds {spec.built_key} from its 'key', and the file also has a "
            f"'{mapping.their_name(spec.built_key)}' column: drop one of the two."
        )
    if mapping.key == ROW_KEY:
        return
    missing = [name for name in mapping.key if name not in present]
    if missing:
        named = ", ".join(f"'{mapping.their_name(name)}' (our {name})" for name in missing)
        raise FileUnreadable(f"The mapping's key needs columns the file lacks: {named}.")


# --- "row": the line's fingerprint and its occurrence in the file ---------------------


def line_fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_DIGITS]


def row_keys(texts, seen: Counter) -> list[str]:
    """The key of each line in ``texts`` (in file order), counting on from ``seen`` (the
    fingerprints of the file's earlier lines, updated here)."""
    keys = []
    for text in texts:
        fingerprint = line_fingerprint(text)
        seen[fingerprint] += 1
        keys.append(f"row-{fingerprint}-{seen[fingerprint]}")
    return keys


def count_lines(texts) -> Counter:
    """The fingerprints of lines already loaded (a resumed batch's committed prefix)."""
    return Counter(line_fingerprint(text) for text in texts if text.strip())


# --- a list of our fields: their canonical text -----------------------------------------


def field_keys(values: dict[str, pd.Series], names: list[str], spec) -> pd.Series:
    """The key of each row from the typed ``values`` of the fields ``names``."""
    codes = {f.name for f in spec.fields if f.type == "code"}
    parts = [values[name].map(lambda v, code=name in codes: _canonical(v, code)) for name in names]
    joined = [SEPARATOR.join(row) for row in zip(*parts, strict=True)]
    return pd.Series([fit(key) for key in joined], dtype=object)


def _canonical(value, code: bool) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_convert("UTC") if stamp.tzinfo else stamp
        text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{stamp.microsecond:06d}" if stamp.microsecond else "") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, np.floating | float):
        return repr(float(value))
    if isinstance(value, np.integer | int):
        return str(int(value))
    text = str(value).strip()
    text = text.lower() if code else text
    # Escape the separator, so ("a|", "b") and ("a", "|b") stay two keys.
    return text.replace("\\", "\\\\").replace(SEPARATOR, "\\" + SEPARATOR)


def fit(key: str) -> str:
    """``key`` within the column: a long one keeps a readable prefix and a hash of it all."""
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:HASH_DIGITS]
    return f"{key[: MAX_KEY - HASH_DIGITS - 1]}~{digest}"


def with_row_keys(frame: pd.DataFrame, chunk, seen: Counter, spec) -> pd.DataFrame:
    """``frame`` (a chunk's rows, mapped) with each row's "row" key in ``spec.built_key``."""
    texts = [chunk.raw(int(line)) for line in frame["__line__"]]
    frame = frame.copy()
    frame[spec.built_key] = pd.Series(row_keys(texts, seen), index=frame.index, dtype=object)
    return frame

"""Column mappings: how a foreign export (historian, CMMS) becomes our columns.

A mapping is data: a JSON file in ``ingest/mappings/`` (docs/ingest.md lists the keys).
``canonical`` needs no file: our own column names, for every kind. A mapping can rename
columns, add constant fields, set the timestamp format and the timezone of timestamps
without an offset, convert units, translate values (a CMMS type code to our work-order
kind) and turn a wide file (one column per metric) into one reading per cell.
"""

import json
import math
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .csvchunks import DELIMITERS, ENCODINGS, Chunk, Dialect, FileUnreadable

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
CANONICAL = "canonical"
SITE_TIMEZONE = "site"  # a mapping's timezone "site": each row's site's own timezone

# The unit we store each measured field in, and conversions into it.
OUR_UNIT = {
    "vibration_velocity_rms": "mm/s",
    "temperature": "degC",
    "current": "A",
    "downtime_minutes": "minutes",
    "available_minutes": "minutes",
    "maintenance_minutes_scheduled": "minutes",
    "maintenance_minutes_executed": "minutes",
    "planned_production_minutes": "minutes",
    "run_minutes": "minutes",
    "labour_hours": "hours",
}
CONVERSIONS = {
    ("in/s", "mm/s"): lambda x: x * 25.4,
    ("degF", "degC"): lambda x: (x - 32.0) * 5.0 / 9.0,
    ("K", "degC"): lambda x: x - 273.15,
    ("mA", "A"): lambda x: x / 1000.0,
    ("hours", "minutes"): lambda x: x * 60.0,
    ("seconds", "minutes"): lambda x: x / 60.0,
    ("minutes", "hours"): lambda x: x / 60.0,
}
KEYS = {
    "name",
    "kind",
    "description",
    "columns",
    "constants",
    "timestamp_format",
    "date_format",
    "timezone",
    "units",
    "value_maps",
    "wide",
    "key",
    "header",
    "delimiter",
    "encoding",
    "decimal",
    "date_order",
}
ROW_KEY = "row"  # a mapping's key "row": a fingerprint of the source line and its occurrence


class MappingError(Exception):
    """A mapping file is not valid, or names something unknown."""


@dataclass(frozen=True)
class Mapping:
    name: str
    kind: str | None  # None: any kind (canonical)
    description: str = ""
    columns: dict = field(default_factory=dict)  # their column -> our field
    constants: dict = field(default_factory=dict)  # our field -> value for every row
    timestamp_format: str | None = None  # None: ISO 8601
    date_format: str | None = None
    timezone: str | None = None  # for timestamps without an offset; "site" per row
    units: dict = field(default_factory=dict)  # our field or metric -> unit name
    value_maps: dict = field(default_factory=dict)  # our field -> {their value: ours}
    wide: dict | None = None  # {"variable": "metric", "value": "value"}
    # How the natural key is built when the export has no number column: a list of our
    # fields, or "row" (see ROW_KEY). None: the kind's own key column.
    key: list | str | None = None
    # How the file is written (see csvchunks.Dialect and fields.convert).
    header: bool = True  # False: no header line; ``columns`` keyed by position "1", "2", …
    delimiter: str = ","  # or ";", "\t", "|", "whitespace" (runs of spaces or tabs)
    encoding: str = "utf-8"  # or "cp1252", "latin-1"
    decimal: str = "."  # or "," (1.234,56)
    date_order: str | None = None  # "ymd", "dmy", "mdy" for dates without a format

    @property
    def dialect(self) -> Dialect:
        return Dialect(
            delimiter=self.delimiter,
            encoding=self.encoding,
            header=self.header,
            width=0 if self.header else self.width,
        )

    @property
    def width(self) -> int:
        """Without a header: the highest position ``columns`` names (the fields read)."""
        return max((int(c) for c in self.columns if c.isdigit()), default=0)

    def with_columns(self, overrides: dict[str, str]) -> "Mapping":
        """This mapping with some of our fields read from other columns (our -> their)."""
        if not overrides:
            return self
        columns = {their: ours for their, ours in self.columns.items() if ours not in overrides}
        columns.update({their: ours for ours, their in overrides.items()})
        return Mapping(**{**self.__dict__, "columns": columns})

    def our_name(self, column: str) -> str:
        return self.columns.get(column, column)

    def their_name(self, ours: str) -> str:
        for their, name in self.columns.items():
            if name == ours:
                return their
        return ours

    def fields_in(self, header: list[str]) -> set[str]:
        """Our fields a file with ``header`` provides, once mapped."""
        names = {self.our_name(column) for column in header} | set(self.constants)
        if self.wide:
            names |= {self.wide["variable"], self.wide["value"]}
        return names

    def apply(self, chunk: Chunk, header: list[str]) -> pd.DataFrame:
        """The chunk's cells under our column names, with constants and value maps applied
        (wide files melted to one row per non-empty cell; each keeps its line number)."""
        frame = chunk.frame.rename(columns={c: self.our_name(c) for c in header})
        if self.wide:
            frame = self._melt(frame)
        for name, value in self.constants.items():
            frame[name] = str(value)
        for name, table in self.value_maps.items():
            if name in frame:
                stripped = frame[name].str.strip()
                lowered = {str(k).lower(): str(v) for k, v in table.items()}
                mapped = stripped.str.lower().map(lowered)
                frame[name] = mapped.where(mapped.notna(), stripped)
        return frame.reset_index(drop=True)

    def _melt(self, frame: pd.DataFrame) -> pd.DataFrame:
        variable, value = self.wide["variable"], self.wide["value"]
        measured = [c for c in frame.columns if c in self.wide_columns]
        ids = [c for c in frame.columns if c not in measured]
        long = frame.melt(id_vars=ids, value_vars=measured, var_name=variable, value_name=value)
        long = long[long[value].str.strip() != ""]
        return long.sort_values("__line__", kind="stable")

    @property
    def wide_columns(self) -> set[str]:
        return set(self.wide.get("columns", ())) if self.wide else set()

    def convert_units(self, values: np.ndarray, name: str, selector=None) -> np.ndarray:
        """``values`` of our field ``name`` in our unit. For readings the unit is per metric:
        ``selector`` maps each metric to a boolean mask of the rows it covers."""
        if selector is not None:
            out = values.copy()
            for metric, unit in self.units.items():
                rows = selector(metric)
                if rows is not None and rows.any():
                    out[rows] = _converter(unit, metric)(values[rows])
            return out
        unit = self.units.get(name)
        return _converter(unit, name)(values) if unit else values


def _converter(unit: str, ours: str):
    target = OUR_UNIT[ours]
    return (lambda x: x) if unit == target else CONVERSIONS[(unit, target)]


def _load(path: Path) -> Mapping:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MappingError(f"{path.name}: not valid JSON ({exc})") from exc
    return parse(data, source=path.name)


def parse(data: dict, source: str = "mapping") -> Mapping:
    """A mapping from its JSON form, checked: unknown keys and units are errors."""
    if not isinstance(data, dict):
        raise MappingError(f"{source}: a mapping is a JSON object")
    unknown = set(data) - KEYS
    if unknown:
        raise MappingError(f"{source}: unknown keys {sorted(unknown)}; allowed {sorted(KEYS)}")
    if "name" not in data:
        raise MappingError(f"{source}: a mapping needs a 'name'")
    _check_types(data, source)
    for name, unit in data.get("units", {}).items():
        target = OUR_UNIT.get(name)
        if target is None:
            raise MappingError(f"{source}: {name!r} has no unit; unit fields: {sorted(OUR_UNIT)}")
        if unit != target and (unit, target) not in CONVERSIONS:
            known = sorted(u for u, t in CONVERSIONS if t == target) + [target]
            raise MappingError(f"{source}: cannot convert {unit!r} to {target}; known: {known}")
    key = data.get("key")
    listed = isinstance(key, list) and key and all(isinstance(k, str) and k for k in key)
    if key is not None and key != ROW_KEY and not listed:
        raise MappingError(
            f"{source}: 'key' is \"{ROW_KEY}\" or a list of our field names, "
            f'e.g. ["asset", "opened_at", "description"]'
        )
    _check_file_shape(data, source)
    if "encoding" in data:
        data = {**data, "encoding": data["encoding"].lower()}
    return Mapping(**{"kind": None, **data})


SCALARS = (str, int, float, bool)
MAX_POSITION = 1000  # columns a header-less file may have
TEXT_KEYS = ("name", "description", "timestamp_format", "date_format", "timezone")
LINE = "__line__"  # the column csvchunks numbers each record in: no field of ours


def _check_types(data: dict, source: str) -> None:
    """Each key's value of the right type, the error naming the key (a wrong type would
    otherwise fail later, as a crash when the mapping is used)."""

    def wrong(key: str, expected: str) -> MappingError:
        return MappingError(f"{source}: {key}: must be {expected}, not {data[key]!r}")

    def is_dict_of(value, values) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, values) for k, v in value.items()
        )

    for key in TEXT_KEYS:
        if key in data and not isinstance(data[key], str):
            raise wrong(key, "text")
    if data.get("kind") is not None and not isinstance(data["kind"], str):
        raise wrong("kind", "a kind's name, or null for any kind")
    if "columns" in data and not is_dict_of(data["columns"], str):
        raise wrong("columns", 'an object of names, {"their column": "our field"}')
    if "constants" in data and not is_dict_of(data["constants"], SCALARS):
        raise wrong("constants", 'an object {"our field": a text, number or true/false}')
    if "units" in data and not is_dict_of(data["units"], str):
        raise wrong("units", 'an object {"our field or metric": "unit"}')
    maps = data.get("value_maps", {})
    if not is_dict_of(maps, dict) or not all(is_dict_of(t, SCALARS) for t in maps.values()):
        raise wrong("value_maps", 'an object {"our field": {"their value": "ours"}}')
    wide = data.get("wide")
    if wide is not None and not (
        isinstance(wide, dict)
        and isinstance(wide.get("variable"), str)
        and isinstance(wide.get("value"), str)
        and isinstance(wide.get("columns"), list)
        and all(isinstance(c, str) for c in wide["columns"])
    ):
        raise wrong(
            "wide",
            '{"variable": "metric", "value": "value", "columns": [their metric columns]}',
        )
    ours = [
        *data.get("columns", {}).values(),
        *data.get("constants", {}),
        *([wide["variable"], wide["value"]] if wide else []),
    ]
    mapped = set(data.get("columns", {}).values())
    both = sorted(mapped & set(data.get("constants", {})))
    if both:
        raise MappingError(
            f"{source}: constants: {both[0]!r} is also mapped from a column; keep one of the two"
        )
    if LINE in ours or LINE in data.get("columns", {}):
        raise MappingError(f"{source}: columns: {LINE!r} is a name of ours for line numbers")
    for key in ("timestamp_format", "date_format"):
        if key in data and not _usable_format(data[key]):
            raise MappingError(
                f'{source}: {key}: {data[key]!r} is not a strptime format (e.g. "%d.%m.%Y %H:%M")'
            )
    _check_storable(data, source)
    timezone = data.get("timezone")
    if timezone is not None and timezone != SITE_TIMEZONE and not _known_zone(timezone):
        raise MappingError(
            f'{source}: timezone: {timezone!r} is not an IANA time zone (e.g. "Europe/Berlin", '
            f'"UTC") nor "{SITE_TIMEZONE}"'
        )


def _usable_format(fmt: str) -> bool:
    """A format pandas can parse with (a bad directive such as "%Q" raises there)."""
    try:
        pd.to_datetime(pd.Series(["x"]), format=fmt, errors="coerce")
    except (ValueError, TypeError):
        return False
    return True


def _check_storable(value, source: str, where: str = "") -> None:
    """No NaN or infinity (JSON has none; the database's jsonb refuses them) and no NUL
    character in any name or value, the error naming where."""
    if isinstance(value, float) and not math.isfinite(value):
        raise MappingError(f"{source}: {where or 'mapping'}: must be a finite number")
    if isinstance(value, str) and "\x00" in value:
        raise MappingError(f"{source}: {where or 'mapping'}: holds a NUL character")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key, source, where or str(key))
            _check_storable(item, source, where or str(key))
    elif isinstance(value, list):
        for item in value:
            _check_storable(item, source, where)


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


DECIMALS = (".", ",")
DATE_ORDERS = ("ymd", "dmy", "mdy")


def _one_of(data: dict, key: str, allowed, source: str, *, lower: bool = False) -> None:
    value = data.get(key)
    if value is None:
        return
    if not isinstance(value, str) or (value.lower() if lower else value) not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise MappingError(f"{source}: {key}: must be one of {listed}, not {value!r}")


def _check_file_shape(data: dict, source: str) -> None:
    """The keys that say how the file is written, each error naming its key."""
    header = data.get("header", True)
    if not isinstance(header, bool):
        raise MappingError(f"{source}: header: must be true or false, not {header!r}")
    _one_of(data, "delimiter", DELIMITERS, source)
    _one_of(data, "encoding", ENCODINGS, source, lower=True)
    _one_of(data, "decimal", DECIMALS, source)
    _one_of(data, "date_order", DATE_ORDERS, source)
    if data.get("decimal") == "," and data.get("delimiter", ",") == ",":
        raise MappingError(
            f'{source}: decimal: \',\' needs another delimiter (e.g. "delimiter": ";")'
        )
    columns = data.get("columns", {})
    # With a header any name may be mapped, digits too ("2024"); without, keys are positions.
    if not header:
        positions = [c for c in columns if c.isdigit() and c.isascii() and int(c) > 0]
        names = [c for c in columns if c not in positions]
        if names:
            raise MappingError(
                f'{source}: columns: with "header": false the keys are positions from 1 '
                f'("1", "2", …), not {names[0]!r}'
            )
        if data.get("wide"):
            raise MappingError(f'{source}: wide: a wide file needs a header ("header": true)')
        too_far = [c for c in positions if int(c) > MAX_POSITION]
        if too_far:  # the reader makes a column for every position up to the highest
            raise MappingError(
                f"{source}: columns: position {too_far[0]} is past {MAX_POSITION}, the widest "
                "file we read without a header"
            )


@cache
def shipped() -> dict[str, Mapping]:
    """The mappings in the repository, by name, plus ``canonical``."""
    found = {CANONICAL: Mapping(name=CANONICAL, kind=None, description="Our own column names.")}
    for path in sorted(MAPPINGS_DIR.glob("*.json")):
        mapping = _load(path)
        if mapping.name in found:
            raise MappingError(f"{path.name}: a mapping named {mapping.name!r} already exists")
        found[mapping.name] = mapping
    return found


def get(name: str, kind: str) -> Mapping:
    """The shipped mapping of that name, checked to fit ``kind``."""
    mapping = shipped().get(name)
    if mapping is None:
        raise MappingError(f"No mapping named {name!r}; known: {', '.join(sorted(shipped()))}")
    return _fitting(mapping, kind)


def _fitting(mapping: Mapping, kind: str) -> Mapping:
    if mapping.kind not in (None, kind):
        raise MappingError(f"Mapping {mapping.name!r} is for {mapping.kind}, not {kind}")
    return mapping


@dataclass(frozen=True)
class Resolved:
    """A mapping found for a new batch, and the JSON to freeze into it (None: shipped,
    read again by name, as the code ships it)."""

    mapping: Mapping
    definition: dict | None


def is_path(name: str) -> bool:
    """Does ``--mapping`` name a file rather than a mapping? (.json, or a path that exists)"""
    return name.endswith(".json") or (
        any(sep in name for sep in ("/", "\\")) and Path(name).exists()
    )


def resolve(name: str, kind: str, *, user=None, allow_path: bool = False) -> Resolved:
    """The mapping a new batch names: a shipped one, then a stored one ``user`` may use
    (``user`` None: the operator), then, at the command line only, a JSON file."""
    if name in shipped():
        return Resolved(get(name, kind), None)
    if allow_path and is_path(name):
        path = Path(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MappingError(f"{name}: cannot be read as a JSON mapping ({exc})") from exc
        if isinstance(data, dict):
            # No kind: a mapping for any kind; no name (a stored mapping's definition,
            # exported): the file's stem.
            data = {"kind": None, "name": path.stem, **data}
        return Resolved(_fitting(parse(data, source=path.name), kind), data)
    from .models import Mapping as StoredMapping  # the model needs the app registry

    found = StoredMapping.objects.all() if user is None else StoredMapping.objects.visible_to(user)
    stored = found.filter(name=name).first()
    if stored is None:
        known = sorted(shipped()) + sorted(found.values_list("name", flat=True))
        raise MappingError(f"No mapping named {name!r}; known: {', '.join(known)}")
    definition = definition_of(stored)
    return Resolved(_fitting(parse(definition, source=name), kind), definition)


def definition_of(stored) -> dict:
    """A stored mapping's full JSON: its definition with the row's name and kind."""
    return {**stored.definition, "name": stored.name, "kind": stored.kind or None}


def check_stored(*, name: str, kind: str, definition) -> Mapping:
    """Validate a mapping about to be stored; the MappingError names the key at fault."""
    if name in shipped():
        raise MappingError(f"name: {name!r} is the name of a shipped mapping; choose another")
    if not isinstance(definition, dict):
        raise MappingError("definition: a mapping is a JSON object")
    for key, ours in (("name", name), ("kind", kind or None)):
        if key in definition and (definition[key] or None) != ours:
            raise MappingError(
                f"definition: its '{key}' is {definition[key]!r} but the mapping's {key} "
                f"is {ours!r}; leave it out or make them equal"
            )
    mapping = parse({**definition, "name": name, "kind": kind or None}, source="definition")
    if kind and mapping.key is not None:
        from .kinds import SPECS  # kinds imports the models; this module loads before them
        from .rowkeys import key_problem  # rowkeys imports this module

        problem = key_problem(mapping.key, SPECS[kind]) if kind in SPECS else None
        if problem:
            raise MappingError(f"definition: {problem}")
    return mapping


def for_batch(batch) -> Mapping:
    """The mapping a batch reads its file with: the JSON frozen at its creation, or the
    shipped mapping of its name (editing a stored mapping never changes a batch)."""
    if batch.mapping_definition is not None:
        mapping = parse(batch.mapping_definition, source=f"batch {batch.pk}'s mapping")
        return _fitting(mapping, batch.kind)
    return get(batch.mapping, batch.kind)


def parse_column_overrides(value) -> dict[str, str]:
    """``{our field: their column}`` from a dict or its JSON text; ValueError if not."""
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Not JSON: {exc}") from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError('Give an object of names, e.g. {"asset": "Tag"}.')
    return value


def check_header(mapping: Mapping, header: list[str], required: list[str]) -> None:
    """Fail the batch up front, naming each required column the file lacks, and each field
    of ours two of its columns give."""
    check_one_column_each(mapping, header)
    present = mapping.fields_in(header)
    missing = [name for name in required if name not in present]
    if missing and not mapping.header:
        raise FileUnreadable(_missing_positions(missing))
    if missing:
        named = ", ".join(
            f"'{mapping.their_name(name)}'"
            + (f" (our {name})" if mapping.their_name(name) != name else "")
            for name in missing
        )
        raise FileUnreadable(f"Required column missing: {named}. The header has: {header}.")


def check_one_column_each(mapping: Mapping, header: list[str]) -> None:
    """Two columns of the file that become one field of ours (``{"Tag": "asset"}`` and a
    column "asset" too, or two columns mapped to it) would be two columns of one name:
    refuse the file, naming both, rather than pick one."""
    if LINE in header:
        raise FileUnreadable(
            f"The file has a column named '{LINE}', the name we number lines by: rename it."
        )
    given: dict[str, list[str]] = {}
    for column in header:
        given.setdefault(mapping.our_name(column), []).append(column)
    for name in mapping.constants:  # a constant would silently overwrite the column
        if name in given:
            given[name] += [f"{name} (a constant of the mapping)"]
    if mapping.wide:
        for name in (mapping.wide["variable"], mapping.wide["value"]):
            given.setdefault(name, [])
            given[name] += [f"{name} (the wide columns)"]
    for ours, columns in given.items():
        if len(columns) > 1:
            both = " and ".join(f"'{c}'" for c in columns)
            raise FileUnreadable(
                f"{ours} is given by {'both ' if len(columns) == 2 else ''}{both}: map or drop one."
            )


def _missing_positions(missing: list[str]) -> str:
    """Without a header the columns are the positions the mapping names: a required field
    missing is mapped to none."""
    named = ", ".join(f"{name} (no column position maps to it)" for name in missing)
    return f"Required field missing: {named}."

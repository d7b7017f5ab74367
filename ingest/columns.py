"""Each kind's columns in a plant user's words, with an example value for each: the upload
page's column tables and the template CSVs, built from the specs (ingest/kinds.py), so a
column added to a spec shows up on the page and in its template without another edit.
"""

import datetime as dt
from dataclasses import dataclass

from ingest.fields import Field, plausible_range
from ingest.kinds import spec_for
from ingest.models import Kind

# A moment safely past (not refused as "ahead of now") and after the earliest date accepted.
EXAMPLE_MOMENT = dt.datetime(2025, 3, 31, 8, 0, tzinfo=dt.UTC)
EXAMPLE_WHOLE = 480  # minutes of a shift, units of a count: brought within a field's range
EXAMPLE_NUMBER = 87.5
# Caps this large guard against typos (a stray digit), not a limit anyone plans around.
SANITY_CAP = 1e6
# Where the rule of a field's type would give a value its checks refuse or that misleads.
EXAMPLE_END = EXAMPLE_MOMENT + dt.timedelta(hours=4)  # an end after its start
EXAMPLE_BY_NAME = {
    "timezone": "Europe/Berlin",
    "year": str(EXAMPLE_MOMENT.year),
    # Ends come after their starts.
    **dict.fromkeys(
        ("ends_at", "ended_at", "completed_at"), EXAMPLE_END.strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
    # Money as a plant writes it, not 87.5 dollars.
    "annual_revenue": "250000000",
    "annual_maintenance_spend": "9000000",
    "replacement_value": "60000",
    "production_value_per_hour": "40000",
    "amount": "25000",
    "parts_cost": "1200",
    "labour_cost": "510",
}


@dataclass(frozen=True)
class Column:
    """One column of a kind's file, as the upload page describes it."""

    name: str
    required: bool
    format: str
    example: str
    note: str


@dataclass(frozen=True)
class KindColumns:
    """A kind's columns, in file order, and what applies to the kind as a whole."""

    kind: str
    label: str
    columns: list[Column]
    notes: list[str]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def example_row(self) -> list[str]:
        return [c.example for c in self.columns]


def kind_columns(kind: str, *, site_code: str = "") -> KindColumns:
    """The columns of ``kind``; ``site_code`` (a site the reader may load into) is the
    example of a site column, so the template names a real site."""
    spec = spec_for(kind)
    columns = [
        Column(
            name=f.name,
            required=f.required,
            format=field_format(f),
            example=site_code if f.name == "site" and site_code else example_value(f),
            note=f.help,
        )
        for f in spec.fields
    ]
    return KindColumns(kind=kind, label=Kind(kind).label, columns=columns, notes=spec.notes)


def field_format(f: Field) -> str:
    """What a cell of ``f`` must hold, in words: its type, limits, and what an empty cell
    means."""
    parts = [_type_words(f), *_limits(f)]
    if f.blank:
        parts.append(_empty_words(f))
    return "; ".join(p for p in parts if p)


def _type_words(f: Field) -> str:
    if f.type == "choice":
        return "one of: " + ", ".join(f.choices)
    if f.type == "text" and f.max_length:
        return f"text, up to {f.max_length} characters"
    return {
        "text": "text",
        "code": "a code already stored here",
        "int": "whole number",
        "decimal": "number (a point before decimals)",
        "float": "number (a point before decimals)",
        "date": "date, YYYY-MM-DD",
        "datetime": "date and time with its UTC offset (Z or +01:00)",
        "bool": "true or false (also yes/no, 1/0)",
    }[f.type]


def _limits(f: Field) -> list[str]:
    if f.type in ("date", "datetime"):
        _, _, earliest, latest = plausible_range(f)
        return [f"from {earliest} to {latest}"]
    low = f.minimum if f.minimum is not None and abs(f.minimum) < SANITY_CAP else None
    high = f.maximum if f.maximum is not None and f.maximum < SANITY_CAP else None
    if low is not None and high is not None:
        return [f"from {low:g} to {high:g}"]
    if low is not None:
        return [f"{low:g} or more"]
    if f.minimum is not None and f.minimum < 0:
        return ["may be negative"]
    return [f"up to {high:g}"] if high is not None else []


def _empty_words(f: Field) -> str:
    if f.default is None or f.default == "":
        return "may be empty"
    return f"empty means {_cell(f.default)}"


def example_value(f: Field) -> str:
    """A value that ``f``'s checks accept, as it is written in a file."""
    if f.name in EXAMPLE_BY_NAME:
        return EXAMPLE_BY_NAME[f.name]
    if f.default not in (None, "") and f.type in ("text", "choice", "bool"):
        return _cell(f.default)
    if f.type == "choice":
        return f.choices[0]
    if f.type in ("text", "code"):
        return f"{f.name.replace('_', '-')}-1"[: f.max_length]
    if f.type == "int":
        return str(int(_within(EXAMPLE_WHOLE, f)))
    if f.type in ("decimal", "float"):
        return f"{_within(EXAMPLE_NUMBER, f):g}"
    if f.type == "date":
        return EXAMPLE_MOMENT.date().isoformat()
    if f.type == "datetime":
        return EXAMPLE_MOMENT.strftime("%Y-%m-%dT%H:%M:%SZ")
    return "false"  # bool


def _within(value: float, f: Field) -> float:
    low = f.minimum if f.minimum is not None else value
    high = f.maximum if f.maximum is not None else value
    return min(max(value, low), high)


def _cell(value) -> str:
    """A default as written in a file: booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

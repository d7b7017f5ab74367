"""Validating and upserting every kind but readings: a chunk at a time, by natural key.

A chunk's cells are converted (ingest/fields.py), its codes resolved to ids (the
resolvers below, which also refuse sites the sender may not write), checked across
fields, and upserted with ``INSERT … ON CONFLICT (natural key) DO UPDATE … WHERE the row
differs``: a re-sent row changes nothing and counts as a duplicate, a changed row (a work
order now completed) is updated.
"""

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from oem.models import OEMCustomer, OEMRelationship
from portfolio.models import Line, Portfolio, Site
from reliability.models import (
    Asset,
    AssetClass,
    ChangeoverWindow,
    FailureEvent,
    FailureMode,
    WorkOrder,
)

from . import failure_rows, portfolio_rows, rowkeys
from .faults import is_transient
from .fields import Errors, convert
from .kinds import Spec
from .mappings import SITE_TIMEZONE, Mapping

MISSING = -1
UNASSIGNED_LINE = "unassigned"


@dataclass
class Context:
    """What a batch knows while it runs: who sends, where rows may go, codes seen."""

    mapping: Mapping
    writable_sites: set[int] | None  # None: every site (the operator)
    default_site: Site | None = None
    create_missing_assets: bool = False
    holder_sites: dict[int, set[int]] | None = None
    created_assets: list[str] = field(default_factory=list)
    touched_sites: set[int] = field(default_factory=set)
    # A "row" key's count of each line fingerprint so far in the file (ingest/rowkeys.py).
    row_counts: Counter | None = None
    _sites: dict[str, Site] | None = None

    @property
    def is_operator(self) -> bool:
        return self.writable_sites is None

    def sites(self) -> dict[str, Site]:
        if self._sites is None:
            self._sites = {site.code.lower(): site for site in Site.objects.all()}
        return self._sites

    def may_write(self, site_ids: np.ndarray) -> np.ndarray:
        if self.writable_sites is None:
            return np.ones(len(site_ids), dtype=bool)
        return np.isin(site_ids, list(self.writable_sites))


@dataclass
class Prepared:
    """A chunk ready to store: typed values by column, line numbers, refused rows."""

    values: dict[str, pd.Series]
    lines: np.ndarray
    errors: Errors
    present: set[str]  # our fields the file provides (only these are updated)


def prepare(frame: pd.DataFrame, spec: Spec, ctx: Context) -> Prepared:
    errors = Errors()
    values: dict[str, pd.Series] = {}
    present = {f.name for f in spec.fields if f.name in frame.columns}
    index = pd.RangeIndex(len(frame))
    if "site" in (f.name for f in spec.fields):
        resolve_site(frame, values, ctx, errors)
    tz = _timezones(values, ctx)
    for spec_field in spec.fields:
        if spec_field.name == "site":
            continue
        if spec_field.name in frame.columns:
            cells = frame[spec_field.name].reset_index(drop=True)
        else:
            cells = pd.Series([""] * len(frame), index=index, dtype=object)
            if spec_field.default is None and not spec_field.blank:
                continue  # a required field, already refused at the header
        fmt = (
            ctx.mapping.date_format if spec_field.type == "date" else (ctx.mapping.timestamp_format)
        )
        if spec_field.name in ctx.mapping.units:
            values[spec_field.name] = _with_unit(cells, spec_field, ctx.mapping, errors)
        else:
            values[spec_field.name] = convert(
                cells,
                spec_field,
                errors,
                tz=tz,
                fmt=fmt,
                decimal=ctx.mapping.decimal,
                date_order=ctx.mapping.date_order,
            )
    _check_order(spec, values, errors)  # first, so no asset is created for a refused row
    for name in spec.refs:
        if name != "site":
            RESOLVERS[name](values, ctx, errors)
    if isinstance(ctx.mapping.key, list) and spec.built_key:
        values[spec.built_key] = rowkeys.field_keys(values, ctx.mapping.key, spec)
    return Prepared(values, frame["__line__"].to_numpy(), errors, present)


def row_key(spec: Spec, prepared: Prepared, row: int) -> str:
    """The natural key built or read for ``row`` (shown with its rejections), else ""."""
    keys = prepared.values.get(spec.built_key) if spec.built_key else None
    if keys is None or keys[row] is None or keys[row] is pd.NA:
        return ""
    return str(keys[row])[: rowkeys.MAX_KEY]


def _with_unit(cells, spec_field, mapping, errors):
    """Convert a field given in another unit: read as a number, convert, then check."""
    as_float = type(spec_field)(
        **{**spec_field.__dict__, "type": "float", "minimum": None, "maximum": None}
    )
    scratch = Errors()
    numbers = convert(cells, as_float, scratch, tz=None, decimal=mapping.decimal)
    for row, reasons in scratch.by_row.items():
        errors.by_row.setdefault(row, []).extend(reasons)
    converted = pd.Series(
        mapping.convert_units(numbers.to_numpy(dtype=float), spec_field.name), index=cells.index
    )
    if spec_field.type == "int":
        converted = converted.round()
    text = converted.map(lambda v: "" if pd.isna(v) else repr(float(v)))
    text = text.where(text.str.contains("e") | ~text.str.endswith(".0"), text.str[:-2])
    return convert(text.astype(object), spec_field, errors)


def _timezones(values, ctx: Context):
    if ctx.mapping.timezone != SITE_TIMEZONE:
        return ctx.mapping.timezone
    site_ids = values.get("site_id")
    if site_ids is None:
        return ctx.default_site.timezone if ctx.default_site else None
    zones = {site.pk: site.timezone for site in ctx.sites().values()}
    return site_ids.map(zones).fillna("UTC")


def _check_order(spec: Spec, values, errors: Errors) -> None:
    for earlier, later in spec.order:
        if earlier not in values or later not in values:
            continue
        a, b = values[earlier], values[later]
        both = a.notna() & b.notna()
        if not both.any():
            continue
        if a.dtype == object:
            bad = both & pd.Series(
                [
                    x > y if x is not None and y is not None else False
                    for x, y in zip(a, b, strict=True)
                ],
                index=a.index,
            )
        else:
            bad = both & (a > b)
        if bad.any():
            is_time = str(a.dtype).startswith("datetime") or a.dtype == object
            reason = f"is before {earlier}" if is_time else f"is less than {earlier}"
            errors.add_mask(bad.to_numpy(), later, reason)


# --- Resolvers: code columns -> id columns -------------------------------------------


def _codes(values_or_frame, name) -> pd.Series:
    return values_or_frame[name].fillna("").astype(str).str.strip().str.lower()


def resolve_site(frame: pd.DataFrame, values, ctx: Context, errors: Errors) -> None:
    """``site_id`` per row: from the row's site code, else the batch's site."""
    n = len(frame)
    if "site" in frame.columns:
        codes = frame["site"].reset_index(drop=True).fillna("").str.strip().str.lower()
    else:
        codes = pd.Series([""] * n, dtype=object)
    default = ctx.default_site.code.lower() if ctx.default_site else ""
    codes = codes.where(codes != "", default)
    ids = codes.map({code: site.pk for code, site in ctx.sites().items()})
    ids = ids.fillna(MISSING).astype(np.int64)
    no_code = (codes == "").to_numpy()
    if no_code.any():
        errors.add_mask(no_code, "site", "a value is required (or give the batch a site)")
    refused = ~no_code & ((ids.to_numpy() == MISSING) | ~ctx.may_write(ids.to_numpy()))
    if refused.any():
        reasons = codes[refused].map(lambda code: f"no site '{code}' that you may load into")
        errors.add(np.flatnonzero(refused), "site", reasons)
    values["site_id"] = ids


def resolve_portfolio(values, ctx: Context, errors: Errors) -> None:
    codes = _codes(values, "portfolio")
    known = {p.code.lower(): p.pk for p in Portfolio.objects.all()}
    ids = codes.map(known)
    bad = ids.isna().to_numpy() & (codes != "").to_numpy()
    errors.add_mask(bad, "portfolio", "unknown portfolio code")
    values["portfolio_id"] = ids.fillna(MISSING).astype(np.int64)


def check_timezone(values, ctx: Context, errors: Errors) -> None:
    zones = values["timezone"].fillna("")
    valid = zoneinfo.available_timezones()
    bad = ~zones.isin(valid).to_numpy() & (zones != "").to_numpy()
    errors.add_mask(bad, "timezone", "not an IANA timezone name (e.g. Europe/Berlin)")


def resolve_line(values, ctx: Context, errors: Errors) -> None:
    site_ids, codes = values["site_id"], _codes(values, "line")
    known = {
        (site_id, code.lower()): pk
        for pk, site_id, code in Line.objects.filter(site_id__in=set(site_ids)).values_list(
            "pk", "site_id", "code"
        )
    }
    ids = pd.Series(
        [known.get(k, MISSING) for k in zip(site_ids, codes, strict=True)], dtype=np.int64
    )
    bad = (ids == MISSING).to_numpy() & (codes != "").to_numpy() & (site_ids != MISSING).to_numpy()
    errors.add_mask(bad, "line", "unknown line code at this site")
    values["line_id"] = ids


def _asset_ids(values, ctx: Context, errors: Errors) -> pd.Series:
    site_ids, codes = values["site_id"], _codes(values, "asset")
    wanted = set(site_ids)
    known = {
        (site_id, code.lower()): pk
        for pk, site_id, code in Asset.objects.filter(site_id__in=wanted).values_list(
            "pk", "site_id", "code"
        )
    }
    ids = pd.Series(
        [known.get(k, MISSING) for k in zip(site_ids, codes, strict=True)], dtype=np.int64
    )
    unknown = (ids == MISSING).to_numpy() & (codes != "").to_numpy()
    unknown &= (site_ids != MISSING).to_numpy()
    if unknown.any() and ctx.create_missing_assets:
        raw = values["asset"].fillna("").str.strip()
        refused = np.zeros(len(ids), dtype=bool)
        for row in np.flatnonzero(unknown):
            if int(row) in errors.by_row:
                refused[row] = True  # bad for another reason: creates nothing
                continue
            ids[row] = _create_asset(ctx, int(site_ids[row]), raw[row], known)
        # A refused row's asset may have been created by a later row of the chunk; if not,
        # it would have been: either way the asset is not what is wrong with the row.
        for row in np.flatnonzero(refused):
            ids[row] = known.get((int(site_ids[row]), codes[row]), MISSING)
        too_long = (ids == MISSING).to_numpy() & unknown & (codes.str.len() > 60).to_numpy()
        errors.add_mask(too_long, "asset", "longer than 60 characters: cannot create the asset")
        unknown = np.zeros(len(ids), dtype=bool)
    errors.add_mask(unknown, "asset", "unknown asset code at this site")
    return ids


def _create_asset(ctx: Context, site_id: int, code: str, known: dict) -> int:
    """Onboarding a foreign export: an asset we lack, created with cautious defaults
    (tier 3, class other) on the site's "unassigned" line, for the director to classify."""
    key = (site_id, code.lower())
    if key in known:
        return known[key]
    if len(code) > 60:
        return MISSING
    line, _ = Line.objects.get_or_create(
        site_id=site_id,
        code=UNASSIGNED_LINE,
        defaults={"name": "Unassigned (assets created by ingest)"},
    )
    asset, created = Asset.objects.get_or_create(
        site_id=site_id,
        code=code,
        defaults={"line": line, "name": code, "asset_class": AssetClass.OTHER, "tier": 3},
    )
    if created:
        site_code = next(s.code for s in ctx.sites().values() if s.pk == site_id)
        ctx.created_assets.append(f"{site_code}/{code}")
    known[key] = asset.pk
    return asset.pk


def resolve_asset(values, ctx, errors):
    values["asset_id"] = _asset_ids(values, ctx, errors)


def resolve_optional_asset(values, ctx, errors):
    if "asset" in values:
        values["asset_id"] = _asset_ids(values, ctx, errors)
    else:
        values["asset_id"] = pd.Series([MISSING] * len(values["site_id"]), dtype=np.int64)


def resolve_failure_mode(values, ctx, errors):
    if "failure_mode" not in values:
        return
    codes = _codes(values, "failure_mode")
    known = {code.lower(): pk for pk, code in FailureMode.objects.values_list("pk", "code")}
    ids = codes.map(known)
    bad = ids.isna().to_numpy() & (codes != "").to_numpy()
    errors.add_mask(bad, "failure_mode", "unknown failure-mode code (see the catalogue)")
    values["failure_mode_id"] = ids.fillna(MISSING).astype(np.int64)


def resolve_customer(values, ctx, errors):
    codes = _codes(values, "customer")
    known = {code.lower(): pk for pk, code in OEMCustomer.objects.values_list("pk", "code")}
    ids = codes.map(known)
    bad = ids.isna().to_numpy() & (codes != "").to_numpy()
    errors.add_mask(bad, "customer", "unknown OEM customer code")
    values["customer_id"] = ids.fillna(MISSING).astype(np.int64)


def resolve_relationship(values, ctx, errors):
    known = {
        (customer, site): pk
        for pk, customer, site in OEMRelationship.objects.values_list(
            "pk", "customer_id", "site_id"
        )
    }
    pairs = zip(values["customer_id"], values["site_id"], strict=True)
    ids = pd.Series([known.get(pair, MISSING) for pair in pairs], dtype=np.int64)
    bad = (ids == MISSING).to_numpy() & (values["customer_id"] != MISSING).to_numpy()
    bad &= (values["site_id"] != MISSING).to_numpy()
    errors.add_mask(bad, "customer", "no relationship between this customer and site")
    values["relationship_id"] = ids


def resolve_work_order(values, ctx, errors):
    if "work_order" not in values:
        return
    codes = values["work_order"].fillna("").str.strip()
    known = dict(
        ((site, ext), pk)
        for pk, site, ext in WorkOrder.objects.filter(
            site_id__in=set(values["site_id"]), external_id__in=set(codes) - {""}
        ).values_list("pk", "site_id", "external_id")
    )
    ids = pd.Series(
        [known.get(k, MISSING) for k in zip(values["site_id"], codes, strict=True)],
        dtype=np.int64,
    )
    bad = (ids == MISSING).to_numpy() & (codes != "").to_numpy()
    errors.add_mask(bad, "work_order", "unknown work order at this site")
    values["work_order_id"] = ids


def resolve_changeover_window(values, ctx, errors):
    """The window a work order was scheduled in: on the asset's line, starting then."""
    if "changeover_window_start" not in values:
        return
    starts = values["changeover_window_start"]
    wanted = starts.notna() & (values["asset_id"] != MISSING)
    ids = pd.Series([MISSING] * len(starts), dtype=np.int64)
    if wanted.any():
        lines = dict(
            Asset.objects.filter(pk__in=set(values["asset_id"][wanted])).values_list(
                "pk", "line_id"
            )
        )
        windows = {
            (line, start): pk
            for pk, line, start in ChangeoverWindow.objects.filter(
                line_id__in=set(lines.values())
            ).values_list("pk", "line_id", "starts_at")
        }
        for row in np.flatnonzero(wanted.to_numpy()):
            line = lines.get(int(values["asset_id"][row]))
            ids[row] = windows.get((line, starts[row].to_pydatetime()), MISSING)
        bad = wanted.to_numpy() & (ids == MISSING).to_numpy()
        errors.add_mask(
            bad, "changeover_window_start", "no changeover window starts then on the asset's line"
        )
    values["changeover_window_id"] = ids


def resolve_failure_event(values, ctx, errors):
    """The failure a penalty stems from: the asset's event under way at occurred_at."""
    n = len(values["site_id"])
    ids = pd.Series([MISSING] * n, dtype=np.int64)
    if "occurred_at" in values:
        when = values["occurred_at"]
        wanted = (when.notna() & (values["asset_id"] != MISSING)).to_numpy()
        for row in np.flatnonzero(wanted):
            moment = when[row].to_pydatetime()
            event = (
                FailureEvent.objects.filter(
                    asset_id=int(values["asset_id"][row]), started_at__lte=moment
                )
                .order_by("-started_at")
                .values_list("pk", "ended_at")
                .first()
            )
            if event and (event[1] is None or event[1] >= moment):
                ids[row] = event[0]
    values["failure_event_id"] = ids


def resolve_holder(values, ctx: Context, errors: Errors):
    """A person by username; an integrator may only write people of its own sites."""
    usernames = values["holder"].fillna("").str.strip()
    users = dict(
        get_user_model().objects.filter(username__in=set(usernames)).values_list("username", "pk")
    )
    ids = usernames.map(users)
    bad = ids.isna().to_numpy() & (usernames != "").to_numpy()
    if not ctx.is_operator:
        holder_sites = ctx.holder_sites or {}
        for row in np.flatnonzero(~bad & ids.notna().to_numpy()):
            if not holder_sites.get(int(ids[row]), set()) & ctx.writable_sites:
                bad[row] = True
    errors.add_mask(bad, "holder", "no person with this username at a site you may load into")
    values["holder_id"] = ids.fillna(MISSING).astype(np.int64)


RESOLVERS = {
    "portfolio": resolve_portfolio,
    "timezone": check_timezone,
    "line": resolve_line,
    "asset": resolve_asset,
    "optional_asset": resolve_optional_asset,
    "failure_mode": resolve_failure_mode,
    "customer": resolve_customer,
    "relationship": resolve_relationship,
    "work_order": resolve_work_order,
    "changeover_window": resolve_changeover_window,
    "failure_event": resolve_failure_event,
    "holder": resolve_holder,
    "portfolio_row": portfolio_rows.check_portfolio_row,
    "open_failure": failure_rows.check_open_failure,
}

# What a kind does after its rows are stored, in the chunk's transaction.
AFTER_STORE = {"portfolios": portfolio_rows.announce_created}


# --- Storing -------------------------------------------------------------------------


@dataclass
class Stored:
    inserted: int = 0
    updated: int = 0
    duplicate: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (row, database reason)


# An update's value for a column the file does not give, where keeping the stored value
# could contradict what the file does give: a failure re-sent with its end is no longer
# open; re-sent without an end (or without the column) it stays as it was.
IMPLIED_UPDATES = {
    ("failure_events", "is_open"): "CASE WHEN EXCLUDED.ended_at IS NOT NULL THEN false "
    "ELSE {table}.is_open END",
}


def columns_for(spec: Spec, prepared: Prepared) -> tuple[list[str], list[str]]:
    """(every column to insert, the columns an update may change)."""
    model_fields = {f.column: f for f in spec.model._meta.concrete_fields}
    insert, update = [], []
    for column in model_fields:
        if column == "id" or column not in prepared.values:
            continue
        insert.append(column)
        name = column.removesuffix("_id")
        given = name in prepared.present or _file_gives(spec, prepared, column)
        given |= (spec.kind, column) in IMPLIED_UPDATES and "ended_at" in prepared.present
        if column not in spec.key and (
            given or column.endswith("_id") and name in prepared.present
        ):
            update.append(column)
    for column in spec.key:
        if column not in insert:
            insert.append(column)
    return insert, update


def upsert(spec: Spec, prepared: Prepared, rows: np.ndarray) -> Stored:
    """Insert new rows, update changed ones, count the same ones as duplicates."""
    stored = Stored()
    if not len(rows):
        return stored
    insert, update = columns_for(spec, prepared)
    defaults = _model_defaults(spec.model, insert)
    table = spec.model._meta.db_table
    data = [
        tuple(_db_value(prepared.values[c][row]) for c in insert) + tuple(defaults.values())
        for row in rows
    ]
    insert = insert + list(defaults)
    implied = {
        column: IMPLIED_UPDATES[(spec.kind, column)].format(table=table)
        for column in update
        if (spec.kind, column) in IMPLIED_UPDATES and not _file_gives(spec, prepared, column)
    }
    sql = _upsert_sql(table, insert, update, spec.key, implied)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            results = execute_values(cursor, sql, data, page_size=1000, fetch=True)
    except DatabaseError as exc:
        if is_transient(exc):  # the connection or a deadlock, not the rows: retry the batch
            raise
        return _upsert_one_by_one(sql, data, rows)
    stored.inserted = sum(1 for (was_insert,) in results if was_insert)
    stored.updated = len(results) - stored.inserted
    stored.duplicate = len(rows) - len(results)
    return stored


def _model_defaults(model, given: list[str]) -> dict:
    """Model defaults for the columns a file does not set: raw SQL bypasses the ORM, and
    Django keeps defaults in Python, not in the table."""
    now = timezone.now()
    defaults = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.column in given:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            defaults[model_field.column] = now
        elif model_field.has_default():
            defaults[model_field.column] = model_field.get_db_prep_save(
                model_field.get_default(), connection
            )
    return defaults


def _upsert_one_by_one(sql, data, rows) -> Stored:
    """A constraint the checks above do not mirror refused the chunk: find the rows."""
    stored = Stored()
    for row, values in zip(rows, data, strict=True):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                results = execute_values(cursor, sql, [values], fetch=True)
        except DatabaseError as exc:
            if is_transient(exc):
                raise
            message = str(exc).strip().splitlines()[0]
            stored.refused.append((int(row), f"refused by the database: {message}"))
            continue
        if not results:
            stored.duplicate += 1
        elif results[0][0]:
            stored.inserted += 1
        else:
            stored.updated += 1
    return stored


def _file_gives(spec: Spec, prepared: Prepared, column: str) -> bool:
    return column in prepared.present or (column == "is_open" and "open" in prepared.present)


def _upsert_sql(table, insert, update, key, implied: dict[str, str] | None = None) -> str:
    """INSERT … ON CONFLICT DO UPDATE of ``update`` (each from the file, or by its
    ``implied`` expression), counting rows whose values are the same as duplicates."""
    target = ", ".join(key)
    columns = ", ".join(insert)
    if not update:
        return (
            f"INSERT INTO {table} ({columns}) VALUES %s ON CONFLICT ({target}) DO NOTHING "
            "RETURNING true"
        )
    implied = implied or {}
    new_values = [implied.get(c, f"EXCLUDED.{c}") for c in update]
    assign = ", ".join(f"{c} = {value}" for c, value in zip(update, new_values, strict=True))
    old = ", ".join(f"{table}.{c}" for c in update)
    new = ", ".join(new_values)
    return (
        f"INSERT INTO {table} ({columns}) VALUES %s ON CONFLICT ({target}) DO UPDATE SET "
        f"{assign} WHERE ({old}) IS DISTINCT FROM ({new}) RETURNING (xmax = 0)"
    )


def _db_value(value):
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, np.integer):
        return None if value == MISSING else int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return value

"""A batch's preview: its first data lines as they would be stored, and those it would refuse.

The preview runs the real pipeline (the mapping, the kind's checks, the code lookups, the
upsert or the readings' copy) on the first ``LINES`` data lines, inside a transaction that
is always rolled back: nothing it does is kept, not a row, not a rejected row, not an asset
that ``create_missing_assets`` would create (those are reported as "would be created").
Only the start of the file is read, however large it is.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import transaction

from . import csvchunks, mappings, readings, records, rowkeys, services
from .fields import Errors, convert
from .kinds import spec_for
from .models import IngestBatch, Kind, RejectedRow, Source, Status

LINES = 20  # data lines shown
FIRST_BLOCK = 64 * 1024  # bytes read first; doubled while fewer than LINES records came
MAX_BLOCK = 8 * 1024 * 1024


@dataclass
class Preview:
    columns: list[str] = field(default_factory=list)  # our names, as stored
    rows: list[dict] = field(default_factory=list)  # {"line": n, column: value, …}
    rejected: list[dict] = field(default_factory=list)  # {"line", "field", "reason", …}
    would_create_assets: list[str] = field(default_factory=list)  # "SITE/CODE"
    error: str = ""  # why the file as a whole would fail (then nothing else is filled)


def batch_preview(
    *,
    kind: str,
    upload,
    user,
    mapping: str = "canonical",
    site=None,
    create_missing_assets: bool = False,
    columns: dict[str, str] | None = None,
) -> Preview:
    """What loading ``upload`` would do to its first lines; refused exactly as a batch
    would be (BatchRefused, PermissionDenied)."""
    resolved = services.batch_check_options(
        kind=kind,
        user=user,
        mapping=mapping,
        site=site,
        create_missing_assets=create_missing_assets,
        columns=columns,
    )
    # Never saved: the pipeline reads its options from a batch.
    batch = IngestBatch(
        kind=kind,
        source=Source.UPLOAD,
        mapping=resolved.mapping.name[:60],
        mapping_definition=resolved.definition,
        column_overrides=columns or {},
        site=site,
        create_missing_assets=create_missing_assets,
        file_name="preview",
        file_size=upload.size,
        created_by=user,
        status=Status.RUNNING,
    )
    mapping = resolved.mapping.with_columns(columns or {})
    try:
        upload.seek(0)
        dialect = services.file_dialect(batch, mapping)
        header = csvchunks.read_header(upload, dialect)
        services._check_header(batch, mapping, header.columns)
        chunk = _first_records(upload, header, upload.size, dialect)
    except csvchunks.FileUnreadable as exc:
        return Preview(error=str(exc))
    with transaction.atomic():
        try:
            preview = _run(batch, mapping, chunk, header)
        finally:
            transaction.set_rollback(True)  # a preview keeps nothing
    return preview


def _first_records(handle, header, size: int, dialect) -> csvchunks.Chunk:
    """The first LINES records after the header, reading as little of the file as may be."""
    block = FIRST_BLOCK
    while True:
        chunk = csvchunks.read_chunk(
            handle, header.end_offset, header.lines + 1, header.columns, block, dialect
        )
        lines = sorted([*chunk.frame["__line__"].tolist(), *(m[0] for m in chunk.malformed)])
        at_end = chunk.end_offset >= size
        if len(lines) > LINES or at_end or block >= MAX_BLOCK:
            break
        block *= 2
    if len(lines) > LINES:
        last = lines[LINES - 1]
        chunk.frame = chunk.frame[chunk.frame["__line__"] <= last].reset_index(drop=True)
        chunk.malformed = [m for m in chunk.malformed if m[0] <= last]
        chunk.last_line = last
    return chunk


def _run(batch, mapping, chunk, header) -> Preview:
    """Inside the rolled-back transaction: a real batch row, the real chunk commit."""
    spec = spec_for(batch.kind)
    ctx = services._context(batch, mapping)
    frame = mapping.apply(chunk, header.columns)
    if mapping.key == mappings.ROW_KEY:  # as the commit builds them, from a fresh count
        frame = rowkeys.with_row_keys(frame, chunk, Counter(), spec)
    sensors = readings.SensorIndex.load(ctx) if batch.kind == Kind.READINGS else None
    if batch.kind == Kind.READINGS:
        shown = _typed_readings(frame, ctx, sensors)
    else:
        shown = _typed_records(records.prepare(frame, spec, ctx), spec)
    batch.file.name = "preview.csv"  # a name only: no file is stored
    batch.save()
    services._commit_chunk(
        batch, spec, mapping, ctx, sensors, chunk, header.columns, header.end_offset
    )
    refused = list(
        RejectedRow.objects.filter(batch=batch).values("line", "field", "key", "reason", "raw")
    )
    bad_lines = {row["line"] for row in refused}
    lines = frame["__line__"].to_numpy()
    rows = [
        {"line": int(lines[i]), **{name: values[i] for name, values in shown.items()}}
        for i in range(len(frame))
        if int(lines[i]) not in bad_lines
    ]
    return Preview(
        columns=list(shown),
        rows=rows,
        rejected=refused,
        would_create_assets=list(ctx.created_assets),
    )


def _typed_records(prepared: records.Prepared, spec) -> dict[str, list]:
    """The fields the file gives (and the key built for it), converted as they would be
    stored, blanks as None; in the kind's column order. Internal ids and the defaults of
    fields the file lacks are left out: the user checks their own columns."""
    given = prepared.present | ({spec.built_key} if spec.built_key else set())
    names = [f.name for f in spec.fields if f.name in given and f.name in prepared.values]
    return {name: [_plain(value) for value in prepared.values[name].to_numpy()] for name in names}


def _typed_readings(frame: pd.DataFrame, ctx, sensors) -> dict[str, list]:
    scratch = Errors()  # the reasons come from the real commit
    frame = frame.reset_index(drop=True)
    sensor_ids = readings._sensor_ids(frame, ctx, sensors, scratch)
    measured = convert(
        frame["measured_at"],
        readings.MEASURED_AT,
        scratch,
        tz=readings._timezones(frame, ctx, sensors, sensor_ids),
        fmt=ctx.mapping.timestamp_format,
        date_order=ctx.mapping.date_order,
    )
    values = convert(frame["value"], readings.VALUE, scratch, decimal=ctx.mapping.decimal)
    values = values.to_numpy(dtype=float)
    if ctx.mapping.units:
        position = np.clip(np.searchsorted(sensors.ids, sensor_ids), 0, len(sensors.ids) - 1)
        metric = sensors.metric_of[position] if len(sensors.ids) else np.zeros(len(frame))
        values = ctx.mapping.convert_units(
            values,
            "value",
            selector=lambda m: (
                metric == readings.METRICS.index(m) if m in readings.METRICS else None
            ),
        )
    return {
        "sensor_id": [_plain(v) for v in sensor_ids],
        "measured_at": [_plain(v) for v in measured.to_numpy()],
        "value": [_plain(v) for v in values],
    }


def _plain(value):
    """A cell as JSON and a template show it: ISO timestamps, None for blanks."""
    value = records._db_value(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value

"""Ingest batches: create one from a file, run it chunk by chunk, report what it refused.

Running a batch is safe to repeat. Each chunk commits its rows, its refused rows, its
counts and the byte offset after it in one transaction, so a worker killed mid-batch
leaves the batch exactly at the end of its last committed chunk, and the re-delivered
task carries on from there. A session advisory lock keeps a second worker off a batch
that is still being run; a finished batch is left as it is.
"""

import dataclasses
import logging
import time
from collections import Counter
from pathlib import Path

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from portfolio.access import Action, writable_site_ids
from portfolio.models import Membership, Site

from . import csvchunks, mappings, readings, records, rowkeys
from .faults import is_transient
from .kinds import spec_for
from .models import IngestBatch, Kind, RejectedRow, Source, Status
from .models import Mapping as StoredMapping
from .selectors import stalled_batches
from .signals import batch_loaded

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 4711  # pg_try_advisory_lock(namespace, batch id)


class BatchRefused(ValidationError):
    """The batch cannot be created as asked (unknown kind or mapping, a site not yours)."""


def batch_create(
    *,
    kind: str,
    upload,
    file_name: str,
    user=None,
    source: str = Source.CLI,
    mapping: str = mappings.CANONICAL,
    site: Site | None = None,
    create_missing_assets: bool = False,
    columns: dict[str, str] | None = None,
    enqueue: bool = True,
) -> IngestBatch:
    """Store the file and queue the batch (the task runs after this transaction commits).

    ``user`` None is the operator at the command line, who may load everything.
    """
    resolved = batch_check_options(
        kind=kind,
        user=user,
        mapping=mapping,
        site=site,
        create_missing_assets=create_missing_assets,
        columns=columns,
        allow_path=source == Source.CLI,
    )
    batch = IngestBatch(
        kind=kind,
        source=source,
        mapping=resolved.mapping.name[:60],
        mapping_definition=resolved.definition,
        column_overrides=columns or {},
        site=site,
        create_missing_assets=create_missing_assets,
        file_name=Path(file_name).name[:255],
        file_size=upload.size,
        created_by=user,
    )
    with transaction.atomic():
        batch.file.save(batch.file_name or "upload.csv", File(upload), save=False)
        batch.save()
        if enqueue:
            transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def batch_check_options(
    *,
    kind: str,
    user,
    mapping: str,
    site: Site | None,
    create_missing_assets: bool,
    columns: dict[str, str] | None,
    allow_path: bool = False,
) -> mappings.Resolved:
    """Refuse a batch (or its preview) that may not be made as asked; else its mapping.

    A stored or file mapping comes back with its JSON, which the batch freezes.
    """
    if kind not in Kind.values:
        raise BatchRefused({"kind": f"Unknown kind {kind!r}; one of: {', '.join(Kind.values)}"})
    try:  # refuses an unknown mapping, one for another kind, a stored one not yours
        resolved = mappings.resolve(mapping, kind, user=user, allow_path=allow_path)
    except mappings.MappingError as exc:
        raise BatchRefused({"mapping": str(exc)}) from exc
    _check_columns_option(columns, kind)
    spec = spec_for(kind)
    writable = writable_site_ids(user, Action.INGEST) if user is not None else None
    if spec.operator_only and writable is not None:
        raise PermissionDenied(f"Only the operator may load {Kind(kind).label.lower()}.")
    if writable is not None and not writable:
        raise PermissionDenied("You may not load data into any site.")
    if site is not None and writable is not None and site.pk not in writable:
        raise PermissionDenied(f"You may not load data into site {site.code}.")
    if create_missing_assets and site is None:
        raise BatchRefused({"site": "Creating missing assets needs the site to create them at."})
    return resolved


def _check_columns_option(columns, kind) -> None:
    if not columns:
        return
    known = {f.name for f in spec_for(kind).fields}
    unknown = sorted(set(columns) - known)
    if unknown:
        raise BatchRefused(
            {"columns": f"Not our {kind} fields: {', '.join(unknown)}; ours: {sorted(known)}"}
        )


# What publishing raises when the broker cannot be reached (kombu wraps most in its
# OperationalError; a refused or reset socket may surface as itself). Nothing else is
# caught: with tasks run eagerly (no broker), a task's own error is not "unreachable".
BROKER_UNREACHABLE = (KombuOperationalError, RedisConnectionError, OSError)


def _enqueue(batch_id: int) -> bool:
    """Queue the batch's run; False if the broker is unreachable. The batch is saved and
    stays queued: ``batches_resume_stalled`` (every minute) queues it once the broker is
    back, so the upload is still accepted (202), never a 500 for a file already stored."""
    # tasks imports this module: take the task at call time.
    from .tasks import run_batch_task

    try:
        run_batch_task.delay(batch_id)
    except BROKER_UNREACHABLE as exc:
        log.warning(
            "batch %s not queued (the broker is unreachable), kept for later: %r", batch_id, exc
        )
        return False
    return True


def batch_ingest_file(*, path, kind: str, user=None, **options) -> IngestBatch:
    """Load a file from disk now, in this process, and return the finished batch."""
    path = Path(path)
    with path.open("rb") as handle:
        batch = batch_create(
            kind=kind,
            upload=File(handle, name=path.name),
            file_name=path.name,
            user=user,
            enqueue=False,
            **options,
        )
    return batch_run(batch_id=batch.pk)


# --- Running -------------------------------------------------------------------------


class TransientFault(Exception):
    """The database went away mid-batch (connection lost, serialization failure, deadlock):
    the batch is left running at its last committed chunk, to be retried, never failed."""


def batch_run(*, batch_id: int) -> IngestBatch:
    """Run (or resume) a batch to its end. Safe to call twice, or while another runs it.

    A transient database fault rolls back the chunk in hand; the connection is dropped and
    the batch resumed from its last committed chunk after a backoff
    (``INGEST_TRANSIENT_RETRIES`` times, ``INGEST_TRANSIENT_BACKOFF_SECONDS`` doubling). If it
    persists, ``TransientFault`` is raised with the batch still running (the task retries it
    later, and ``batches_resume_stalled`` finds it if the task is lost). Only a fault in the
    data or the file fails a batch.
    """
    touched: set[int] = set()  # sites loaded by earlier attempts of this call
    attempts = settings.INGEST_TRANSIENT_RETRIES
    for attempt in range(attempts + 1):
        try:
            return _batch_run_once(batch_id, touched)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning(
                "batch %s: transient database fault, attempt %s: %s", batch_id, attempt, exc
            )
            connection.close()  # the next query opens a fresh connection
            if attempt == attempts:
                raise TransientFault(f"batch {batch_id}: {type(exc).__name__}: {exc}") from exc
            time.sleep(settings.INGEST_TRANSIENT_BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")


def _batch_run_once(batch_id: int, touched: set[int]) -> IngestBatch:
    with _exclusive(batch_id) as mine:
        if not mine:
            log.info("batch %s is being run by another worker", batch_id)
            return IngestBatch.objects.get(pk=batch_id)
        claimed = IngestBatch.objects.filter(
            pk=batch_id, status__in=[Status.QUEUED, Status.RUNNING]
        ).update(
            status=Status.RUNNING, started_at=Coalesce(F("started_at"), Now()), heartbeat_at=Now()
        )
        batch = IngestBatch.objects.get(pk=batch_id)
        if not claimed:
            return batch  # already done or failed: a re-delivered task changes nothing
        try:
            _run(batch, touched)
        except csvchunks.FileUnreadable as exc:
            _finish(batch, Status.FAILED, str(exc))
        except SoftTimeLimitExceeded:
            _finish(
                batch,
                Status.FAILED,
                "The batch ran past the time limit; split the file "
                "and send the parts (loaded rows are kept; re-sending them is harmless).",
            )
        except Exception as exc:
            if is_transient(exc):
                raise  # not the data's fault: the batch stays running, batch_run retries
            _finish(batch, Status.FAILED, f"Internal error: {type(exc).__name__}: {exc}")
            raise
        batch.refresh_from_db()
        return batch


class _exclusive:
    """A session advisory lock on the batch, freed when this process's connection ends
    (a killed worker's connection closes, so its batch can be taken over)."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.held = False

    def __enter__(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, self.batch_id])
            self.held = cursor.fetchone()[0]
        return self.held

    def __exit__(self, *exc_info):
        if self.held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, self.batch_id]
                    )
            except DatabaseError:
                # The connection is gone, and the session lock with it.
                if exc_info[1] is None:
                    raise


def batches_resume_stalled() -> list[int]:
    """Queue again every stalled batch (its worker died, or its message was lost).

    A whole worker killed mid-batch is otherwise only redelivered by Redis after the
    visibility timeout (an hour). Queuing one twice is harmless: batch_run resumes from
    the last committed chunk and the advisory lock turns the second delivery away.
    """
    ids = list(stalled_batches().values_list("pk", flat=True))
    queued = []
    for batch_id in ids:
        if not _enqueue(batch_id):
            break  # the broker is still down: the next run tries again
        queued.append(batch_id)
    return queued


def _run(batch: IngestBatch, touched: set[int] | None = None) -> None:
    spec = spec_for(batch.kind)
    mapping = mappings.for_batch(batch).with_columns(batch.column_overrides)
    ctx = _context(batch, mapping)
    if touched is not None:
        ctx.touched_sites = touched  # kept across a retry after a transient fault
    block = (
        settings.INGEST_CHUNK_BYTES
        if batch.kind == Kind.READINGS
        else (settings.INGEST_RECORD_CHUNK_BYTES)
    )
    with batch.file.open("rb") as handle:
        dialect = file_dialect(batch, mapping)
        header = csvchunks.read_header(handle, dialect)
        _check_header(batch, mapping, header.columns)
        if batch.rows_total is None:
            total = max(0, csvchunks.count_lines(handle) - header.lines)
            IngestBatch.objects.filter(pk=batch.pk).update(
                rows_total=total, header_lines=header.lines
            )
            batch.rows_total, batch.header_lines = total, header.lines
        offset = batch.resume_offset or header.end_offset
        line = (batch.resume_line or header.lines) + 1
        sensors = readings.SensorIndex.load(ctx) if batch.kind == Kind.READINGS else None
        while True:
            chunk = csvchunks.read_chunk(handle, offset, line, header.columns, block, dialect)
            if chunk.end_offset == offset:
                break
            _commit_chunk(batch, spec, mapping, ctx, sensors, chunk, header.columns, offset)
            offset, line = chunk.end_offset, chunk.last_line + 1
    _finish(batch, Status.DONE, "", ctx)


def _context(batch: IngestBatch, mapping) -> records.Context:
    user = batch.created_by
    writable = writable_site_ids(user, Action.INGEST) if user is not None else None
    holder_sites = None
    if batch.kind == Kind.CERTIFICATIONS and writable is not None:
        holder_sites = {}
        for user_id, site_id in Membership.objects.exclude(site=None).values_list(
            "user_id", "site_id"
        ):
            holder_sites.setdefault(user_id, set()).add(site_id)
    return records.Context(
        mapping=mapping,
        writable_sites=writable,
        default_site=batch.site,
        create_missing_assets=batch.create_missing_assets,
        holder_sites=holder_sites,
        created_assets=list(batch.created_assets),
    )


def file_dialect(batch, mapping) -> csvchunks.Dialect:
    """How the batch reads its file: the mapping's dialect and, without a header, the
    fields a line must hold (the highest position a required or key field takes)."""
    dialect = mapping.dialect
    if mapping.header:
        return dialect
    columns = [str(position) for position in range(1, dialect.width + 1)]
    needed = _required(batch, mapping, columns)
    if isinstance(mapping.key, list):
        needed += mapping.key
    positions = [mapping.their_name(name) for name in needed]
    least = max((int(p) for p in positions if p.isdigit()), default=0)
    return dataclasses.replace(dialect, least=least)


def _check_header(batch, mapping, columns) -> None:
    spec = spec_for(batch.kind)
    mappings.check_header(mapping, columns, _required(batch, mapping, columns))
    rowkeys.check_key(mapping, spec, mapping.fields_in(columns))


def _required(batch, mapping, columns) -> list[str]:
    """Our fields the file must give, once mapped (``columns``: its header)."""
    spec = spec_for(batch.kind)
    required = list(spec.required)
    if batch.site is None and "site" in required:
        pass  # each row must then name its site; checked below by the required list
    elif "site" in required:
        required.remove("site")
    if batch.kind == Kind.READINGS:
        present = mapping.fields_in(columns)
        if "sensor_id" not in present:
            required += ["asset", "metric"]
            if batch.site is None and "site" not in mapping.constants:
                required.append("site")
    if mapping.key is not None and spec.built_key in required:
        required.remove(spec.built_key)  # the mapping's key builds it
    return required


def _commit_chunk(batch, spec, mapping, ctx, sensors, chunk, header_columns, offset) -> None:
    """Store one chunk with its refused rows and the batch's counts, all or nothing."""
    frame = mapping.apply(chunk, header_columns)
    with transaction.atomic():
        locked = IngestBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.resume_offset not in (0, offset) or locked.status != Status.RUNNING:
            raise RuntimeError(f"batch {batch.pk} moved on under this worker")
        rejected = [(line, "", reason, raw, "") for line, reason, raw in chunk.malformed]
        inserted = updated = duplicate = 0
        if mapping.key == mappings.ROW_KEY:
            if ctx.row_counts is None:  # a resumed batch counts the lines already loaded
                fresh = locked.resume_offset == 0
                ctx.row_counts = Counter() if fresh else _lines_before(batch, mapping, offset)
            frame = rowkeys.with_row_keys(frame, chunk, ctx.row_counts, spec)
        if batch.kind == Kind.READINGS:
            outcome = readings.process(frame, ctx, sensors)
            inserted, duplicate = outcome.inserted, outcome.duplicate
            rejected += [(line, name, reason, None, "") for line, name, reason in outcome.rejected]
            refused = outcome.refused
            ctx.touched_sites |= outcome.accepted_sites
        else:
            inserted, updated, duplicate, refused, more = _store_records(spec, frame, ctx)
            rejected += more
        refused += len(chunk.malformed)
        rows_read = len(frame) + len(chunk.malformed)
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(
                    batch_id=batch.pk,
                    line=line,
                    field=name[:60],
                    reason=reason[:300],
                    raw=(raw if raw is not None else chunk.raw(line))[:2000],
                    key=key,
                )
                for line, name, reason, raw, key in rejected
            ],
            batch_size=2000,
        )
        IngestBatch.objects.filter(pk=batch.pk).update(
            rows_read=F("rows_read") + rows_read,
            rows_inserted=F("rows_inserted") + inserted,
            rows_updated=F("rows_updated") + updated,
            rows_duplicate=F("rows_duplicate") + duplicate,
            rows_rejected=F("rows_rejected") + refused,
            resume_offset=chunk.end_offset,
            resume_line=chunk.last_line,
            created_assets=ctx.created_assets,
            heartbeat_at=Now(),
        )
        if rows_read != inserted + updated + duplicate + refused:
            raise RuntimeError(
                f"batch {batch.pk}: counts do not add up at line {chunk.first_line} "
                f"({rows_read} read, {inserted}+{updated}+{duplicate} stored, {refused} refused)"
            )


def _lines_before(batch, mapping, offset) -> Counter:
    """The lines a resumed batch already loaded, counted by fingerprint for "row" keys:
    the committed prefix read once more, chunk by chunk, exactly as _run read it."""
    dialect = file_dialect(batch, mapping)
    texts = []
    # A handle of its own: batch.file's is _run's, and closing it would end the run.
    with batch.file.storage.open(batch.file.name, "rb") as handle:
        header = csvchunks.read_header(handle, dialect)
        at, line = header.end_offset, header.lines + 1
        while at < offset:
            # Never past ``offset``: it ends a record, so the last read ends exactly there.
            block = min(settings.INGEST_RECORD_CHUNK_BYTES, offset - at)
            chunk = csvchunks.read_chunk(handle, at, line, header.columns, block, dialect)
            if chunk.end_offset == at:
                break
            texts += [chunk.raw(int(first)) for first in chunk.frame["__line__"]]
            at, line = chunk.end_offset, chunk.last_line + 1
    return rowkeys.count_lines(texts)


def _store_records(spec, frame, ctx):
    prepared = records.prepare(frame, spec, ctx)
    bad = prepared.errors.rows()
    rejected = [
        (int(prepared.lines[row]), name, reason, None, records.row_key(spec, prepared, row))
        for row, reasons in prepared.errors.by_row.items()
        for name, reason in reasons
    ]
    good, repeats = _first_of_each_key(spec, prepared, bad, rejected)
    stored = records.upsert(spec, prepared, good)
    if spec.kind in records.AFTER_STORE:
        records.AFTER_STORE[spec.kind](prepared, good)
    for row, reason in stored.refused:
        key = records.row_key(spec, prepared, row)
        rejected.append((int(prepared.lines[row]), "", reason, None, key))
    if "site_id" in prepared.values and len(good):
        refused_rows = {row for row, _ in stored.refused}
        ctx.touched_sites |= {
            int(prepared.values["site_id"][row]) for row in good if row not in refused_rows
        }
    refused = len(bad) + repeats + len(stored.refused)
    return stored.inserted, stored.updated, stored.duplicate, refused, rejected


def _first_of_each_key(spec, prepared, bad, rejected):
    """Rows to store: good ones, the first of each natural key in the chunk; a later row
    with the same key is refused. Returns (rows, how many were refused)."""
    good = np.setdiff1d(np.arange(len(prepared.lines)), bad)
    seen: dict[tuple, int] = {}
    keep = []
    for row in good:
        key = tuple(
            records._db_value(prepared.values[c][row]) for c in spec.key if c in prepared.values
        )
        if key in seen:
            rejected.append(
                (
                    int(prepared.lines[row]),
                    "",
                    f"repeats the {'/'.join(spec.key)} of line {prepared.lines[seen[key]]}",
                    None,
                    records.row_key(spec, prepared, row),
                )
            )
            continue
        seen[key] = row
        keep.append(row)
    return np.array(keep, dtype=np.int64), len(good) - len(keep)


def _finish(batch: IngestBatch, status: str, error: str, ctx=None) -> None:
    if batch.kind == Kind.READINGS and status == Status.DONE:
        readings.summarize_time_index()
    with transaction.atomic():
        changes = {"status": status, "error": error, "finished_at": timezone.now()}
        if ctx is not None:
            changes["site_ids"] = sorted(ctx.touched_sites)
            changes["created_assets"] = ctx.created_assets
        IngestBatch.objects.filter(pk=batch.pk).update(**changes)
        if status == Status.DONE and ctx is not None and ctx.touched_sites:
            sites = sorted(ctx.touched_sites)
            # robust: the batch's status reflects its rows; a listener's fault is logged.
            transaction.on_commit(
                lambda: batch_loaded.send(sender=IngestBatch, batch_id=batch.pk, site_ids=sites),
                robust=True,
            )


# --- Stored mappings --------------------------------------------------------------------


def mapping_may_keep(user, portfolio_id: int | None) -> bool:
    """Site managers and integrators keep the mappings of a portfolio where they may load
    data; only the operator keeps shared ones (no portfolio)."""
    writable = writable_site_ids(user, Action.INGEST)
    if writable is None:
        return True
    if portfolio_id is None or not writable:
        return False
    return Site.objects.filter(pk__in=writable, portfolio_id=portfolio_id).exists()


def mapping_save(*, mapping: StoredMapping, user, previous_portfolio_id=None) -> StoredMapping:
    """Store a new or edited mapping, checked; batches made with it keep their own copy."""
    scopes = {mapping.portfolio_id}
    if mapping.pk is not None:
        scopes.add(previous_portfolio_id)  # moving one out of a portfolio is writing there
    if not all(mapping_may_keep(user, portfolio_id) for portfolio_id in scopes):
        raise PermissionDenied("You may not keep mappings for this portfolio.")
    try:
        mappings.check_stored(name=mapping.name, kind=mapping.kind, definition=mapping.definition)
    except mappings.MappingError as exc:
        key = str(exc).partition(":")[0]
        raise ValidationError({key if key in ("name", "kind") else "definition": str(exc)}) from exc
    if mapping.pk is None and mapping.owner_id is None:
        mapping.owner = user
    mapping.save()
    return mapping


def mapping_delete(*, mapping: StoredMapping, user) -> None:
    if not mapping_may_keep(user, mapping.portfolio_id):
        raise PermissionDenied("You may not delete mappings of this portfolio.")
    mapping.delete()

"""Reads of ingest batches: the ones no worker moves, and a batch's refused rows."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from core.exports import csv_writer

from .models import IngestBatch, RejectedRow, Status

STALE_AFTER = dt.timedelta(minutes=5)


def stalled_batches(stale_after=STALE_AFTER):
    """Batches no worker is moving: queued or running with no heartbeat for a while
    (a running batch beats with every chunk, every second or so)."""
    cutoff = timezone.now() - stale_after
    return IngestBatch.objects.filter(
        Q(status=Status.QUEUED, created_at__lt=cutoff, heartbeat_at__isnull=True)
        | Q(status__in=[Status.QUEUED, Status.RUNNING], heartbeat_at__lt=cutoff)
    )


def rejected_rows_csv(batch: IngestBatch):
    """The refused rows as CSV lines (line, field, reason, raw, key), streamed; ``key`` is
    the row's natural key (a work order's number, or the key its mapping built), so the
    row can be found again. Last, so readers by position keep working. Cells go through
    the export helper (``core.exports``): a raw line starting ``=`` does not run."""
    writer = csv_writer()
    yield writer.writerow(["line", "field", "reason", "raw", "key"])
    rows = RejectedRow.objects.filter(batch=batch).order_by("line", "id")
    columns = ("line", "field", "reason", "raw", "key")
    for row in rows.values_list(*columns).iterator(chunk_size=2000):
        yield writer.writerow(row)

"""Ingest tasks: thin, taking a batch id; the work is ingest.services.run_batch."""

from celery import shared_task

from . import services


@shared_task(name="ingest.run_batch")
def run_batch_task(batch_id: int) -> None:
    """Run or resume the batch. Safe to deliver twice: a running batch is locked and a
    finished one is left alone (services.run_batch)."""
    services.run_batch(batch_id)

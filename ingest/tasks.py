"""Ingest tasks: thin, taking a batch id; the work is in ingest.services."""

from celery import shared_task
from django.conf import settings

from . import services
from .models import Status

# While another worker holds a batch, look again (INGEST_BUSY_RETRY_SECONDS) this often.
BUSY_RETRIES = 60


@shared_task(name="ingest.run_batch", bind=True, max_retries=BUSY_RETRIES)
def run_batch_task(self, batch_id: int) -> None:
    """Run or resume the batch. Safe to deliver twice: a finished batch is left alone, and
    a batch another worker holds is looked at again later, so that if its holder dies
    without the message coming back, this delivery still finishes it."""
    batch = services.batch_run(batch_id=batch_id)
    if batch.status in (Status.QUEUED, Status.RUNNING):
        raise self.retry(countdown=settings.INGEST_BUSY_RETRY_SECONDS)


@shared_task(name="ingest.resume_stalled")
def resume_stalled_task() -> None:
    """Every minute (beat): queue again batches whose worker died."""
    services.batches_resume_stalled()

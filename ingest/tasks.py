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
    try:
        batch = services.batch_run(batch_id=batch_id)
    except services.TransientFault as exc:
        # The database kept failing (not the data): the batch is still running at its last
        # committed chunk; look again later, backing off.
        countdown = settings.INGEST_BUSY_RETRY_SECONDS * 2 ** min(self.request.retries, 4)
        raise self.retry(countdown=countdown, exc=exc) from exc
    if batch.status in (Status.QUEUED, Status.RUNNING):
        raise self.retry(countdown=settings.INGEST_BUSY_RETRY_SECONDS)


@shared_task(name="ingest.resume_stalled")
def resume_stalled_task() -> None:
    """Every minute (beat): queue again batches whose worker died."""
    services.batches_resume_stalled()

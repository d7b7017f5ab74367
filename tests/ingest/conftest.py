import pytest

from ingest.services import batch_ingest_file


@pytest.fixture
def load(tmp_path):
    """Write ``text`` to a CSV file and run it through a whole batch, synchronously."""
    counter = iter(range(10_000))

    def _load(kind, text, user=None, **options):
        path = tmp_path / f"{kind}-{next(counter)}.csv"
        path.write_text(text, encoding="utf-8")
        return batch_ingest_file(path=path, kind=kind, user=user, **options)

    return _load


@pytest.fixture
def eager_tasks():
    """Celery tasks run in-process, as without a broker, whatever this run's REDIS_URL."""
    from config.celery import app

    changes = app.conf.changes
    saved = changes.get("task_always_eager", None)
    app.conf["task_always_eager"] = True
    try:
        yield
    finally:
        if saved is None:
            del app.conf["task_always_eager"]
        else:
            app.conf["task_always_eager"] = saved

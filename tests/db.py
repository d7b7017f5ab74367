"""Helpers for tests that check what the database itself accepts and refuses."""

import pytest
from django.db import IntegrityError, connection, transaction


def check_deferred_constraints():
    """Check the deferred (composite) foreign keys now rather than at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def assert_refused(constraint, create):
    """Assert the database refuses what ``create`` writes, naming ``constraint``."""
    with pytest.raises(IntegrityError, match=f'"{constraint}"'), transaction.atomic():
        create()
        check_deferred_constraints()


def assert_accepted(create):
    """Write with ``create`` and check every constraint, deferred ones included."""
    with transaction.atomic():
        obj = create()
        check_deferred_constraints()
    return obj


def query(sql, params=()):
    """Rows of a raw SQL query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def run_at_once(work, times: int) -> list:
    """Run ``work()`` in ``times`` threads released together, each on its own database
    connection (closed after), and return what each returned."""
    import threading

    from django.db import connections

    start, results = threading.Barrier(times), []

    def run():
        try:
            start.wait()
            results.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results

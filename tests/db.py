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

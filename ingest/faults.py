"""Which database errors are faults of the connection or of concurrency, not of the data.

A batch retries these (ingest.services.batch_run) instead of failing, and the row-by-row
fallback of the record upsert (ingest.records) passes them up instead of rejecting a row
as "refused by the database".
"""

from django.db import InterfaceError, OperationalError
from psycopg2 import errors as pg_errors

#: Server errors worth retrying: a serialization failure, a deadlock, the server shutting
#: down or not yet accepting connections. (A statement timeout, also an OperationalError,
#: is not: it would time out again.)
_TRANSIENT_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.AdminShutdown,
    pg_errors.CrashShutdown,
    pg_errors.CannotConnectNow,
)


def is_transient(exc: BaseException) -> bool:
    """A fault of the connection or of concurrency, not of the data: worth retrying.

    A closed connection used again is an ``InterfaceError``; a connection lost mid-query is
    an ``OperationalError`` with no server error code (or a class 08 code); a serialization
    failure or a deadlock is one of ``_TRANSIENT_ERRORS`` (Django wraps psycopg2's errors in
    its own, the original as ``__cause__``).
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, _TRANSIENT_ERRORS):
        return True
    code = getattr(cause, "pgcode", None)
    return code is None or code.startswith("08")

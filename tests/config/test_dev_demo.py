"""``dev.py demo``: DEBUG off (the product's own 404 and 403 pages), the embedded database
started once for every step, the feeder beside the server when it exists, and the banner
with the URL and the logins the last thing printed."""

import contextlib
import sys
from pathlib import Path

import pytest

import dev
from tests.config.processes import ROOT, clean_env


def test_the_demo_runs_with_debug_off_and_a_kept_secret_key(tmp_path):
    env = dev.demo_env({"DATA_DIR": str(tmp_path)})
    assert env["DEBUG"] == "0"
    assert "127.0.0.1" in env["ALLOWED_HOSTS"].split(",")
    assert len(env["SECRET_KEY"]) > 40
    # The same key next time: sessions survive a restart.
    assert dev.demo_env({"DATA_DIR": str(tmp_path)})["SECRET_KEY"] == env["SECRET_KEY"]


def test_debug_and_a_key_from_the_environment_win(tmp_path):
    env = dev.demo_env({"DATA_DIR": str(tmp_path), "DEBUG": "1", "SECRET_KEY": "mine"})
    assert (env["DEBUG"], env["SECRET_KEY"]) == ("1", "mine")
    assert not (tmp_path / "demo-secret-key").exists()


class FakeProcess:
    def __init__(self, args, log):
        self.args, self.log, self.returncode = args, log, None
        self.until_ctrl_c = False

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None and self.until_ctrl_c:
            raise KeyboardInterrupt  # the server runs until Ctrl-C
        return self.returncode or 0

    def terminate(self):
        self.log.append(("stop", self.args[0]))
        self.returncode = -15


@pytest.fixture
def steps(monkeypatch, tmp_path):
    """Runs run_demo with every process faked; records what it did, in order."""
    log = []

    @contextlib.contextmanager
    def held(env):
        log.append(("hold",))
        yield
        log.append(("let go",))

    def start(*args, env, **streams):
        log.append(("start", *args))
        process = FakeProcess(args, log)
        process.until_ctrl_c = args[0] == "runserver"
        return process

    monkeypatch.setattr(dev, "_held_database", held)
    monkeypatch.setattr(dev, "manage", lambda *args, **kw: log.append(("manage", *args)))
    monkeypatch.setattr(dev, "_start", start)
    monkeypatch.setattr(dev, "_wait_for", lambda *a, **kw: (200, {"status": "ok"}))
    monkeypatch.setattr(dev.signal, "signal", lambda *a: None)
    env = {"DATA_DIR": str(tmp_path)}
    return log, env


def test_one_hold_of_the_database_covers_every_step_and_the_feeder_runs_beside(
    steps, monkeypatch, capsys
):
    log, env = steps
    monkeypatch.setattr(dev, "has_command", lambda name, env: name == "demo_feed")
    assert dev.run_demo("8031", env) == 0
    assert log == [
        ("hold",),
        ("manage", "migrate", "--noinput"),
        ("manage", "seed_demo", "--scale", "small", "--if-stale"),
        ("manage", "recompute", "--backfill-quarters", "8"),
        ("start", "runserver", "--noreload", "--insecure", "127.0.0.1:8031"),
        ("start", "demo_feed"),
        ("stop", "demo_feed"),
        ("stop", "runserver"),
        ("let go",),
    ]
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "Reliability Portfolio: http://127.0.0.1:8031/  (admin at /admin/)"
    assert out[1].startswith("Demo logins, password 'demo': vp")
    assert out[2].startswith("Live readings: every minute")
    assert out[-1] == "Stop with Ctrl-C."


def test_without_the_feeder_command_the_demo_serves_and_says_so(steps, monkeypatch, capsys):
    log, env = steps
    monkeypatch.setattr(dev, "has_command", lambda name, env: False)
    assert dev.run_demo("8031", env) == 0
    assert [entry[1] for entry in log if entry[0] == "start"] == ["runserver"]
    assert "Live readings: off" in capsys.readouterr().out


def test_a_command_is_found_by_its_help(tmp_path):
    env = clean_env(tmp_path, DEBUG="1")
    assert dev.has_command("seed_demo", env)
    assert not dev.has_command("no_such_command", env)


def test_the_holder_keeps_one_embedded_server_across_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(dev, "PYTHON", Path(sys.executable))
    env = clean_env(tmp_path, DEBUG="1")
    pgdata = tmp_path / "postgres"
    touch_database = "from django.db import connection; connection.ensure_connection()"
    with dev._held_database(env):
        for _ in range(2):
            dev.manage("shell", "-c", touch_database, env=env)
            # Longer than the watchdog's poll: without the holder it stops the server here.
            assert dev._wait_gone(pgdata / "postmaster.pid", seconds=3) is False
    starts = (pgdata / "log").read_text().count("ready to accept connections")
    assert starts == 1
    assert dev._wait_gone(pgdata / "postmaster.pid", seconds=30), "stopped once let go"
    assert ROOT == dev.ROOT

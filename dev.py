#!/usr/bin/env python3
"""Set-up and everyday commands; needs only Python 3.11 and git.

    python3 dev.py demo     # venv, install, migrate, demo data if empty, scores, serve on
                            # :8000 with the live feeder; the URL and logins printed last
    python3 dev.py test     # venv, install, the whole test suite (extra args go to pytest)
    python3 dev.py lint     # ruff check and format check
    python3 dev.py smoke    # boot the embedded default once: start, /healthz 200, stop

Every command is idempotent: the venv is reused and reinstalled only when
pyproject.toml changes.
"""

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def main(argv: list[str]) -> int:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required; this is {sys.version.split()[0]}.")
    commands = {"demo": demo, "test": test, "lint": lint, "smoke": smoke, "setup": setup}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:]) or 0


def setup(_args=()) -> None:
    """Create .venv and install the project with its dev extras when pyproject changed."""
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if not stamp.exists():
        print("installing dependencies …", flush=True)
        pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()


def manage(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=check)


DEMO_LOGINS = (
    "Demo logins, password 'demo': vp (executive; admin), director, manager (site A), tech (site A)"
)
DEMO_FEED = "demo_feed"  # appends a minute of readings per sensor each minute
# Keeps the database open while it runs (see config.embedded_db.hold_open).
HOLD_DATABASE = "from config.embedded_db import hold_open; hold_open()"


def demo(args: list[str]) -> int:
    """The app on the embedded default (unless DATABASE_URL is set) with the demo portfolio."""
    setup()
    port = args[0] if args else "8000"
    return run_demo(port, demo_env(os.environ))


def demo_env(environ) -> dict:
    """The demo's environment: DEBUG off, so a missing or foreign page shows the product's
    own 404 and 403 pages (DEBUG=1 in the environment still wins), with a secret key kept
    in the data folder so sessions survive a restart."""
    env = {**environ, "PYTHONUNBUFFERED": "1", "DJANGO_RUNSERVER_HIDE_WARNING": "true"}
    env.setdefault("DEBUG", "0")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = _demo_secret_key(Path(env.get("DATA_DIR") or ROOT / ".data"))
    return env


def _demo_secret_key(data_dir: Path) -> str:
    path = data_dir / "demo-secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def run_demo(port: str, env: dict) -> int:
    """Migrate, seed if empty, score, then serve (and feed readings) until Ctrl-C.

    One process holds the database from the first step to the last, so the embedded
    server starts once instead of once per manage.py process.
    """
    with _held_database(env):
        manage("migrate", "--noinput", env=env)
        manage("seed_demo", "--scale", "small", "--if-stale", env=env)
        # Scores for today and the 8 quarter ends before, so the dashboards have figures and
        # history (idempotent: one snapshot per site and day; a few seconds).
        manage("recompute", "--backfill-quarters", "8", env=env)
        return _serve(port, env)


@contextlib.contextmanager
def _held_database(env: dict):
    holder = subprocess.Popen(
        [str(PYTHON), "-c", HOLD_DATABASE],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if holder.stdout.readline().strip() != "ready":
            raise SystemExit("The database did not open; its error is printed above.")
        yield
    finally:
        holder.stdin.close()  # the holder's signal to let go (also when dev.py is killed)
        holder.wait(timeout=60)


def _serve(port: str, env: dict) -> int:
    """runserver and, if installed, the demo feeder; the banner once the server answers."""
    # --insecure: runserver serves the static files (plotly.js included) with DEBUG off.
    server = _start("runserver", "--noreload", "--insecure", f"127.0.0.1:{port}", env=env)
    feeder = _start_feeder(env)
    # Stopped by a supervisor (SIGTERM) as by Ctrl-C: the finally below stops the children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        status, _ = _wait_for(f"http://127.0.0.1:{port}/healthz", seconds=60, alive=server)
        if status != 200:
            return server.poll() or 1
        print(demo_banner(port, feeder is not None, _feed_log(env)), flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (feeder, server):
            _stop(process)


def demo_banner(port: str, feeding: bool, feed_log: Path) -> str:
    feed = (
        f"Live readings: every minute for every sensor (log: {feed_log})"
        if feeding
        else "Live readings: off (manage.py demo_feed is not installed)"
    )
    return (
        f"\nReliability Portfolio: http://127.0.0.1:{port}/  (admin at /admin/)\n"
        f"{DEMO_LOGINS}\n{feed}\nStop with Ctrl-C.\n"
    )


def has_command(name: str, env: dict) -> bool:
    """True when ``manage.py NAME`` exists (its help succeeds)."""
    found = subprocess.run(
        [str(PYTHON), "manage.py", "help", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return found.returncode == 0


def _start_feeder(env: dict) -> subprocess.Popen | None:
    """The demo feeder in the background, its output in a log so the banner stays last."""
    if not has_command(DEMO_FEED, env):
        return None
    log = _feed_log(env)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return _start(DEMO_FEED, env=env, stdout=out, stderr=subprocess.STDOUT)


def _feed_log(env: dict) -> Path:
    return Path(env.get("DATA_DIR") or ROOT / ".data") / "demo_feed.log"


def _start(*args: str, env: dict, **streams) -> subprocess.Popen:
    return subprocess.Popen([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, **streams)


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test(args: list[str]) -> int:
    """The whole suite on PostgreSQL: DATABASE_URL's server, or the embedded one."""
    setup()
    manage("makemigrations", "--check", "--dry-run", env={**os.environ, "DEBUG": "1"})
    return subprocess.run([str(PYTHON), "-m", "pytest", *args], cwd=ROOT).returncode


def lint(_args=()) -> int:
    setup()
    ruff = str(VENV / "bin" / "ruff")
    checked = subprocess.run([ruff, "check", "."], cwd=ROOT).returncode
    formatted = subprocess.run([ruff, "format", "--check", "."], cwd=ROOT).returncode
    return checked or formatted


def smoke(_args=()) -> int:
    """Start the app on a fresh embedded PostgreSQL, expect /healthz 200, stop it."""
    setup()
    data_dir = Path(tempfile.mkdtemp(prefix="rp-smoke-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DEBUG="1", DATA_DIR=str(data_dir))
    port = _free_port()
    try:
        manage("migrate", "--noinput", "-v0", env=env)
        server = subprocess.Popen(
            [str(PYTHON), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
        )
        try:
            status, body = _wait_for(f"http://127.0.0.1:{port}/healthz", seconds=60)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"smoke: /healthz {status} {json.dumps(body)}")
        stopped = _wait_gone(data_dir / "postgres" / "postmaster.pid", seconds=30)
        print(f"smoke: embedded PostgreSQL stopped with the last process: {stopped}")
        return 0 if status == 200 and body.get("database") == "ok" and stopped else 1
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(
    url: str, *, seconds: float, alive: subprocess.Popen | None = None
) -> tuple[int, dict]:
    """The first answer from ``url`` within ``seconds``; gives up early if ``alive`` exits
    (a server that could not start, e.g. its port is taken)."""
    deadline = time.monotonic() + seconds
    while True:
        if alive is not None and alive.poll() is not None:
            return 0, {"error": f"the server exited with {alive.returncode}"}
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)
        except OSError:
            if time.monotonic() > deadline:
                return 0, {"error": f"no answer from {url} in {seconds:.0f} s"}
            time.sleep(0.5)


def _wait_gone(path: Path, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    return not path.exists()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

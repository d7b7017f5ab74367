#!/usr/bin/env python3
"""Set-up and everyday commands; needs only Python 3.11 and git.

    python3 dev.py demo     # venv, install, migrate, demo data if empty, serve on :8000
    python3 dev.py test     # venv, install, the whole test suite (extra args go to pytest)
    python3 dev.py lint     # ruff check and format check
    python3 dev.py smoke    # boot the embedded default once: start, /healthz 200, stop

Every command is idempotent: the venv is reused and reinstalled only when
pyproject.toml changes.
"""

import hashlib
import json
import os
import shutil
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


def demo(args: list[str]) -> None:
    """The app on the embedded default (unless DATABASE_URL is set) with the demo portfolio."""
    setup()
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    port = args[0] if args else "8000"
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", "--scale", "small", "--if-empty", env=env)
    # Scores for today and the 8 quarter ends before, so the dashboards have figures and
    # history (idempotent: one snapshot per site and day; a few seconds).
    manage("recompute", "--backfill-quarters", "8", env=env)
    print(
        f"\nReliability Portfolio: http://127.0.0.1:{port}/  (admin at /admin/)\n"
        "Demo logins, password 'demo': vp (executive; admin), director, "
        "manager (site A), tech (site A)\n",
        flush=True,
    )
    manage("runserver", f"127.0.0.1:{port}", env=env, check=False)


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


def _wait_for(url: str, *, seconds: float) -> tuple[int, dict]:
    deadline = time.monotonic() + seconds
    while True:
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

"""Running the project's commands in subprocesses with a controlled environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Every variable the settings read; a subprocess starts from none of them set, so the
# developer's or CI's environment (and pytest's own SECRET_KEY) cannot leak in.
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DATA_DIR",
    "STATIC_ROOT",
    "LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "NUM_PROXIES",
    "DEMO_FEEDER",
)


def clean_env(data_dir: Path, **variables: str) -> dict[str, str]:
    """os.environ without any settings variable, with ``DATA_DIR`` and ``variables`` set."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DATA_DIR"] = str(data_dir)
    env.update(variables)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``manage.py`` with ``args`` and capture its output."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )

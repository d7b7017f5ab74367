"""The settings modules, each imported in a fresh subprocess with a controlled environment.

No database is used: importing settings (and ``manage.py check``) must not need one.
"""

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.processes import ROOT, clean_env, manage

# Imports a settings module and prints the values under test as JSON.
DUMP_SETTINGS = """
import importlib, json, sys
s = importlib.import_module(sys.argv[1])
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DATA_DIR": str(s.DATA_DIR),
    "ENGINE": db["ENGINE"],
    "NAME": db["NAME"],
    "HOST": db.get("HOST"),
    "EMBEDDED_PGDATA": db.get("EMBEDDED_PGDATA"),
    "EMBEDDED_DATABASE": s.EMBEDDED_DATABASE,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "NUM_PROXIES": s.NUM_PROXIES,
    "DRF_NUM_PROXIES": s.REST_FRAMEWORK.get("NUM_PROXIES"),
}))
"""


def settings_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return clean_env(tmp_path / "data", **variables)


def import_settings(
    tmp_path: Path, module: str = "config.settings.base", **variables: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", DUMP_SETTINGS, module],
        cwd=ROOT,
        env=settings_env(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage_in(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    return manage(*args, env=settings_env(tmp_path, **variables))


def production_variables(**overrides: str) -> dict[str, str]:
    variables = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "reliability.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    }
    variables.update(overrides)
    return {k: v for k, v in variables.items() if v is not None}


# --- DEBUG and SECRET_KEY -------------------------------------------------------------
def test_base_without_debug_requires_secret_key(tmp_path):
    """With DEBUG unset and no SECRET_KEY, importing settings fails naming SECRET_KEY."""
    result = import_settings(tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_base_with_debug_imports_without_secret_key(tmp_path):
    """With DEBUG=1 and no SECRET_KEY, settings import with local-only ALLOWED_HOSTS."""
    values = loaded(import_settings(tmp_path, DEBUG="1"))
    assert values["DEBUG"] is True
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


def test_base_with_secret_key_and_no_debug_imports(tmp_path):
    """With a SECRET_KEY and DEBUG off, settings import and allow no host by default."""
    values = loaded(import_settings(tmp_path, SECRET_KEY=secrets.token_urlsafe(45)))
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == []


def test_base_rejects_a_malformed_debug_value(tmp_path):
    """DEBUG=maybe stops the import with a message naming DEBUG."""
    result = import_settings(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


# --- Celery broker --------------------------------------------------------------------
def test_no_redis_url_runs_tasks_eagerly(tmp_path):
    """Without REDIS_URL, tasks run eagerly on the in-memory broker."""
    values = loaded(import_settings(tmp_path, DEBUG="1"))
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_BROKER_URL"] == "memory://"


def test_redis_url_is_the_broker(tmp_path):
    """With REDIS_URL, tasks go to that broker and are not run eagerly."""
    redis_url = "redis://127.0.0.1:6379/3"
    values = loaded(import_settings(tmp_path, DEBUG="1", REDIS_URL=redis_url))
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CELERY_BROKER_URL"] == redis_url


def test_bad_redis_url_is_refused(tmp_path):
    """A REDIS_URL with a non-Redis scheme stops the import, naming REDIS_URL."""
    result = import_settings(tmp_path, DEBUG="1", REDIS_URL="http://127.0.0.1:6379/0")
    assert result.returncode != 0
    assert "REDIS_URL must be a redis://" in result.stderr


# --- Database -------------------------------------------------------------------------
def test_no_database_url_uses_the_embedded_backend_under_data_dir(tmp_path):
    """Without DATABASE_URL, the embedded backend keeps its data in DATA_DIR/postgres."""
    values = loaded(import_settings(tmp_path, DEBUG="1"))
    assert values["ENGINE"] == "config.db_backends.embedded"
    assert values["EMBEDDED_DATABASE"] is True
    assert values["DATA_DIR"] == str((tmp_path / "data").resolve())
    assert values["EMBEDDED_PGDATA"] == str((tmp_path / "data" / "postgres").resolve())
    # Started lazily on first connection, not when settings are imported.
    assert not (tmp_path / "data").exists()


def test_database_url_uses_postgresql_and_starts_no_server(tmp_path):
    """With DATABASE_URL, the plain postgresql backend is used and no server is started."""
    values = loaded(
        import_settings(
            tmp_path, DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/elsewhere"
        )
    )
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["EMBEDDED_DATABASE"] is False
    assert values["EMBEDDED_PGDATA"] is None
    assert (values["HOST"], values["NAME"]) == ("127.0.0.1", "elsewhere")
    assert not (tmp_path / "data" / "postgres" / "postmaster.pid").exists()
    assert not (tmp_path / "data" / "postgres").exists()


def test_bad_database_url_is_refused(tmp_path):
    """A non-PostgreSQL DATABASE_URL stops the import, naming DATABASE_URL."""
    result = import_settings(tmp_path, DEBUG="1", DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL must be a postgres://" in result.stderr


def test_manage_check_does_not_start_the_embedded_server(tmp_path):
    """``manage.py check`` on the embedded default passes without starting a server."""
    result = manage_in(tmp_path, "check", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert not (tmp_path / "data" / "postgres").exists()


# --- Production -----------------------------------------------------------------------
def test_production_trusts_the_two_proxies_of_the_documented_deployment(tmp_path):
    """docs/deploy.md puts a TLS proxy before the bundled nginx: two hops, for the sign-in
    limits and the API throttles alike."""
    values = loaded(
        import_settings(tmp_path, "config.settings.production", **production_variables())
    )
    assert (values["NUM_PROXIES"], values["DRF_NUM_PROXIES"]) == (2, 2)


def test_production_passes_check_deploy(tmp_path):
    """Production settings pass ``check --deploy`` at WARNING level with real values."""
    result = manage_in(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production_variables()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off with config.settings.production"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is required in production"),
        ({"ALLOWED_HOSTS": " "}, "ALLOWED_HOSTS is required in production"),
        ({"SECRET_KEY": None}, "SECRET_KEY is required when DEBUG is off"),
        ({"SECRET_KEY": "k" * 49}, "SECRET_KEY must be at least 50 characters"),
        ({"SECRET_KEY": "ab" * 40}, "of 5 different characters"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 9}, "not a generated"),
    ],
    ids=[
        "debug-on",
        "no-allowed-hosts",
        "blank-allowed-hosts",
        "no-secret-key",
        "short-key",
        "few-characters",
        "insecure-prefix",
    ],
)
def test_production_refuses_unsafe_configuration(tmp_path, overrides, message):
    """Production settings refuse DEBUG on, a missing ALLOWED_HOSTS or SECRET_KEY, and a
    SECRET_KEY under 50 characters."""
    result = manage_in(tmp_path, "check", **production_variables(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr

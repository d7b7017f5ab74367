"""Strict parsing of the environment variables the settings read.

Every reader raises ImproperlyConfigured naming the variable when a value cannot be
parsed, so a typo in a deployment fails at start-up instead of silently using a default.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or ``default`` when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean written as 1/0, true/false, yes/no or on/off (any case)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    """A whole number."""
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blanks around items are dropped, empty items rejected."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return list(default or [])
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty item between commas.")
    return items


def env_path(name: str, default: Path) -> Path:
    """A filesystem path, made absolute."""
    raw = env_str(name)
    return Path(raw).expanduser().resolve() if raw else default


@dataclass(frozen=True)
class DatabaseURL:
    """The parts of a ``postgres://user:password@host:port/name?opt=v`` URL."""

    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict[str, str]

    def as_django(self) -> dict:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "OPTIONS": dict(self.options),
        }


def parse_database_url(name: str, url: str) -> DatabaseURL:
    """Parse a PostgreSQL URL; anything else (sqlite, mysql, a bare host) is refused."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"{name} must be a postgres:// or postgresql:// URL, got scheme {parts.scheme!r}."
        )
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise ImproperlyConfigured(f"{name} has no database name (postgres://host:5432/NAME).")
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has an invalid port: {exc}.") from exc
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    # A unix socket directory may be given as ?host=/path, as libpq allows.
    socket_dir = options.pop("host", "")
    if parts.hostname and socket_dir:
        raise ImproperlyConfigured(f"{name} names both a host and ?host=; give one of them.")
    host = unquote(parts.hostname or "") or socket_dir
    return DatabaseURL(
        name=db_name,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=host,
        port=str(port or ""),
        options=options,
    )


def parse_redis_url(name: str, url: str) -> str:
    """Check a Redis URL's scheme and return it unchanged."""
    scheme = urlsplit(url).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"{name} must be a redis://, rediss:// or unix:// URL, got scheme {scheme!r}."
        )
    return url


def redis_db(url: str) -> int:
    """The database number a Redis URL names: the ``/N`` path, or ``?db=N`` (unix:// URLs)."""
    parts = urlsplit(url)
    number = parse_qs(parts.query).get("db", [None])[-1] or parts.path.strip("/") or "0"
    return int(number) if number.isdigit() else 0


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server as ``url``, database ``db``: the path of a redis:// or rediss://
    URL becomes ``/db``; a unix:// socket URL gets ``?db=db``."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(db))]
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query)}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "db"])
    return urlunsplit(parts._replace(path=f"/{db}", query=query))

"""Strict parsing of environment variables (config.env); pure functions, no database."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    parse_redis_url,
)

VAR = "RP_TEST_VARIABLE"
URL_VAR = "ANALYTICS_DATABASE_URL"


# --- env_bool -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw", ["1", "true", "TRUE", "True", "yes", "YES", "Yes", "on", "ON", "On", " yes "]
)
def test_env_bool_accepts_true_spellings_in_any_case(monkeypatch, raw):
    """1/true/yes/on, in any case and with blanks around, read as True."""
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, default=False) is True


@pytest.mark.parametrize(
    "raw", ["0", "false", "FALSE", "False", "no", "NO", "No", "off", "OFF", "Off", " off "]
)
def test_env_bool_accepts_false_spellings_in_any_case(monkeypatch, raw):
    """0/false/no/off, in any case and with blanks around, read as False."""
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_gives_default(monkeypatch, default):
    """An unset variable gives the default."""
    monkeypatch.delenv(VAR, raising=False)
    assert env_bool(VAR, default=default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_env_bool_rejects_other_values_naming_the_variable(monkeypatch, raw):
    """Anything else raises ImproperlyConfigured naming the variable and the value."""
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured, match=VAR) as info:
        env_bool(VAR)
    assert repr(raw) in str(info.value)


# --- env_list -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (" a , b ,c ", ["a", "b", "c"]),
        ("reliability.example.com, .example.org", ["reliability.example.com", ".example.org"]),
    ],
)
def test_env_list_splits_on_commas_and_strips(monkeypatch, raw, expected):
    """Items are split on commas with the blanks around them dropped."""
    monkeypatch.setenv(VAR, raw)
    assert env_list(VAR) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_env_list_unset_or_blank_gives_default(monkeypatch, raw):
    """An unset or blank variable gives a copy of the default (or [])."""
    if raw is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, raw)
    default = ["localhost"]
    result = env_list(VAR, default=default)
    assert result == ["localhost"]
    assert result is not default
    assert env_list(VAR) == []


@pytest.mark.parametrize("raw", ["a,,b", "a, ,b", "a,", ",a"])
def test_env_list_rejects_an_empty_item_naming_the_variable(monkeypatch, raw):
    """An empty item between commas raises ImproperlyConfigured naming the variable."""
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_list(VAR)


# --- env_str --------------------------------------------------------------------------
def test_env_str_treats_blank_as_unset(monkeypatch):
    """A blank value gives the default, a set one is returned stripped."""
    monkeypatch.setenv(VAR, "   ")
    assert env_str(VAR, "fallback") == "fallback"
    monkeypatch.setenv(VAR, " value ")
    assert env_str(VAR, "fallback") == "value"
    monkeypatch.delenv(VAR)
    assert env_str(VAR) is None


# --- parse_database_url ---------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_full_form(scheme):
    """user, password, host, port and name are read from both postgres schemes."""
    url = parse_database_url(URL_VAR, f"{scheme}://app:s3cret@db.internal:6543/reliability")
    assert url.as_django() == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "reliability",
        "USER": "app",
        "PASSWORD": "s3cret",
        "HOST": "db.internal",
        "PORT": "6543",
        "OPTIONS": {},
    }


def test_database_url_without_password_or_port():
    """Missing password and port are empty strings, so libpq defaults apply."""
    url = parse_database_url(URL_VAR, "postgres://postgres@127.0.0.1/reliability")
    assert (url.user, url.password, url.host, url.port, url.name) == (
        "postgres",
        "",
        "127.0.0.1",
        "",
        "reliability",
    )


def test_database_url_percent_encoded_password_is_decoded():
    """A percent-encoded password (with @ : / % in it) is decoded."""
    url = parse_database_url(URL_VAR, "postgres://app:p%40ss%3Aw%2Fo%25rd@db:5432/reliability")
    assert url.password == "p@ss:w/o%rd"
    assert url.host == "db"
    assert url.port == "5432"


def test_database_url_query_goes_to_options():
    """?sslmode=require ends up in OPTIONS."""
    url = parse_database_url(URL_VAR, "postgres://app@db:5432/reliability?sslmode=require")
    assert url.options == {"sslmode": "require"}
    assert url.as_django()["OPTIONS"] == {"sslmode": "require"}


def test_database_url_unix_socket_via_host_parameter():
    """?host=/socket/dir gives a unix-socket HOST and is not left in OPTIONS."""
    url = parse_database_url(URL_VAR, "postgres://postgres@/reliability?host=/var/run/postgresql")
    assert url.host == "/var/run/postgresql"
    assert url.port == ""
    assert url.name == "reliability"
    assert url.options == {}


def test_database_url_as_django_options_is_a_copy():
    """as_django() hands out its own OPTIONS dict, so settings cannot mutate the URL."""
    url = parse_database_url(URL_VAR, "postgres://app@db/reliability?sslmode=require")
    url.as_django()["OPTIONS"]["sslmode"] = "disable"
    assert url.options == {"sslmode": "require"}


@pytest.mark.parametrize(
    "raw",
    [
        "sqlite:///x",
        "sqlite:///db.sqlite3",
        "mysql://root@localhost/reliability",
        "http://db/reliability",
        "db.internal:5432/reliability",
    ],
)
def test_database_url_rejects_other_schemes_naming_the_variable(raw):
    """Anything but postgres:// or postgresql:// is refused, naming the variable."""
    with pytest.raises(ImproperlyConfigured, match=URL_VAR):
        parse_database_url(URL_VAR, raw)


@pytest.mark.parametrize(
    "raw", ["postgres://app@db:5432", "postgres://app@db:5432/", "postgres://app@db/"]
)
def test_database_url_rejects_missing_database_name(raw):
    """A URL without a database name is refused, naming the variable."""
    with pytest.raises(ImproperlyConfigured, match=f"{URL_VAR} has no database name"):
        parse_database_url(URL_VAR, raw)


@pytest.mark.parametrize(
    "raw", ["postgres://app@db:port/reliability", "postgres://app@db:99999/reliability"]
)
def test_database_url_rejects_a_bad_port(raw):
    """A non-numeric or out-of-range port is refused, naming the variable."""
    with pytest.raises(ImproperlyConfigured, match=f"{URL_VAR} has an invalid port"):
        parse_database_url(URL_VAR, raw)


# --- parse_redis_url ------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw", ["redis://127.0.0.1:6379/0", "rediss://:secret@cache.example.com:6380/1"]
)
def test_redis_url_accepts_redis_schemes_unchanged(raw):
    """redis:// and rediss:// URLs are returned unchanged."""
    assert parse_redis_url("REDIS_URL", raw) == raw


@pytest.mark.parametrize("raw", ["http://127.0.0.1:6379/0", "127.0.0.1:6379", "amqp://guest@mq//"])
def test_redis_url_rejects_other_schemes_naming_the_variable(raw):
    """http:// and other schemes are refused, naming the variable."""
    with pytest.raises(ImproperlyConfigured, match="BROKER_REDIS_URL"):
        parse_redis_url("BROKER_REDIS_URL", raw)


def test_env_int_reads_a_whole_number_and_names_a_bad_one(monkeypatch):
    """env_int parses whole numbers, defaults when unset, and names the variable on junk."""
    monkeypatch.delenv("RP_TEST_INT", raising=False)
    assert env_int("RP_TEST_INT", default=7) == 7
    monkeypatch.setenv("RP_TEST_INT", " 31536000 ")
    assert env_int("RP_TEST_INT", default=7) == 31536000
    monkeypatch.setenv("RP_TEST_INT", "one year")
    with pytest.raises(ImproperlyConfigured, match="RP_TEST_INT='one year'"):
        env_int("RP_TEST_INT", default=7)


def test_database_url_with_both_host_and_socket_is_refused():
    """A URL naming a host and a ?host= socket folder is ambiguous and refused."""
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL names both"):
        parse_database_url("DATABASE_URL", "postgres://u@db.example.com/rp?host=/run/pg")

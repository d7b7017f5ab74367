"""One lockout for every sign-in route (ours and the admin's), the per-address limit, and
the client address taken from X-Forwarded-For only as far as NUM_PROXIES trusts."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.test import Client

from accounts.models import LoginAttempt
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "pw-for-tests-1"
ACCOUNT_LOCKED = "Too many failed sign-ins for this account."
ADDRESS_LOCKED = "Too many failed sign-ins from your address."


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def sign_in(route, username, password=PASSWORD, address="10.0.0.1", **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post(route, {"username": username, "password": password})
    return response, SESSION_KEY in client.session


def fail(route, username, times, address="10.0.0.1", **headers):
    for _ in range(times):
        response, signed_in = sign_in(route, username, "wrong-password", address, **headers)
        assert response.status_code == 200 and not signed_in


def age_attempts(by: timedelta):
    LoginAttempt.objects.update(at=F("at") - by)


# --- One lockout for every route ------------------------------------------------------
def test_wrong_passwords_at_the_admin_lock_the_account_everywhere(root):
    """Five wrong passwords at /admin/login/ are recorded and lock the superuser out of the
    admin and of our sign-in page alike, the right password included."""
    fail(ADMIN_LOGIN, "root", 5)
    assert LoginAttempt.objects.filter(username="root", succeeded=False).count() == 5
    for route in (ADMIN_LOGIN, LOGIN):
        response, signed_in = sign_in(route, "root")
        assert not signed_in
        assert ACCOUNT_LOCKED in response.content.decode()


def test_an_account_locked_at_our_page_is_locked_at_the_admin(root):
    """Failures at /accounts/login/ under a case variant lock /admin/login/ for "root";
    once they age out of the window the admin signs in again."""
    fail(LOGIN, "ROOT", 3)
    fail(LOGIN, "Root", 2)
    response, signed_in = sign_in(ADMIN_LOGIN, "root")
    assert not signed_in
    assert ACCOUNT_LOCKED in response.content.decode()
    age_attempts(timedelta(minutes=15, seconds=1))
    response, signed_in = sign_in(ADMIN_LOGIN, "root")
    assert response.status_code == 302 and signed_in


def test_a_stranger_cannot_keep_a_known_username_locked(root):
    """The account lockout counts per (username, address): a stranger's failures lock the
    username for the stranger's address only; the owner elsewhere still signs in."""
    fail(ADMIN_LOGIN, "root", 5, address="198.51.100.66")
    response, signed_in = sign_in(ADMIN_LOGIN, "root", address="198.51.100.66")
    assert not signed_in and ACCOUNT_LOCKED in response.content.decode()
    response, signed_in = sign_in(ADMIN_LOGIN, "root", address="10.0.0.1")
    assert response.status_code == 302 and signed_in


# --- Per-address limit ----------------------------------------------------------------
def test_an_address_with_too_many_failures_is_refused_for_every_username(root):
    """20 failures from one address within 15 minutes, spread over usernames so that no
    account locks, refuse that address on every route, even with a right password; another
    address is unaffected; the refusal lifts once the failures age out."""
    UserFactory(username="other")
    for name in ("a", "b", "c", "d", "e"):
        fail(LOGIN, name, 4, address="198.51.100.66")
    for route in (LOGIN, ADMIN_LOGIN):
        response, signed_in = sign_in(route, "root", address="198.51.100.66")
        assert not signed_in
        assert f"{ADDRESS_LOCKED} Try again in 15 minutes." in response.content.decode()
    # Refusals are not recorded, so they do not extend the refusal.
    assert LoginAttempt.objects.filter(ip="198.51.100.66").count() == 20
    assert sign_in(LOGIN, "other", address="10.0.0.1")[1]
    age_attempts(timedelta(minutes=15, seconds=1))
    assert sign_in(ADMIN_LOGIN, "root", address="198.51.100.66")[1]


# --- The client address and NUM_PROXIES -----------------------------------------------
def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(root, settings):
    """NUM_PROXIES = 0: a new X-Forwarded-For on every try does not give a new address; the
    peer address is recorded and its limit holds."""
    settings.NUM_PROXIES = 0
    for n in range(20):
        fail(LOGIN, f"user-{n}", 1, address="198.51.100.66", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {"198.51.100.66"}
    response, signed_in = sign_in(
        LOGIN, "root", address="198.51.100.66", HTTP_X_FORWARDED_FOR="10.9.9.99"
    )
    assert not signed_in and ADDRESS_LOCKED in response.content.decode()


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "recorded"),
    [
        (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (2, "192.0.2.1, 203.0.113.7", "192.0.2.1"),
        (3, "203.0.113.7", "203.0.113.7"),
    ],
    ids=["one-proxy-right-most", "two-proxies", "fewer-hops-than-proxies"],
)
def test_trusted_proxies_give_the_client_address(
    root, settings, num_proxies, forwarded_for, recorded
):
    """With N trusted proxies the N-th X-Forwarded-For hop from the right is the client
    (what a client prepends is not trusted)."""
    settings.NUM_PROXIES = num_proxies
    fail(LOGIN, "root", 1, address="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert LoginAttempt.objects.get().ip == recorded


# --- Account ceiling: a guesser rotating addresses ----------------------------------------
def test_a_guesser_rotating_addresses_locks_the_account_everywhere(root):
    """25 addresses × 4 wrong passwords (under both per-address limits) for "root": at the
    50th failure within the hour the account is locked from every address, the right
    password included; it lifts when they age out of the hour."""
    for n in range(1, 13):  # 48 failures: not yet
        fail(ADMIN_LOGIN, "root", 4, address=f"2001:db8::{n:x}")
    fail(ADMIN_LOGIN, "root", 2, address="2001:db8::ff")  # the 50th
    for route in (ADMIN_LOGIN, LOGIN):
        response, signed_in = sign_in(route, "root", address="2001:db8::ffff")
        assert not signed_in and ACCOUNT_LOCKED in response.content.decode()
    age_attempts(timedelta(minutes=60, seconds=1))
    response, signed_in = sign_in(ADMIN_LOGIN, "root", address="2001:db8::ffff")
    assert response.status_code == 302 and signed_in


def test_the_documented_topology_tells_clients_apart(root, settings):
    """docs/deploy.md: a TLS proxy, then nginx, then gunicorn (NUM_PROXIES = 2, the
    production default). Two clients behind the same TLS proxy are two addresses; with 1
    they would share the TLS proxy's and one lockout."""
    settings.NUM_PROXIES = 2
    for client in ("198.51.100.1", "203.0.113.9"):
        fail(LOGIN, "root", 1, address="172.18.0.5", HTTP_X_FORWARDED_FOR=f"{client}, 172.18.0.1")
    assert sorted(LoginAttempt.objects.values_list("ip", flat=True)) == [
        "198.51.100.1",
        "203.0.113.9",
    ]


def test_the_owner_signs_in_from_a_known_address_while_the_account_is_under_attack(root):
    """The ceiling locks the account for new addresses, never for one where the owner has
    signed in within LOGIN_KNOWN_ADDRESS_DAYS: a stranger with many addresses cannot keep
    the owner out of their usual place."""
    response, signed_in = sign_in(LOGIN, "root", address="192.0.2.10")  # the owner's office
    assert signed_in
    for n in range(1, 14):  # 52 failures from 13 addresses, under the per-address limits
        fail(ADMIN_LOGIN, "root", 4, address=f"2001:db8::{n:x}")
    response, signed_in = sign_in(LOGIN, "root", address="2001:db8::ffff")
    assert not signed_in and ACCOUNT_LOCKED in response.content.decode()
    response, signed_in = sign_in(ADMIN_LOGIN, "root", address="192.0.2.10")
    assert signed_in
    # An address known long ago is not known any more.
    LoginAttempt.objects.filter(succeeded=True).update(at=F("at") - timedelta(days=91))
    response, signed_in = sign_in(LOGIN, "root", address="192.0.2.10")
    assert not signed_in and ACCOUNT_LOCKED in response.content.decode()


def test_the_right_password_refused_at_the_admin_is_not_a_failure(db):
    """A technician following an admin bookmark: the password is right, the admin turns
    them away (not staff). That is not a guess: six of them do not lock their sign-in."""
    UserFactory(username="tech")
    for _ in range(6):
        response, signed_in = sign_in(ADMIN_LOGIN, "tech")
        assert response.status_code == 200 and not signed_in
    assert not LoginAttempt.objects.filter(succeeded=False).exists()
    response, signed_in = sign_in(LOGIN, "tech")
    assert signed_in


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_from_one_address_are_counted_one_by_one(settings):
    """Twelve wrong passwords at once from one address: the limits are read, the password
    checked and the attempt recorded one request at a time, so no more than
    LOGIN_LOCKOUT_ATTEMPTS passwords are checked."""
    from tests.db import run_at_once

    UserFactory(username="root")
    settings.LOGIN_LOCKOUT_ATTEMPTS = 5

    def guess():
        response, _ = sign_in(LOGIN, "root", "wrong-password", address="198.51.100.7")
        return ACCOUNT_LOCKED in response.content.decode()

    outcomes = run_at_once(guess, 12)
    assert LoginAttempt.objects.filter(succeeded=False).count() == 5
    assert outcomes.count(True) == 7  # the rest were refused without a password check

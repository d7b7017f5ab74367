"""Signing in and out: our templates, CSRF, lockout, API-only accounts, Argon2."""

import importlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.test import Client, override_settings

from accounts.models import LoginAttempt
from tests.factories import UserFactory
from tests.people import PASSWORD

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
LOCKOUT = "Too many failed sign-ins for this account. Try again in"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def fail(client, username, times):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password")
        assert response.status_code == 200


def move_attempts_back(username, by: timedelta):
    """Make ``username``'s recorded attempts look ``by`` older."""
    LoginAttempt.objects.filter(username=username).update(at=F("at") - by)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


@pytest.mark.django_db
def test_login_page_renders_with_our_template(client):
    """GET the sign-in page: 200, our template, our stylesheet, no inline style or script."""
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "registration/login.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Reliability Portfolio" in html
    assert 'href="/static/css/app.css"' in html
    assert "<style" not in html and "<script" not in html and "style=" not in html


def test_csrf_is_enforced_on_sign_in(world):
    """A sign-in POST without the CSRF token is refused (403); with it, it signs in."""
    client = Client(enforce_csrf_checks=True)
    refused = client.post(LOGIN, {"username": "tech_a", "password": PASSWORD})
    assert refused.status_code == 403
    assert not signed_in(client)

    token = CSRF_INPUT.search(client.get(LOGIN).content.decode()).group(1)
    response = client.post(
        LOGIN, {"username": "tech_a", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in(client)


def test_attempts_are_recorded_lowercased_with_address(world, client):
    """Each checked attempt is recorded: lowercased username, client address, outcome."""
    sign_in(client, "Tech_A", "wrong-password")
    sign_in(client, "tech_a")
    rows = list(LoginAttempt.objects.order_by("at").values_list("username", "ip", "succeeded"))
    assert rows == [("tech_a", "127.0.0.1", False), ("tech_a", "127.0.0.1", True)]


def test_lockout_refuses_even_the_right_password(world, client):
    """After 5 failures within 15 minutes the right password is refused with a wait time."""
    fail(client, "tech_a", 5)
    response = sign_in(client, "tech_a")
    assert response.status_code == 200
    assert not signed_in(client)
    assert f"{LOCKOUT} 15 minutes." in response.content.decode()
    # Refusals during a lockout are not recorded, so they do not extend it.
    assert LoginAttempt.objects.filter(username="tech_a").count() == 5


def test_four_failures_do_not_lock(world, client):
    """Fewer failures than the limit leave the account free to sign in."""
    fail(client, "tech_a", 4)
    assert sign_in(client, "tech_a").status_code == 302


def test_lockout_counts_case_variants_together(world, client):
    """Failures under "TECH_A" and "tech_a" are one account's failures."""
    fail(client, "TECH_A", 3)
    fail(client, "Tech_a", 2)
    assert LOCKOUT in sign_in(client, "tech_a").content.decode()


def test_lockout_reports_the_remaining_minutes(world, client):
    """Ten minutes into a 15-minute lockout, the message says 5 minutes remain."""
    fail(client, "tech_a", 5)
    move_attempts_back("tech_a", timedelta(minutes=10))
    assert f"{LOCKOUT} 5 minutes." in sign_in(client, "tech_a").content.decode()


def test_lockout_lifts_after_the_window(world, client):
    """Once the failures are older than the window, the right password signs in."""
    fail(client, "tech_a", 5)
    move_attempts_back("tech_a", timedelta(minutes=15, seconds=1))
    response = sign_in(client, "tech_a")
    assert response.status_code == 302
    assert signed_in(client)


def test_lockout_of_one_username_spares_another(world, client):
    """A locked-out tech_a does not stop tech_b signing in from the same address."""
    fail(client, "tech_a", 5)
    assert sign_in(client, "tech_b").status_code == 302


def test_a_success_restarts_the_count(world, client):
    """Failures before a successful sign-in do not count toward a later lockout."""
    fail(client, "tech_a", 4)
    assert sign_in(client, "tech_a").status_code == 302
    client.post(LOGOUT)
    fail(client, "tech_a", 4)
    assert sign_in(client, "tech_a").status_code == 302


def test_integrator_cannot_sign_in_to_the_ui(world, client):
    """An integrator-only account is refused by the form with the API-token message."""
    response = sign_in(client, "integrator_a")
    assert response.status_code == 200
    assert "This account is for API access only; use an API token." in response.content.decode()
    assert not signed_in(client)


def test_inactive_user_gets_djangos_normal_message(world, client):
    """An inactive account with the right password gets the usual invalid-login message."""
    user = world.user("tech_a")
    user.is_active = False
    user.save()
    response = sign_in(client, "tech_a")
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert not signed_in(client)


def test_passwords_are_hashed_with_argon2_under_base_settings(db):
    """The base settings hash new passwords with Argon2 (tests swap in MD5 for speed)."""
    base = importlib.import_module("config.settings.base")
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        user = UserFactory(username="hashed")
        user.set_password("a-long-passphrase-1")
        user.save()
        user.refresh_from_db()
        assert user.password.startswith("argon2$")
        assert user.check_password("a-long-passphrase-1")


def test_logout_by_post_signs_out(world, client):
    """POST to the logout URL ends the session and returns to the sign-in page."""
    sign_in(client, "tech_a")
    assert signed_in(client)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response.url == LOGIN
    assert not signed_in(client)


def test_logout_by_get_is_not_allowed(world, client):
    """GET on the logout URL is refused (405) and leaves the session alone."""
    sign_in(client, "tech_a")
    assert client.get(LOGOUT).status_code == 405
    assert signed_in(client)


def test_session_and_csrf_cookie_settings(settings):
    """Session cookies are HttpOnly, SameSite=Lax and last 12 hours; CSRF is SameSite=Lax."""
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert settings.LOGIN_URL == LOGIN

"""Reads of sign-in attempts: whether a sign-in is locked out, and for how long.

Two limits, both counted from recorded attempts (``accounts.services``):

- The account lockout counts failures per (username, client address) pair: a stranger
  guessing at a known username locks it only for their own address, so the owner signing
  in from elsewhere is not kept out.
- The address limit counts failures from one client address over every username: an
  address that fails too often is refused for any username until its failures age out.
- The account ceiling counts failures for one username from every address, with a higher
  limit and a longer window: a guesser rotating addresses (an IPv6 /64 holds billions)
  is stopped too. It does not hold the owner out where they have signed in before: an
  address with a successful sign-in for the username within LOGIN_KNOWN_ADDRESS_DAYS
  answers only to the pair lockout, so a stranger with many addresses can lock the account
  for new places, never for the owner's usual ones.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginAttempt, normalized_username


def login_lockout_remaining(*, username: str, ip: str | None = None, now=None) -> timedelta | None:
    """How much longer ``username`` is locked out from ``ip``, or None when it may try.

    Locked when its last LOGIN_LOCKOUT_ATTEMPTS attempts from ``ip`` within the last
    LOGIN_LOCKOUT_WINDOW_MINUTES all failed (a success starts the count again). The lock
    lifts when the oldest of those failures leaves the window.
    """
    now = now or timezone.now()
    limit = settings.LOGIN_LOCKOUT_ATTEMPTS
    window = timedelta(minutes=settings.LOGIN_LOCKOUT_WINDOW_MINUTES)
    recent = list(
        LoginAttempt.objects.filter(
            username=normalized_username(username), ip=ip, at__gt=now - window
        )
        .order_by("-at")
        .values_list("at", "succeeded")[:limit]
    )
    pair = None
    if len(recent) >= limit and not any(succeeded for _, succeeded in recent):
        pair = recent[-1][0] + window - now
    ceiling = None
    if not _known_address(normalized_username(username), ip, now):
        ceiling = _account_ceiling_remaining(normalized_username(username), now)
    return max((r for r in (pair, ceiling) if r is not None), default=None)


def _known_address(username: str, ip: str | None, now) -> bool:
    """Whether ``username`` signed in successfully from ``ip`` within the last
    LOGIN_KNOWN_ADDRESS_DAYS: the owner's usual place, not a guesser's."""
    if ip is None:
        return False
    since = now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return LoginAttempt.objects.filter(
        username=username, ip=ip, succeeded=True, at__gt=since
    ).exists()


def _account_ceiling_remaining(username: str, now) -> timedelta | None:
    """How much longer ``username`` is locked from every address: LOGIN_ACCOUNT_ATTEMPTS
    failures (from any addresses) within LOGIN_ACCOUNT_WINDOW_MINUTES; it lifts when the
    oldest of them leaves the window."""
    return _failures_lock_remaining(
        {"username": username},
        settings.LOGIN_ACCOUNT_ATTEMPTS,
        settings.LOGIN_ACCOUNT_WINDOW_MINUTES,
        now,
    )


def _failures_lock_remaining(who: dict, limit: int, minutes: int, now) -> timedelta | None:
    """How much longer ``limit`` failed attempts of ``who`` (a filter) within the last
    ``minutes`` keep it locked: until the oldest of them leaves the window; None when fewer."""
    window = timedelta(minutes=minutes)
    recent = list(
        LoginAttempt.objects.filter(**who, succeeded=False, at__gt=now - window)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + window - now


def address_lockout_remaining(*, ip: str | None, now=None) -> timedelta | None:
    """How much longer ``ip`` is refused for every username, or None when it may try.

    Refused when LOGIN_ADDRESS_ATTEMPTS failures from ``ip`` (any username) fall within
    the last LOGIN_ADDRESS_WINDOW_MINUTES; successes do not reset this count. The refusal
    lifts when the oldest of those failures leaves the window. An unknown address (None)
    is never refused here.
    """
    if ip is None:
        return None
    return _failures_lock_remaining(
        {"ip": ip},
        settings.LOGIN_ADDRESS_ATTEMPTS,
        settings.LOGIN_ADDRESS_WINDOW_MINUTES,
        now or timezone.now(),
    )

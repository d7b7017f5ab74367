"""Sign-in throttling: too many failed sign-ins for an account lock its form for a while.

Counted per username (lowercased, so case variants share one count), not per address: a
guesser rotating addresses is still stopped. Attempts refused because of a lockout are not
recorded, so a lockout lifts on time instead of being extended by further tries.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginAttempt


def normalized_username(username: str) -> str:
    return username.lower()


def client_ip(request) -> str | None:
    """The peer address of ``request`` (REMOTE_ADDR), or None when it is not an IP."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def login_attempt_record(username: str, ip: str | None, *, succeeded: bool) -> LoginAttempt:
    """Record one sign-in attempt for ``username`` from ``ip``."""
    return LoginAttempt.objects.create(
        username=normalized_username(username), ip=ip, succeeded=succeeded
    )


def login_lockout_remaining(username: str, *, now=None) -> timedelta | None:
    """How much longer ``username`` is locked out, or None when it may try to sign in.

    Locked when its last LOGIN_LOCKOUT_ATTEMPTS attempts within the last
    LOGIN_LOCKOUT_WINDOW_MINUTES all failed (a success starts the count again). The lock
    lifts when the oldest of those failures leaves the window.
    """
    now = now or timezone.now()
    limit = settings.LOGIN_LOCKOUT_ATTEMPTS
    window = timedelta(minutes=settings.LOGIN_LOCKOUT_WINDOW_MINUTES)
    recent = list(
        LoginAttempt.objects.filter(username=normalized_username(username), at__gt=now - window)
        .order_by("-at")
        .values_list("at", "succeeded")[:limit]
    )
    if len(recent) < limit or any(succeeded for _, succeeded in recent):
        return None
    oldest_failure_at = recent[-1][0]
    return oldest_failure_at + window - now

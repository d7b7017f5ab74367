"""Reads of sign-in attempts: whether an account is locked out, and for how long."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginAttempt, normalized_username


def login_lockout_remaining(*, username: str, now=None) -> timedelta | None:
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

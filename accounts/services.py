"""Sign-in throttling, the writes: each sign-in attempt is recorded; ``accounts.selectors``
reads them to lock an account whose recent attempts all failed.

Counted per username (lowercased, so case variants share one count), not per address: a
guesser rotating addresses is still stopped. Attempts refused because of a lockout are not
recorded, so a lockout lifts on time instead of being extended by further tries.
"""

import ipaddress

from accounts.models import LoginAttempt, normalized_username


def client_ip(request) -> str | None:
    """The peer address of ``request`` (REMOTE_ADDR), or None when it is not an IP."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def login_attempt_record(*, username: str, ip: str | None, succeeded: bool) -> LoginAttempt:
    """Record one sign-in attempt for ``username`` from ``ip``."""
    return LoginAttempt.objects.create(
        username=normalized_username(username), ip=ip, succeeded=succeeded
    )

"""Sign-in throttling, the writes: each sign-in attempt is recorded; ``accounts.selectors``
reads them to lock an account whose recent attempts all failed.

Counted per (username, client address), the username lowercased so case variants share one
count, and per client address over every username (see ``accounts.selectors``). Attempts
refused because of a lockout are not recorded, so a lockout lifts on time instead of being
extended by further tries.
"""

import ipaddress
import zlib
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from accounts.models import LoginAttempt, normalized_username


def client_ip(request) -> str | None:
    """The client address of ``request``, or None when it is not an IP.

    With settings.NUM_PROXIES = 0 (the default) the peer address, REMOTE_ADDR: an
    X-Forwarded-For header is ignored, since anyone can send one. With N trusted proxies in
    front, the N-th address from the right of X-Forwarded-For (the one the outermost trusted
    proxy saw), as Django REST framework's throttles do; REMOTE_ADDR when the header is absent.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    num_proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(num_proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


SIGN_IN_LOCK_SPACE = 0x5349  # PostgreSQL advisory lock namespace of sign-in checks ("SI")


@contextmanager
def sign_in_serialized(*, ip: str | None, username: str):
    """Run one sign-in check (limits read, password checked, attempt recorded) alone for
    its client address (its username when the address is unknown). Without it, 40
    concurrent guesses from one address all passed the limits before any was recorded."""
    key = ip if ip is not None else f"user:{normalized_username(username)}"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [SIGN_IN_LOCK_SPACE, zlib.crc32(key.encode()) - 2**31],
            )
        yield


def login_attempt_record(*, username: str, ip: str | None, succeeded: bool) -> LoginAttempt:
    """Record one sign-in attempt for ``username`` from ``ip``."""
    return LoginAttempt.objects.create(
        username=normalized_username(username), ip=ip, succeeded=succeeded
    )

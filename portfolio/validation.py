"""Checks of a new portfolio shared by the form, the API and ingest: codes are compared
without case (ingest resolves codes case-insensitively) and "new" names the form's URL."""

import re

from django.core.exceptions import ValidationError

from portfolio.models import Portfolio

#: Codes that would shadow a page under /portfolios/.
RESERVED_CODES = frozenset({"new"})
CURRENCY = re.compile(r"^[A-Z]{3}$")


def clean_portfolio_code(code: str, *, instance_pk=None) -> str:
    code = code.strip()
    if code.lower() in RESERVED_CODES:
        raise ValidationError(f"{code!r} is reserved; choose another code.")
    taken = Portfolio.objects.filter(code__iexact=code).exclude(pk=instance_pk)
    if taken.exists():
        raise ValidationError(
            f"A portfolio coded {taken.first().code!r} exists (codes are compared without case)."
        )
    return code


def clean_currency(currency: str) -> str:
    """An ISO 4217 code, upper-cased (``eur`` → ``EUR``)."""
    currency = currency.strip().upper()
    if not CURRENCY.match(currency):
        raise ValidationError(f"{currency!r} is not an ISO 4217 code of three letters (e.g. EUR).")
    return currency

"""Template filters that show figures the way the executive sentences do (one format).

Unknown values (None, NaN) show as an em dash, never as 0.
"""

import math

from django import template

from core.language import format_money, format_percent, format_probability

register = template.Library()
UNKNOWN = "—"


def _missing(value) -> bool:
    # "" is what a template hands over for a key the details do not hold.
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


@register.filter
def money(value, currency="USD"):
    """``{{ x|money:currency }}`` → "$310,000", "$18M", "EUR 310,000"."""
    return UNKNOWN if _missing(value) else format_money(value, currency or "USD")


@register.filter
def percent(value, digits=0):
    """A share as a percentage: ``0.35`` → "35 %" (coverage, utilisation, OEE …)."""
    return UNKNOWN if _missing(value) else format_percent(value, int(digits))


@register.filter
def probability(value, digits=0):
    """A probability (P(SDP review), P(failure)): like ``percent``, but a value short of
    certain never reads "100 %" and a possible one never "0 %" (``format_probability``)."""
    return UNKNOWN if _missing(value) else format_probability(value, int(digits))


@register.filter
def score(value):
    """A 0–100 score to one decimal."""
    return UNKNOWN if _missing(value) else f"{float(value):.1f}"


@register.filter
def hours(value):
    """Hours to one decimal, with the unit; beyond 1,000 h also in days."""
    if _missing(value):
        return UNKNOWN
    value = float(value)
    if value >= 1000:
        return f"{value:,.0f} h ({value / 24:,.0f} d)"
    return f"{value:,.1f} h"


@register.filter
def number(value, digits=0):
    """A plain number with thousands separators."""
    return UNKNOWN if _missing(value) else f"{float(value):,.{int(digits)}f}"


@register.filter
def get(mapping, key):
    """``{{ mapping|get:key }}``: a dict lookup with a variable key."""
    return None if mapping is None else mapping.get(key)


@register.filter
def points(value, digits=1):
    """A change of a fraction in percentage points, signed: ``0.05`` → "+5.0 pts"."""
    if _missing(value):
        return UNKNOWN
    text = f"{float(value) * 100:+.{int(digits)}f}"
    return f"{text.lstrip('+-') if float(text) == 0 else text} pts"


@register.filter
def signed_money(value, currency="USD"):
    """A change of money, signed: ``34600`` → "+$34,600", ``-500`` → "-$500"."""
    if _missing(value):
        return UNKNOWN
    text = format_money(value, currency or "USD")
    return text if text.startswith("-") or float(value) == 0 else f"+{text}"

"""The ``portfolios`` kind's checks, and the announcement of the portfolios it created.

Rows are upserted with raw SQL (ingest/records.py), which sends no ``post_save``; a new
portfolio needs its standard and escalation rules (their receivers listen to
``post_save`` of Portfolio, docs/architecture.md), so the rows that created one announce
it after the upsert, in the chunk's transaction.
"""

import re

import numpy as np
from django.db.models.signals import post_save

from portfolio.models import Portfolio
from portfolio.validation import CURRENCY, RESERVED_CODES

from .fields import Errors

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
IS_NEW = "__new_portfolio__"  # a values column, not a model column: never stored


def check_portfolio_row(values, ctx, errors: Errors) -> None:
    """Codes are slugs, compared without case (an existing code's spelling is kept, so
    "ACME" updates "acme"); currencies are ISO 4217, upper-cased. Marks the rows whose
    code is new."""
    codes = values["code"].fillna("").astype(str).str.strip()
    existing = {code.lower(): code for code in Portfolio.objects.values_list("code", flat=True)}
    lowered = codes.str.lower()
    known = lowered.map(existing)
    # A new code spelt two ways in one file is one portfolio: its first spelling.
    first_spelling = codes.groupby(lowered).transform("first")
    values["code"] = known.where(known.notna(), first_spelling)
    bad_slug = (~codes.map(lambda c: bool(SLUG.match(c)))).to_numpy() & (codes != "").to_numpy()
    errors.add_mask(bad_slug, "code", "only letters, digits, - and _")
    errors.add_mask(lowered.isin(RESERVED_CODES).to_numpy(), "code", "reserved; choose another")
    currency = values["currency"].fillna("").astype(str).str.strip().str.upper()
    values["currency"] = currency
    # An empty cell took the default; a long one is already refused for its length.
    checked = ((currency != "") & (currency.str.len() <= 3)).to_numpy()
    bad = ~currency.map(lambda c: bool(CURRENCY.match(c))).to_numpy() & checked
    errors.add_mask(bad, "currency", "not an ISO 4217 code of three letters (e.g. EUR)")
    values[IS_NEW] = known.isna() & (codes != "")


def announce_created(prepared, rows: np.ndarray) -> None:
    """``post_save(created=True)`` for each portfolio these stored rows created."""
    new = prepared.values[IS_NEW]
    codes = {prepared.values["code"][row] for row in rows if bool(new[row])}
    for portfolio in Portfolio.objects.filter(code__in=codes):
        post_save.send(
            sender=Portfolio, instance=portfolio, created=True, raw=False, using="default"
        )

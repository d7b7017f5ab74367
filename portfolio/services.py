"""Writes to portfolios, their standard and their score history. Pages, the API, the admin
and the tasks all call these."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portfolio.models import ReliabilityStandard, SiteScoreSnapshot
from portfolio.scoring.site import compute_site_figures
from portfolio.selectors import site_scoring_inputs


def standard_stamp_change(*, standard: ReliabilityStandard, user) -> None:
    """Mark a standard about to be saved with changes: next version, who changed it.

    Score snapshots cite the version they were computed with, so every saved change must
    raise it. A standard not yet saved keeps version 1.
    """
    if standard.pk:
        standard.version += 1
    standard.updated_by = user


# --- Scores ------------------------------------------------------------------------------

MONEY_FIGURES = (
    "penalty_exposure",
    "addressable_exposure",
    "emergency_premium",
    "production_value_at_risk",
    "revenue_at_risk",
)


def site_recompute_scores(site_id: int, as_of: dt.date | None = None) -> SiteScoreSnapshot:
    """Compute a site's figures as of a day and store them as its snapshot for that day.

    Reads through ``portfolio.selectors.site_scoring_inputs``, computes with the pure
    functions (``portfolio.scoring.site``) and writes one row atomically: recomputing the
    same day again replaces it with the same figures (only ``computed_at`` moves).
    """
    as_of = as_of or timezone.now().date()
    inputs = site_scoring_inputs(site_id, as_of)
    figures = compute_site_figures(inputs)
    for name in MONEY_FIGURES:
        if figures[name] is not None:
            figures[name] = Decimal(str(round(figures[name], 2)))
    figures["risk_tier"] = figures["risk_tier"] or ""
    with transaction.atomic():
        snapshot, _ = SiteScoreSnapshot.objects.update_or_create(
            site_id=site_id,
            as_of=as_of,
            defaults={
                **figures,
                "computed_at": timezone.now(),
                "standard_version": int(inputs.standard["version"]),
            },
        )
    return snapshot


def quarter_ends(as_of: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` calendar quarters before ``as_of``'s, oldest first."""
    ends = []
    first_of_quarter = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    for _ in range(count):
        end = first_of_quarter - dt.timedelta(days=1)
        ends.append(end)
        first_of_quarter = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return sorted(ends)

"""Writes to portfolios and their standard. Pages, the API and the admin all call these."""

from portfolio.models import ReliabilityStandard


def standard_stamp_change(*, standard: ReliabilityStandard, user) -> None:
    """Mark a standard about to be saved with changes: next version, who changed it.

    Score snapshots cite the version they were computed with, so every saved change must
    raise it. A standard not yet saved keeps version 1.
    """
    if standard.pk:
        standard.version += 1
    standard.updated_by = user

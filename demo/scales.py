"""The sizes of the demo portfolio."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How big a demo portfolio is.

    ``reading_days`` of hourly readings end at the end date; the event history (work
    orders, failures, windows, production, penalties) covers ``history_days`` so that
    trailing-12-month and quarter-on-quarter figures have data; scorecards cover
    ``scorecard_quarters`` complete quarters.
    """

    name: str
    sites: int
    assets_per_site: int
    reading_days: int
    acquisition_sites: int = 0
    history_days: int = 730
    scorecard_quarters: int = 10


SCALES = {
    "small": Scale("small", sites=3, assets_per_site=40, reading_days=90),
    "medium": Scale("medium", sites=12, assets_per_site=150, reading_days=365, acquisition_sites=2),
    "large": Scale("large", sites=15, assets_per_site=400, reading_days=365, acquisition_sites=3),
}

"""CM coverage as of today is measured up to now; a past day's up to its end (issue 15).

The freshness window used to be "the 24 h to the end of the as-of day": for today it
ended at tomorrow's midnight and missed the readings of last night, so every site read
0 % covered in the morning.
"""

import datetime as dt

import pandas as pd
import pytest
from freezegun import freeze_time

from core.dates import measured_to
from scores.figures.site import compute_site_figures
from scores.selectors import site_scoring_inputs
from scores.services import site_recompute_scores
from tests.factories import AssetFactory, ReadingFactory, SensorFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def site():
    """Two Tier 1 assets: one read last night at 22:00, one last read two days ago."""
    fresh = AssetFactory(tier=1)
    stale = AssetFactory(tier=1, line=fresh.line)
    ReadingFactory(
        sensor=SensorFactory(asset=fresh), measured_at=dt.datetime(2026, 11, 19, 22, tzinfo=UTC)
    )
    ReadingFactory(
        sensor=SensorFactory(asset=stale), measured_at=dt.datetime(2026, 11, 18, 6, tzinfo=UTC)
    )
    return fresh.site


def coverage(site, as_of, now):
    figures = compute_site_figures(site_scoring_inputs(site.pk, as_of, now=now))
    return figures["details"]["cm_coverage"], figures["details"]["windows"]["cm_coverage"]


def test_measured_to_is_now_for_today_and_the_end_for_a_past_day():
    now = pd.Timestamp(NOW)
    assert measured_to(TODAY, now) == now
    assert measured_to(TODAY - dt.timedelta(days=1), now) == pd.Timestamp("2026-11-20", tz="UTC")


def test_today_counts_last_nights_reading(site):
    cm, window = coverage(site, TODAY, NOW)
    assert (cm["covered"], cm["total"]) == (1, 2)  # not 0: 22:00 is within 24 h of 08:00
    assert (window["start"], window["end"]) == (
        "2026-11-19T08:00:00+00:00",
        "2026-11-20T08:00:00+00:00",
    )
    assert window["label"] == "sensors reporting in the 24 h to 2026-11-20 08:00 UTC"


def test_a_past_day_ends_at_its_end(site):
    yesterday = TODAY - dt.timedelta(days=1)
    cm, window = coverage(site, yesterday, NOW)
    assert (cm["covered"], cm["total"]) == (1, 2)  # 22:00 is within that day
    assert window["label"] == f"sensors reporting in the 24 h to the end of {yesterday}"
    cm, _ = coverage(site, yesterday - dt.timedelta(days=1), NOW)  # the 18th: 06:00 read
    assert (cm["covered"], cm["total"]) == (1, 2)  # the stale one was fresh on the 18th


def test_the_stored_snapshot_of_today_uses_the_moment_of_the_recompute(site):
    with freeze_time(NOW):
        snapshot = site_recompute_scores(site_id=site.pk, as_of=TODAY)
    assert snapshot.details["cm_coverage"]["covered"] == 1
    with freeze_time(NOW + dt.timedelta(hours=16)):  # midnight: 22:00 is now 26 h old
        snapshot = site_recompute_scores(site_id=site.pk, as_of=TODAY)
    assert snapshot.details["cm_coverage"]["covered"] == 0

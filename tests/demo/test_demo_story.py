"""The small demo, loaded up to now and scored as of today, tells the sources' story in
the sources' proportions (issue 15; shared/seeds: the VP, director and technician
articles). What `python3 dev.py demo` shows a first visitor."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from oem.models import OEMRelationship
from reliability.models import Alert, Notification, PreventedFailure
from reliability.selectors import recurring_failure_recommendations
from scores.models import SiteScoreSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(django_user_model):
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("seed_demo", "--scale", "small", **quiet)  # data up to this hour
    call_command("recompute", **quiet)  # today's scores, alerts first
    as_of = timezone.now().date()
    snapshots = {
        s.site.code: s
        for s in SiteScoreSnapshot.objects.filter(
            as_of=as_of, site__portfolio__is_acquisition_target=False
        ).select_related("site")
    }
    assert sorted(snapshots) == ["site-a", "site-b", "site-c"]
    return snapshots


def share(snapshot, figure):
    return float(getattr(snapshot, figure)) / float(snapshot.site.annual_revenue)


def test_money_is_in_the_proportions_of_the_sources(today):
    for code, snapshot in today.items():
        # The VP article: maintenance 4.2 % of revenue, falling to 2.6 % as it matures.
        assert 0.02 <= snapshot.maintenance_cost_pct_revenue <= 0.05, code
        # Preferred-supplier revenue at risk: a few percent of a site's revenue.
        assert share(snapshot, "revenue_at_risk") <= 0.06, code
        # The director article: $310,000–$420,000 a year; never millions.
        assert float(snapshot.penalty_exposure) <= 700_000, code
    assert float(today["site-c"].penalty_exposure) >= 250_000
    # OEM relationships of $10–60M a year ("the $18M relationship at 35 %").
    revenues = OEMRelationship.objects.values_list("annual_revenue", flat=True)
    assert revenues and all(10e6 <= float(r) <= 60e6 for r in revenues)


def test_a_technicians_saves_are_worth_what_the_article_says(today):
    """$15,000–$60,000 a save; $180,000–$340,000 in a year."""
    year_ago = timezone.now() - dt.timedelta(days=365)
    saves = PreventedFailure.objects.filter(technician__username="tech")
    values = [float(v) for v in saves.values_list("estimated_value", flat=True)]
    assert values and all(15_000 <= v <= 60_000 for v in values)
    this_year = sum(
        float(v)
        for v in saves.filter(detected_at__gt=year_ago).values_list("estimated_value", flat=True)
    )
    assert 180_000 <= this_year <= 340_000


def test_the_planted_story_holds_on_todays_scores(today):
    a, b, c = today["site-a"], today["site-b"], today["site-c"]
    coverage = {code: s.details["cm_coverage"]["value"] for code, s in today.items()}
    assert a.risk_tier in ("low", "medium")
    assert coverage["site-a"] >= 0.8  # the mature site: its Tier 1 assets are watched
    assert coverage["site-c"] < min(coverage["site-a"], coverage["site-b"])
    use = {code: s.details["changeover"]["value"] for code, s in today.items()}
    assert use["site-c"] < min(use["site-a"], use["site-b"])
    assert c.penalty_exposure > max(a.penalty_exposure, b.penalty_exposure)


def test_the_demo_starts_with_work_to_do(today):
    """Open Tier 1 alerts at the technician's site (one not yet acknowledged, so it has
    escalated), a notification, a recurring failure, and no alert acknowledged by nobody."""
    live = Alert.objects.filter(
        asset__site__code="site-a", asset__tier=1, status__in=["open", "acknowledged"]
    )
    assert live.count() >= 2
    assert live.filter(status="open", acknowledged_at__isnull=True).exists()
    assert live.filter(status="acknowledged", acknowledged_by__username="tech").exists()
    assert Notification.objects.exists()
    assert not Alert.objects.filter(
        Q(acknowledged_at__isnull=False) & Q(acknowledged_by__isnull=True)
    ).exists()
    from django.contrib.auth import get_user_model

    director = get_user_model().objects.get(username="director")
    assert any(p["consistent"] for p in recurring_failure_recommendations(director))

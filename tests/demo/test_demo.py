"""The demo portfolio: deterministic, realistic, and loaded exactly as generated."""

import datetime as dt
import io
import json

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from core.dates import SDP_HORIZON_QUARTERS
from demo.generator import ZONE_BOUNDARIES, generate, iter_readings, sensor_values
from demo.scales import SCALES
from oem.models import OEMRelationship, PenaltyRecord, ScorecardResult
from portfolio.models import Membership, Portfolio, Site
from reliability.models import (
    Alert,
    Asset,
    ChangeoverWindow,
    FailureEvent,
    PreventedFailure,
    ProductionRecord,
    Reading,
    Sensor,
    WorkOrder,
)

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def small():
    return generate(SCALES["small"], seed=11, end=END)


def test_same_seed_gives_the_same_portfolio(small):
    """Generating twice with one seed and end date gives identical figures and readings."""
    again = generate(SCALES["small"], seed=11, end=END)
    assert again.summary() == small.summary()
    for (_, t1, v1), (_, t2, v2) in zip(iter_readings(small), iter_readings(again), strict=True):
        np.testing.assert_array_equal(t1, t2)
        np.testing.assert_array_equal(v1, v2)


def test_another_seed_gives_another_portfolio(small):
    """A different seed changes the data (and so the checksum)."""
    other = generate(SCALES["small"], seed=12, end=END)
    assert other.summary()["checksum"] != small.summary()["checksum"]


def test_small_scale_has_the_documented_shape(small):
    """Small: 3 sites of 40 assets, 90 days of hourly readings, 10 quarters of scorecards."""
    summary = small.summary()
    assert summary["sites"] == 3
    assert summary["assets"] == 120
    assert summary["readings"] == small.reading_count() > 0
    times = [t for _, t, _ in iter_readings(small)]
    assert min(t[0] for t in times) == np.datetime64("2026-07-03T00:00", "us")
    assert max(t[-1] for t in times) == np.datetime64("2026-09-30T23:00", "us")
    quarters = {(s["year"], s["quarter"]) for s in small.scorecards}
    assert len(quarters) == 10 and max(quarters) == (2026, 3)


def test_every_site_has_tier1_assets(small):
    """Each site has Tier 1 assets, at least one on a JIT-linked line."""
    jit_lines = {(ln["site"], ln["code"]) for ln in small.lines if ln["jit_linked"]}
    for site in small.sites:
        tier1 = [a for a in small.assets if a["site"] == site["code"] and a["tier"] == 1]
        assert tier1, site["code"]
        assert any((a["site"], a["line"]) in jit_lines for a in tier1), site["code"]


def test_linked_penalties_point_at_failures_on_jit_lines(small):
    """A penalty that names a failure names one of a Tier 1 asset on a JIT-linked line."""
    failures = {(f["site"], f["asset"], f["started_at"]): f for f in small.failures}
    lines = {(ln["site"], ln["code"]): ln for ln in small.lines}
    assets = {(a["site"], a["code"]): a for a in small.assets}
    linked = [p for p in small.penalties if p["failure"]]
    assert linked
    for penalty in linked:
        failure = failures[(penalty["site"], *penalty["failure"])]
        asset = assets[(failure["site"], failure["asset"])]
        assert asset["tier"] == 1
        assert lines[(asset["site"], asset["line"])]["jit_linked"]
        assert penalty["incurred_on"] > failure["started_at"].date()


def _trend(small, relationship):
    scores = sorted(
        (s["year"], s["quarter"], float(s["score"]))
        for s in small.scorecards
        if (s["customer"], s["site"]) == (relationship["customer"], relationship["site"])
    )[-8:]
    slope, intercept = np.polyfit(np.arange(len(scores)), [s[2] for s in scores], 1)
    # Projected as far ahead as the product looks (oem.metrics.revenue_at_risk).
    return slope, intercept + slope * (len(scores) - 1 + SDP_HORIZON_QUARTERS)


def test_some_relationship_trends_towards_sdp(small):
    """At least one relationship's scorecard line falls to within 2 points of its SDP
    threshold within the product's horizon."""
    trending = [
        r
        for r in small.relationships
        if (t := _trend(small, r))[0] < 0 and t[1] < float(r["sdp_threshold_score"]) + 2
    ]
    assert trending


def _tier1_coverage(data, site):
    fresh = {p.asset for p in data.sensors if p.site == site and p.stale_after is None}
    tier1 = [a for a in data.assets if a["site"] == site and a["tier"] == 1]
    return sum(a["code"] in fresh for a in tier1) / len(tier1)


def _changeover_utilization(data, site):
    windows = sorted((w for w in data.windows if w["site"] == site), key=lambda w: w["starts_at"])
    recent = windows[-40:]
    executed = sum(w["maintenance_minutes_executed"] for w in recent)
    return executed / sum(w["available_minutes"] for w in recent)


def test_maturity_differs_across_sites(small):
    """The leading site out-monitors and out-plans the lagging one and fails less often."""
    lead, lag = small.sites[0]["code"], small.sites[-1]["code"]
    assert _tier1_coverage(small, lead) - _tier1_coverage(small, lag) >= 0.3
    assert _changeover_utilization(small, lead) - _changeover_utilization(small, lag) >= 0.1
    failures = {s["code"]: sum(f["site"] == s["code"] for f in small.failures) for s in small.sites}
    assert failures[lead] < failures[lag]


def test_vibration_rises_before_a_planted_failure(small):
    """A sensed failure is preceded by vibration climbing from baseline into zone D."""
    sensed = [
        (plan, episode)
        for plan in small.sensors
        if plan.metric == "vibration_velocity_rms"
        for episode in plan.episodes
        if episode.peak_fraction == 1.0 and episode.onset > small.readings_start
    ]
    assert sensed
    plan, episode = sensed[0]
    asset = next(a for a in small.assets if (a["site"], a["code"]) == (plan.site, plan.asset))
    zone_cd = ZONE_BOUNDARIES[(asset["machine_group"], asset["foundation"])][2]
    hours = np.arange(
        np.datetime64(episode.onset.replace(tzinfo=None), "h"),
        np.datetime64(episode.end.replace(tzinfo=None), "h"),
    )
    values = sensor_values(plan, hours)
    assert values[:24].mean() < zone_cd / 2
    assert values[-6:].mean() > zone_cd


@pytest.mark.django_db
def test_seed_demo_loads_exactly_what_it_generated():
    """The command's summary matches the rows in the database, table by table."""
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--scale",
        "small",
        "--seed",
        "5",
        "--end-date",
        "2026-09-01",
        "--json",
        stdout=out,
    )
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert {
        "portfolios": Portfolio.objects.count(),
        "sites": Site.objects.count(),
        "assets": Asset.objects.count(),
        "sensors": Sensor.objects.count(),
        "readings": Reading.objects.count(),
        "changeover_windows": ChangeoverWindow.objects.count(),
        "work_orders": WorkOrder.objects.count(),
        "failure_events": FailureEvent.objects.count(),
        "production_records": ProductionRecord.objects.count(),
        "oem_relationships": OEMRelationship.objects.count(),
        "scorecards": ScorecardResult.objects.count(),
        "penalties": PenaltyRecord.objects.count(),
        "alerts": Alert.objects.count(),
        "prevented_failures": PreventedFailure.objects.count(),
    } == {
        key: summary[key]
        for key in (
            "portfolios",
            "sites",
            "assets",
            "sensors",
            "readings",
            "changeover_windows",
            "work_orders",
            "failure_events",
            "production_records",
            "oem_relationships",
            "scorecards",
            "penalties",
            "alerts",
            "prevented_failures",
        )
    }
    expected = generate(SCALES["small"], seed=5, end=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    assert summary["checksum"] == expected.summary()["checksum"]
    first = Reading.objects.order_by("sensor_id", "measured_at").first()
    assert first.measured_at == dt.datetime(2026, 6, 3, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_seed_demo_creates_one_user_per_role():
    """vp, director, manager and tech log in with 'demo'; tech belongs to one site only."""
    call_command(
        "seed_demo", "--end-date", "2026-09-01", stdout=io.StringIO(), stderr=io.StringIO()
    )
    users = {u.username: u for u in get_user_model().objects.all()}
    assert all(users[name].check_password("demo") for name in ("vp", "director", "manager", "tech"))
    roles = {m.user.username: m for m in Membership.objects.select_related("user")}
    assert roles["vp"].role == "executive"
    assert users["vp"].is_superuser
    assert not any(users[name].is_staff for name in ("director", "manager", "tech"))
    assert roles["director"].portfolio.code == "great-lakes"
    assert Membership.objects.filter(user=users["tech"]).count() == 1
    assert roles["tech"].role == "technician" and roles["tech"].site is not None
    assert PreventedFailure.objects.exclude(technician=users["tech"]).count() == 0


@pytest.mark.django_db
def test_seed_demo_refuses_to_load_twice_and_replace_rebuilds():
    """A second load is refused with a clear message; --replace rebuilds the same rows."""
    args = ["seed_demo", "--end-date", "2026-09-01", "--json"]
    call_command(*args, stdout=io.StringIO())
    counts = (Reading.objects.count(), WorkOrder.objects.count(), PenaltyRecord.objects.count())
    with pytest.raises(CommandError, match="already loaded.*--replace"):
        call_command(*args, stdout=io.StringIO())
    call_command(*args, "--replace", stdout=io.StringIO())
    assert (
        Reading.objects.count(),
        WorkOrder.objects.count(),
        PenaltyRecord.objects.count(),
    ) == counts
    assert Portfolio.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["--if-empty", "--if-stale"])
def test_seed_demo_if_empty_or_stale_leaves_someones_own_data_alone(flag):
    """Both do nothing when a portfolio of someone's own exists (so `dev.py demo` can
    rerun on a database that holds real data)."""
    Portfolio.objects.create(code="own", name="Own data")
    out = io.StringIO()
    call_command("seed_demo", flag, stdout=out)
    assert "nothing to do" in out.getvalue()
    assert list(Portfolio.objects.values_list("code", flat=True)) == ["own"]


@pytest.mark.django_db
def test_seed_demo_fills_the_roll_ups_of_its_readings():
    """The demo loader keeps the hourly and daily roll-ups as the ingest does."""
    from django.db.models import Sum

    from reliability.models import ReadingDaily, ReadingHourly

    call_command("seed_demo", "--end-date", "2026-09-01", stdout=io.StringIO())
    readings = Reading.objects.count()
    assert ReadingHourly.objects.aggregate(n=Sum("count"))["n"] == readings
    assert ReadingDaily.objects.aggregate(n=Sum("count"))["n"] == readings


@pytest.mark.django_db
def test_seed_demo_if_stale_reloads_a_demo_whose_readings_ended_days_ago():
    """dev.py demo run again days later: the live feed bridges a day at most, so an older
    demo is loaded again up to now; a current one, or someone's own data, is left alone."""
    from django.utils import timezone

    from demo.feeder import demo_readings_end

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).date().isoformat()
    call_command("seed_demo", "--end-date", two_days_ago, **quiet)
    assert demo_readings_end() < timezone.now() - dt.timedelta(days=1)
    call_command("seed_demo", "--if-stale", **quiet)
    assert demo_readings_end() > timezone.now() - dt.timedelta(hours=2)
    out = io.StringIO()
    call_command("seed_demo", "--if-stale", stdout=out)
    assert "current; nothing to do" in out.getvalue()


@pytest.mark.django_db
def test_the_demo_never_takes_over_a_real_account_named_like_its_technicians():
    """The data names other sites' technicians tech-b, tech-c: a real tech-b who signs in
    is neither locked out by a load nor deleted by a --replace."""
    real = get_user_model().objects.create_user("tech-b", password="their-own-pw-1")
    with pytest.raises(CommandError, match="'tech-b' exists"):
        call_command("seed_demo", "--end-date", "2026-09-01", stdout=io.StringIO())
    real.refresh_from_db()
    assert real.check_password("their-own-pw-1")
    assert not Membership.objects.filter(user=real).exists()
    from demo.loader import delete_demo

    delete_demo(["great-lakes"])
    assert get_user_model().objects.filter(username="tech-b").exists()

"""Site recompute: snapshots from stored data, idempotent, order-independent, debounced,
traceable; the portfolio roll-up; ``manage.py recompute``."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dates import quarter_ends
from oem.models import PenaltyRecord
from scores import scheduling, tasks
from scores.figures.rollup import aggregate
from scores.models import SiteScoreSnapshot
from scores.pages.translation import translation_rows
from scores.selectors import (
    exposure_contributions,
    portfolio_figures,
    portfolio_standard,
    standard_values,
)
from scores.services import site_recompute_scores
from tests.scores.conftest import DEMO_END as END

AS_OF = END - dt.timedelta(days=1)
FIGURES = [
    "cm_coverage_score",
    "changeover_score",
    "mtbf_trend_score",
    "penalty_frequency_score",
    "maturity_composite",
    "risk_tier",
    "penalty_exposure",
    "addressable_exposure",
    "emergency_premium",
    "production_value_at_risk",
    "revenue_at_risk",
    "maintenance_cost_pct_revenue",
    "oee",
]


def figures(snapshot):
    return {name: getattr(snapshot, name) for name in FIGURES}


def test_demo_sites_get_every_figure_and_their_maturity_order(demo):
    snapshots = [site_recompute_scores(site_id=site.pk, as_of=AS_OF) for site in demo]
    for snapshot in snapshots:
        assert snapshot.as_of == AS_OF
        assert snapshot.standard_version == 1
        for name in (
            "cm_coverage_score",
            "changeover_score",
            "maturity_composite",
            "oee",
            "penalty_exposure",
            "emergency_premium",
            "production_value_at_risk",
        ):
            assert getattr(snapshot, name) is not None, (snapshot.site.code, name)
        assert snapshot.details["windows"]["penalty_exposure"]["end"] is not None
    # The demo's sites were generated from mature to immature (Tier 1 coverage 0.9, 0.5,
    # 0.1 on this day; tests/demo/test_demo_story.py holds the story for today): the
    # scores must say so.
    coverage = [round(s.details["cm_coverage"]["value"], 2) for s in snapshots]
    assert coverage == [0.9, 0.5, 0.1]
    composites = [s.maturity_composite for s in snapshots]
    exposures = [s.penalty_exposure for s in snapshots]
    assert composites == sorted(composites, reverse=True)
    assert exposures == sorted(exposures)


def test_penalty_exposure_equals_the_invoices_of_the_trailing_year(demo):
    """Against an independent ORM sum (the demo has more than a year of history)."""
    site = demo.last()
    snapshot = site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    expected = PenaltyRecord.objects.filter(
        relationship__site=site,
        incurred_on__gt=AS_OF - dt.timedelta(days=365),
        incurred_on__lte=AS_OF,
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    assert snapshot.penalty_exposure == expected
    rows = exposure_contributions(site.pk, AS_OF)
    assert sum(r["amount"] for r in rows) == expected
    addressable = sum(r["amount"] for r in rows if r["addressable"])
    assert snapshot.addressable_exposure == addressable


def test_recompute_is_idempotent(demo):
    site = demo.first()
    first = site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    again = site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    assert SiteScoreSnapshot.objects.filter(site=site, as_of=AS_OF).count() == 1
    assert figures(first) == figures(again)
    assert first.details == again.details


def test_the_order_data_arrived_in_does_not_change_the_scores(demo):
    """Penalties re-inserted in reverse order (new ids, other physical order): same scores."""
    site = demo.last()
    before = figures(site_recompute_scores(site_id=site.pk, as_of=AS_OF))
    rows = list(PenaltyRecord.objects.filter(relationship__site=site).order_by("pk"))
    PenaltyRecord.objects.filter(pk__in=[r.pk for r in rows]).delete()
    for row in reversed(rows):
        row.pk = None
        row.save()
    assert figures(site_recompute_scores(site_id=site.pk, as_of=AS_OF)) == before


def test_revenue_at_risk_is_traceable_to_scorecard_points(demo):
    site = demo.first()
    snapshot = site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    rows = snapshot.details["revenue_at_risk"]
    assert rows and all(r["points"] for r in rows)
    total = sum(r["revenue_at_risk"] or 0 for r in rows)
    assert float(snapshot.revenue_at_risk) == pytest.approx(total, abs=0.01)


def test_portfolio_roll_up_adds_the_sites(demo):
    for site in demo:
        site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    portfolio = demo.first().portfolio
    rolled = portfolio_figures(portfolio, AS_OF)
    snapshots = SiteScoreSnapshot.objects.filter(site__portfolio=portfolio)
    assert rolled["sites"] == snapshots.count()
    assert rolled["penalty_exposure"] == pytest.approx(
        float(sum(s.penalty_exposure for s in snapshots))
    )
    oees = [s.oee for s in snapshots]
    assert min(oees) <= rolled["oee"] <= max(oees)


money = st.one_of(st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False))
score = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "penalty_exposure": money,
                "addressable_exposure": money,
                "emergency_premium": money,
                "production_value_at_risk": money,
                "revenue_at_risk": money,
                "cm_coverage_score": score,
                "changeover_score": score,
                "mtbf_trend_score": score,
                "penalty_frequency_score": score,
                "oee": st.none(),
                "risk_tier": st.sampled_from(["high", "medium", "low"]),
            }
        ),
        max_size=8,
    )
)
def test_portfolio_totals_equal_the_sum_of_site_figures(sites):
    standard = {
        f"weight_{n}": 0.25
        for n in ("cm_coverage", "changeover", "mtbf_trend", "penalty_frequency")
    }
    rolled = aggregate(sites, standard)
    for name in (
        "penalty_exposure",
        "addressable_exposure",
        "emergency_premium",
        "production_value_at_risk",
        "revenue_at_risk",
    ):
        values = [s[name] for s in sites if s[name] is not None]
        if values:
            assert rolled[name] == pytest.approx(sum(values))
        else:
            assert rolled[name] is None
    assert sum(rolled["risk_tiers"].values()) == len(sites)
    if rolled["maturity_composite"] is not None:
        assert 0 <= rolled["maturity_composite"] <= 100


def test_many_ingest_batches_ask_for_one_recompute(world, monkeypatch, settings):
    settings.RECOMPUTE_DEBOUNCE_SECONDS = 30
    sent = []
    monkeypatch.setattr(
        tasks.recompute_site, "apply_async", lambda args, countdown: sent.append((args, countdown))
    )
    cache.delete_many([scheduling.pending_key(s.pk) for s in (world.site_a, world.site_b)])
    assert scheduling.schedule_site_recompute([world.site_a.pk]) == [world.site_a.pk]
    assert scheduling.schedule_site_recompute([world.site_a.pk, world.site_b.pk]) == [
        world.site_b.pk
    ]
    assert sent == [((world.site_a.pk,), 30), ((world.site_b.pk,), 30)]
    # The recompute clears the mark first: data arriving meanwhile asks for another.
    tasks.recompute_site.run(world.site_a.pk, AS_OF.isoformat())
    assert scheduling.schedule_site_recompute([world.site_a.pk]) == [world.site_a.pk]


def test_a_site_without_data_gets_a_snapshot_of_unknowns(world):
    snapshot = site_recompute_scores(site_id=world.site_c.pk, as_of=AS_OF)
    assert snapshot.penalty_exposure is None or snapshot.penalty_exposure == 0
    assert snapshot.oee is None
    assert snapshot.cm_coverage_score is not None or snapshot.details["tier1_assets"] == 0


def test_recompute_command_backfills_quarters(demo):
    out = io.StringIO()
    site = demo.first()
    call_command(
        "recompute",
        "--site",
        site.code,
        "--as-of",
        "2026-11-01",
        "--backfill-quarters",
        "2",
        stdout=out,
    )
    days = list(
        SiteScoreSnapshot.objects.filter(site=site)
        .order_by("as_of")
        .values_list("as_of", flat=True)
    )
    assert days == [dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 11, 1)]
    assert "3 snapshot(s)" in out.getvalue()


def test_the_command_and_the_task_refresh_a_site_the_same_way(world, monkeypatch):
    """Both go through ``site_refresh``: today's scores turn new readings into alerts first;
    a past day (``--as-of``, or a backfilled quarter end) is scored from what is stored."""
    evaluated = []
    monkeypatch.setattr(
        "scores.services.alerts_evaluate", lambda **kwargs: evaluated.append(kwargs)
    )
    site = world.site_a
    call_command("recompute", "--site", site.code, stdout=io.StringIO())
    assert evaluated == [{"site_ids": [site.pk]}]
    call_command(
        "recompute", "--site", site.code, "--as-of", "2026-11-01", "--backfill-quarters", "1",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert evaluated == [{"site_ids": [site.pk]}]
    tasks.recompute_site.run(site.pk)
    assert evaluated == [{"site_ids": [site.pk]}] * 2


def test_quarter_ends():
    assert quarter_ends(dt.date(2026, 1, 15), 2) == [dt.date(2025, 9, 30), dt.date(2025, 12, 31)]
    assert quarter_ends(dt.date(2026, 3, 31), 1) == [dt.date(2025, 12, 31)]


def test_translation_table_speaks_every_known_figure_with_its_window(demo):
    site = demo.last()
    snapshot = site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    standard = standard_values(portfolio_standard(site.portfolio))
    rows = {r["metric"]: r for r in translation_rows(snapshot, site, standard)}
    exposure = rows["penalty_exposure"]
    assert exposure["sentence"] == (
        f"{site.name} carries ${snapshot.penalty_exposure:,.0f} in annual OEM penalty exposure "
        f"(trailing 12 months to {AS_OF})."
    )
    assert rows["cm_coverage"]["window"] == f"sensors reporting in the 24 h to the end of {AS_OF}"
    assert all(r["sentence"] and r["window"] for r in rows.values())


def test_a_gap_deadline_counts_from_when_the_site_fell_below(demo):
    """Site C is below the CM coverage standard at every quarter end: the deadline stays
    180 days after the first snapshot with the gap, however often it is recomputed."""
    site = demo.last()
    first_day, later = dt.date(2026, 6, 30), dt.date(2026, 9, 30)
    site_recompute_scores(site_id=site.pk, as_of=first_day)
    snapshot = site_recompute_scores(site_id=site.pk, as_of=later)
    gaps = {g["dimension"]: g for g in snapshot.details["gaps"] if g["status"] == "gap"}
    assert gaps["cm_coverage"]["deadline"] == (first_day + dt.timedelta(days=180)).isoformat()
